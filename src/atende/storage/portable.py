"""The few statements whose SQL differs between SQLite and PostgreSQL, behind one call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(
    session: Session,
    table: Table,
    values: dict[str, Any],
    conflict: list[str],
    returning: str = "id",
    conflict_where: Any = None,
) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new id, or None when it existed.
    ``conflict_where`` names a partial unique index by its predicate."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict, index_where=conflict_where)
        .returning(table.c[returning])
    )
    row = session.execute(stmt).first()
    return None if row is None else int(row[0])


def insert_if_absent(
    session: Session, table: Table, values: dict[str, Any], conflict: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING for tables keyed by something else than an
    integer id: True when the row was added."""
    first = conflict[0]
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(table.c[first])
    )
    return session.execute(stmt).first() is not None


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE/DELETE touched (the compare-and-set checks rely on it)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
