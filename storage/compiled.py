"""Statements SQLAlchemy cannot cache, compiled once per dialect.

SQLAlchemy 2.0 never caches the compiled form of the dialects' `insert()` (the one with
`on_conflict_do_nothing`, sqlalchemy#10445): every execution compiles it again, about as much CPU
as the rest of a capture's statements together. `CompiledOnce` compiles such a statement once per
dialect into a `text()` construct, which is cached, keeping its bound parameters' and result
columns' types, so values go in and come out exactly as from the original statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, column, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.expression import Executable, TextualSelect


class CompiledOnce:
    """`build(dialect_name)` → a statement; `for_dialect(d)` → its compiled `text()` twin."""

    def __init__(self, build: Callable[[str], Executable]) -> None:
        self._build = build
        self._compiled: dict[str, TextClause | TextualSelect] = {}

    def of(self, session: Any) -> TextClause | TextualSelect:
        """The statement for the database behind a session or connection."""
        return self.for_dialect(session.get_bind().dialect)

    def for_dialect(self, dialect: Dialect) -> TextClause | TextualSelect:
        """The statement compiled for `dialect` (once per process)."""
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _as_text(self._build(dialect.name), dialect)
        return found


def _plain(dialect: Dialect) -> type[Dialect]:
    # The database's base dialect: the SQL is the same, without a driver's casts (`:x::VARCHAR`
    # from asyncpg would not read as a parameter in text()). Types are still processed by the
    # engine's own dialect when the statement runs.
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql.base import PGDialect

        return PGDialect
    if dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite.base import SQLiteDialect

        return SQLiteDialect
    return type(dialect)


def _as_text(statement: Any, dialect: Dialect) -> TextClause | TextualSelect:
    # Named parameters (`:name`) are the form text() reads.
    compiled = statement.compile(dialect=_plain(dialect)(paramstyle="named"))  # type: ignore[call-arg]
    params = {}
    for param, name in compiled.bind_names.items():
        # Literals inside the statement keep their value; the caller supplies the rest.
        value = None if param.callable is not None or param.required else param.value
        params[name] = bindparam(name, value=value, type_=param.type)
    clause = text(compiled.string).bindparams(*params.values())
    returned = getattr(statement, "selected_columns", None)
    if returned is None and getattr(statement, "_returning", None):
        returned = statement.exported_columns
    if not returned:
        return clause
    # Positional: the compiled statement returns these columns in this order.
    return clause.columns(*(column(c.key, c.type) for c in returned))
