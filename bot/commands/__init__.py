"""One module per `utp` subcommand, each with `register(subparsers)`."""
