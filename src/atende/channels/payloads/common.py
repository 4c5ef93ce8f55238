"""Shared field types and the guarded JSON reader every payload model builds on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from atende.channels.base import Rejection
from atende.channels.errors import BadPayload
from atende.domain.text import storable

MAX_DEPTH = 64


def _short(limit: int) -> AfterValidator:
    return AfterValidator(lambda value: storable(value)[:limit])


def _name(value: object) -> str | None:
    """A display name is decoration: one of the wrong type is dropped, not the message."""
    if not isinstance(value, str):
        return None
    return storable(value).strip()[:200] or None


def _loose(value: object) -> str | None:
    return value if isinstance(value, str) else None


Text = Annotated[str, AfterValidator(storable)]
"""Free text (message bodies, captions): any length, made storable."""

ProviderId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(storable)]
"""A provider's message id: the idempotency key, so never truncated (too long: invalid)."""

Name = Annotated[str | None, BeforeValidator(_name)]
"""A sender's profile name: storable, at most 200 characters, None when unusable."""

Label = Annotated[str, _short(64)]
"""Short provider vocabulary (statuses, error codes, close reasons), cut to fit."""

Kind = Annotated[str, _short(16)]
"""A message kind as the provider names it (``text``, ``audio``…), cut to fit."""

MediaType = Annotated[str, _short(100)]

Loose = Annotated[str | None, BeforeValidator(_loose)]
"""A string or nothing: for fields only compared, never stored (instance, apikey)."""


class Payload(BaseModel):
    """Base of every wire model: unknown fields ignored, values never mutated."""

    model_config = ConfigDict(extra="ignore", frozen=True)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], raw: object) -> M:
    """``model`` from ``raw``; BadPayload naming the first wrong field (never its value)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise BadPayload(describe(exc)) from None


def each(model: type[M], raws: Iterable[Any], where: str, rejected: list[Rejection]) -> list[M]:
    """The items of a batch that validate; each one that does not is added to
    ``rejected`` (so one bad message never costs the others)."""
    found = (one(model, raw, f"{where}.{n}", rejected) for n, raw in enumerate(raws))
    return [item for item in found if item is not None]


def one(model: type[M], raw: Any, where: str, rejected: list[Rejection]) -> M | None:
    """The item, or None with its rejection added to ``rejected``."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        rejected.append(Rejection("malformed", f"{where}.{describe(exc)}"))
        return None


def describe(exc: ValidationError) -> str:
    """'messages.0.text.body: Input should be a valid string' — the field, not its value."""
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "payload"
    return f"{where}: {first['msg']}"


def load_json(raw: bytes) -> Any:
    """Parse a JSON body, refusing what is not JSON or nests deeper than MAX_DEPTH.

    Runs on unauthenticated bytes too (Evolution's credential sits in the body), so it
    never raises anything but BadPayload: the C decoder's RecursionError included.
    """
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadPayload("body is not JSON (or nests too deeply)") from None
    if not _shallow(value):
        raise BadPayload(f"JSON nests deeper than {MAX_DEPTH} levels")
    return value


def _shallow(value: Any) -> bool:
    """Breadth-first, one level at a time: no recursion, stops at MAX_DEPTH."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(MAX_DEPTH):
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            below.extend([c for c in children if isinstance(c, dict | list)])
        if not below:
            return True
        level = below
    return False
