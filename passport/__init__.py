"""The domain: people, entries, artifacts, signals, profile, digest, prompts, export.

Imports nothing of ours; stdlib and pydantic only.
"""
