"""Persistence: SQLAlchemy 2 models, the unit of work and repositories, durable jobs, blobs.

Imports `passport` types only; nothing above it (handlers, bot) is imported here.
"""
