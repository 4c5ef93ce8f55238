"""Secrets at rest: what a stolen database file or dump must not give away.

Channel credentials (Twilio auth token, Meta access token and app secret, Evolution API
key…) are stored whole as one token; in organization settings only the secret fields
(``api_key``, ``*_token``, ``*_secret``, ``password``) are, so the rest stays readable.
A stored secret is ``"fernet:" + token``: recognisable, so rows written before
encryption (plain JSON) still read, and the migration and ``rotate`` know what to do.

Callers never see any of this: the column types below seal on write and open on read.
They find their key through the engine's dialect (``bind``), not a global, so two
engines with two keys can live in one process. Where the key comes from is ``keys.py``.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Connection, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from atende.errors import SecretsUnreadable

PREFIX = "fernet:"
# a Slack-style webhook URL carries its token in the path: sealed like a key
SECRET_NAMES = ("api_key", "token", "secret", "password", "webhook_url")
WRONG_KEY = (
    "stored secrets cannot be decrypted with the configured key: ATENDE_SECRET_KEY (or the "
    "key file beside the database) is not the one they were written with, or an old key "
    "was dropped before `atende rotate-key` finished"
)


class SecretBox:
    """Fernet with every configured key: the first seals, any of them opens."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self.size = len(keys)

    def __repr__(self) -> str:  # never the keys
        return f"SecretBox({self.size} key{'s' if self.size != 1 else ''})"

    def seal(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(_token(sealed)).decode()
        except InvalidToken:
            raise SecretsUnreadable(WRONG_KEY) from None

    def reseal(self, sealed: str) -> str:
        """The same secret sealed under the first key (what rotation does to each value)."""
        try:
            return PREFIX + self._fernet.rotate(_token(sealed)).decode()
        except InvalidToken:
            raise SecretsUnreadable(WRONG_KEY) from None


def _token(sealed: str) -> bytes:
    return sealed.removeprefix(PREFIX).encode()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


_BOXES: weakref.WeakKeyDictionary[Dialect, SecretBox] = weakref.WeakKeyDictionary()


def bind(engine: Engine, box: SecretBox) -> None:
    """Give ``engine`` its key. Every engine has its own dialect object, and column types
    see only the dialect, so that is where the box is found."""
    _BOXES[engine.dialect] = box


def box_for(target: Engine | Connection | Dialect) -> SecretBox:
    dialect = target if isinstance(target, Dialect) else target.dialect
    box = _BOXES.get(dialect)
    if box is None:
        raise SecretsUnreadable(
            "this database engine has no secret key: create it with "
            "atende.storage.db.make_engine so that stored secrets can be read and written"
        )
    return box


# --- channel credentials: the whole object as one token ---------------------------------


def seal_object(box: SecretBox, value: Mapping[str, Any]) -> str:
    return box.seal(json.dumps(dict(value), sort_keys=True))


def open_object(dialect: Dialect, stored: Any) -> dict[str, Any]:
    """Sealed credentials opened with the engine's key; plain ones as they are."""
    if is_sealed(stored):
        opened: dict[str, Any] = json.loads(box_for(dialect).open(stored))
        return opened
    return dict(stored or {})  # a row from before encryption


# --- organization settings: secret fields sealed in place -------------------------------


def is_secret_name(name: str) -> bool:
    return any(name == s or name.endswith("_" + s) for s in SECRET_NAMES)


def map_secrets(value: Mapping[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    """A copy of ``value`` with ``change`` applied to every non-empty secret string (a
    field with a secret's name, or any value already sealed), at any depth."""
    out: dict[str, Any] = {}
    for name, item in value.items():
        if isinstance(item, Mapping):
            out[name] = map_secrets(item, change)
        elif isinstance(item, str) and item and (is_sealed(item) or is_secret_name(name)):
            out[name] = change(item)
        else:
            out[name] = item
    return out


def reseal_fields(box: SecretBox, value: Mapping[str, Any]) -> dict[str, Any]:
    return map_secrets(value, lambda s: box.reseal(s) if is_sealed(s) else box.seal(s))


class EncryptedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object stored as one sealed string (``Channel.credentials``)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else seal_object(box_for(dialect), value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else open_object(dialect, value)


class SealedSecretsJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object whose secret fields are sealed (``Organization.settings``)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return map_secrets(value, lambda s: s if is_sealed(s) else box_for(dialect).seal(s))

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        return map_secrets(value, lambda s: box_for(dialect).open(s) if is_sealed(s) else s)


# --- every stored secret at once: migration 0009 and rotate-key -------------------------

_CHANNELS = sa.table("channels", sa.column("id", sa.String), sa.column("credentials", JSON))
_ORGS = sa.table("organizations", sa.column("id", sa.Integer), sa.column("settings", JSON))


@dataclass(frozen=True, slots=True)
class Resealed:
    channels: int
    organizations: int


def reseal_all(conn: Connection, box: SecretBox) -> Resealed:
    """Seal every secret under ``box``'s first key, plain (legacy) ones included. Plain
    SQL on purpose: migrations must not depend on today's models."""
    channels = 0
    for row in conn.execute(sa.select(_CHANNELS.c.id, _CHANNELS.c.credentials)).all():
        stored = row.credentials
        new = box.reseal(stored) if is_sealed(stored) else seal_object(box, stored or {})
        conn.execute(_CHANNELS.update().where(_CHANNELS.c.id == row.id).values(credentials=new))
        channels += 1
    organizations = 0
    for row in conn.execute(sa.select(_ORGS.c.id, _ORGS.c.settings)).all():
        settings = row.settings or {}
        new_settings = reseal_fields(box, settings)
        if new_settings != settings:
            conn.execute(_ORGS.update().where(_ORGS.c.id == row.id).values(settings=new_settings))
            organizations += 1
    return Resealed(channels, organizations)


def open_all(conn: Connection, box: SecretBox) -> None:
    """Back to plain JSON (downgrading migration 0009)."""
    for row in conn.execute(sa.select(_CHANNELS.c.id, _CHANNELS.c.credentials)).all():
        if is_sealed(row.credentials):
            plain = json.loads(box.open(row.credentials))
            conn.execute(
                _CHANNELS.update().where(_CHANNELS.c.id == row.id).values(credentials=plain)
            )
    for row in conn.execute(sa.select(_ORGS.c.id, _ORGS.c.settings)).all():
        opened = map_secrets(row.settings or {}, lambda s: box.open(s) if is_sealed(s) else s)
        conn.execute(_ORGS.update().where(_ORGS.c.id == row.id).values(settings=opened))
