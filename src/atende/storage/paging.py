"""Keyset pages for the admin lists: "the rows after this one", never an offset.

An offset skips rows the database still has to read, and shifts when rows are added
between two pages; a keyset ("after id 812", or "before (time, id)") reads only the
page and never returns a row twice. Every list is ordered by a unique key ending in the
row id, so ties on a time are broken the same way on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class After:
    """Where the previous page ended: its last row's id, and that row's sort time for
    lists ordered by time (newest first)."""

    id: int
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Up to ``limit`` rows; ``last`` is the key to continue after, None at the end."""

    rows: list[T]
    last: After | None


def take(rows: Sequence[T], limit: int, key: Callable[[T], After]) -> Page[T]:
    """Cut a ``limit + 1`` fetch to a page: the extra row only says there is more."""
    kept = list(rows[:limit])
    return Page(kept, key(kept[-1]) if len(rows) > limit and kept else None)


def by_id(stmt: S, id_col: InstrumentedAttribute[int], after: After | None, limit: int) -> S:
    """Oldest first by id, the rows after ``after``; one more than ``limit``."""
    if after is not None:
        stmt = stmt.where(id_col > after.id)
    return stmt.order_by(id_col).limit(limit + 1)


def by_id_desc(stmt: S, id_col: InstrumentedAttribute[int], after: After | None, limit: int) -> S:
    """Newest first by id, the rows after ``after``; one more than ``limit``."""
    if after is not None:
        stmt = stmt.where(id_col < after.id)
    return stmt.order_by(id_col.desc()).limit(limit + 1)


def by_time_desc(
    stmt: S,
    time_col: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    id_col: InstrumentedAttribute[int],
    after: After | None,
    limit: int,
) -> S:
    """Newest first by a never-null time, ties by id; the rows after ``after``."""
    if after is not None and after.at is not None:
        stmt = stmt.where(or_(time_col < after.at, and_(time_col == after.at, id_col < after.id)))
    elif after is not None:
        stmt = stmt.where(id_col < after.id)
    return stmt.order_by(time_col.desc(), id_col.desc()).limit(limit + 1)
