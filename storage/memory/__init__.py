"""The passport's repositories in memory: the same Protocols, no database (fast tests, demos).

`InMemoryStore` holds committed state; `InMemoryUnitOfWork` works on a private copy and swaps it
in on `commit()` (last writer wins: nothing here is shared between processes). Imports nothing
of SQLAlchemy.
"""

from storage.memory.uow import InMemoryStore, InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
