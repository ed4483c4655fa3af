"""Passport portability: export to JSON Resume, Open Badges 3.0 and CLR 2.0; import and verify.

Imports `passport` types only. Nothing here touches the database or the network: JSON-LD contexts
and JSON Schemas come from `ler/data/`, keys are handed in (sealed storage is the caller's job).
"""
