"""Paging of every admin list: ``?limit=`` (1..200, default 50) and ``?cursor=``.

A response is ``{"items": [...], "next": "<cursor>" | null}``; asking again with
``?cursor=<next>`` gives the following page, and ``next`` is null on the last one.
The cursor is opaque to clients: URL-safe base64 of the list's name and the last row's
key (see ``storage.paging``). It is not a secret — every query stays scoped to the
caller's organization — but a cursor that does not decode, or that belongs to another
list, is refused with 422 like any other bad parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from atende.storage.paging import After, Page
from atende.web.schemas import Items

T = TypeVar("T")
U = TypeVar("U")
INT64_MAX = 2**63 - 1
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    after: After | None


def encode(list_name: str, key: After) -> str:
    payload: dict[str, Any] = {"l": list_name, "id": key.id}
    if key.at is not None:
        payload["at"] = key.at.isoformat()
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refuse(reason: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", "cursor"), "msg": reason}])


def decode(list_name: str, cursor: str, timed: bool) -> After:
    """The key a cursor of this list carries; 422 for anything else."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _refuse("cursor is not one this API gave out") from exc
    if not isinstance(payload, dict) or payload.get("l") != list_name:
        raise _refuse("cursor belongs to another list")
    row_id, at = payload.get("id"), payload.get("at")
    if type(row_id) is not int or not -INT64_MAX - 1 <= row_id <= INT64_MAX:
        raise _refuse("cursor is not one this API gave out")
    if not timed:
        return After(row_id)
    try:
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise _refuse("cursor is not one this API gave out")
    return After(row_id, when)


LimitParam = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")
]
CursorParam = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The `next` of the previous page.",
    ),
]


def pager(list_name: str, timed: bool = False) -> Callable[[int, str | None], PageRequest]:
    """A dependency reading ``limit`` and ``cursor`` for the named list (``timed``: its
    keys carry a time as well as the id)."""

    def page_request(limit: LimitParam = 50, cursor: CursorParam = None) -> PageRequest:
        return PageRequest(limit, decode(list_name, cursor, timed) if cursor else None)

    return page_request


def respond(list_name: str, page: Page[U], items: list[T]) -> Items[T]:
    """The response for a page: its items, and the cursor to the next one."""
    return Items(items=items, next=encode(list_name, page.last) if page.last else None)
