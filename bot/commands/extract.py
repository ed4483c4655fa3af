"""`utp extract`: talent signals for a text, or a JSON-lines stream of texts, as JSON.

    utp extract "I led the stand-up and fixed the CI pipeline."
    utp extract --rank 10 "..."            # also the 10 best ESCO skills, ignoring the threshold
    utp extract --jsonl < in.jsonl          # {"id": ..., "text": ...} per line, in order, streamed
    utp extract --extractor offline "..."   # force one extractor

Settings come from the environment for now: OPENAI_API_KEY, OPENAI_BASE_URL, UTP_LLM_MODEL,
UTP_CACHE_DIR, UTP_OFFLINE_MODEL ("wordllama", the default, or "hybrid").
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from passport.errors import UTPError
from passport.signals import Extractor

logger = logging.getLogger(__name__)

MAX_LINE_CHARS = 100_000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp extract`."""
    parser = subparsers.add_parser(
        "extract", help="print the talent signals (ESCO skills etc.) found in a text, as JSON"
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="?", help="the text; '-' or nothing reads standard input")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='read lines {"id": ..., "text": ...} from standard input, write one result per line',
    )
    parser.add_argument(
        "--rank", type=int, default=0, metavar="K", help="add the K best ESCO skills with scores"
    )
    parser.add_argument("--extractor", choices=("offline", "llm"), help="force one extractor")


def run(args: argparse.Namespace) -> int:
    """Run the command; exit status 0 on success, 2 on a usage or configuration error."""
    import asyncio

    if args.rank < 0:
        print("utp extract: --rank must be 0 or more", file=sys.stderr)
        return 2
    try:
        extractor = _build(args.extractor)
    except UTPError as exc:
        print(f"utp extract: {exc}", file=sys.stderr)
        return 2
    if args.jsonl:
        return asyncio.run(_stream(extractor, sys.stdin, sys.stdout, args.rank))
    text = args.text if args.text not in (None, "-") else sys.stdin.read()
    try:
        result = asyncio.run(extractor.extract(text, rank=args.rank))
    except UTPError as exc:
        print(f"utp extract: {exc}", file=sys.stderr)
        return 1
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _build(force: str | None) -> Extractor:
    from extractors import build_extractor

    cache = os.environ.get("UTP_CACHE_DIR")
    return build_extractor(
        openai_api_key=os.environ.get("OPENAI_API_KEY") or None,
        openai_base_url=os.environ.get("OPENAI_BASE_URL") or None,
        model=os.environ.get("UTP_LLM_MODEL") or None,
        cache_dir=Path(cache).expanduser() if cache else None,
        force=force,
        offline_model=os.environ.get("UTP_OFFLINE_MODEL") or None,
    )


def _parse(line: str) -> tuple[Any, str]:
    """(id, text) from one input line; raises ValueError with a reason a person can read."""
    if len(line) > MAX_LINE_CHARS:
        raise ValueError(f"line longer than {MAX_LINE_CHARS} characters")
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from exc
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object with 'id' and 'text'")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError("'text' must be a string")
    return item.get("id"), text


def _best_effort_id(line: str) -> Any:
    try:
        item = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    return item.get("id") if isinstance(item, dict) else None


async def _stream(extractor: Extractor, src: TextIO, out: TextIO, rank: int) -> int:
    """One output line per non-blank input line, in order, flushed as each one is done."""
    import asyncio

    number = 0
    while True:
        line = await asyncio.to_thread(src.readline)
        if not line:
            return 0
        if not line.strip():
            continue
        number += 1
        try:
            item_id, text = _parse(line)
        except ValueError as exc:
            record: dict[str, Any] = {"id": _best_effort_id(line), "line": number}
            record["error"] = str(exc)
        else:
            try:
                result = await extractor.extract(text, rank=rank)
                record = {"id": item_id, **result.to_dict()}
            except Exception as exc:  # noqa: BLE001 - one bad item must not end the batch
                logger.exception("extraction failed for line %d", number)
                record = {"id": item_id, "line": number, "error": f"extraction failed: {exc}"}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()


def main(argv: list[str] | None = None) -> int:
    """Run `extract` on its own (python -m bot.commands.extract), without the full `utp` CLI."""
    parser = argparse.ArgumentParser(prog="utp extract", description=__doc__)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
