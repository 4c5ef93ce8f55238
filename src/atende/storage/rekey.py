"""Re-encrypting every stored secret under a new key: ``atende rotate-key``.

With ATENDE_SECRET_KEY="NEW,OLD" every secret is re-encrypted under NEW, after which
OLD can be dropped. In the embedded default (a SQLite key file) a new key is generated
and written in front of the old ones, everything is re-encrypted, and only then is the
file rewritten with the new key alone: a crash at any point leaves a key file that still
opens every row, and running the command again finishes the job.

Processes keep their keys in memory, so atende must be stopped meanwhile: a worker that
beat its heartbeat within the last minute makes ``rotate_key`` refuse (unless forced).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from atende.errors import ConfigurationError, Conflict
from atende.storage import heartbeats, keys, secrets
from atende.storage.db import BEGIN_OPTION, make_engine, make_sessionmaker, write_lock
from atende.storage.secrets import Resealed

RUNNING_SECONDS = 60.0
ONE_KEY = (
    f"{keys.ENV} holds one key, so there is nothing to rotate to. Generate a new key with\n"
    f"    {keys.GENERATE}\n"
    f"set {keys.ENV}=NEW,OLD (new first) on every process, run rotate-key, then keep only NEW"
)


@dataclass(frozen=True, slots=True)
class Rotation:
    resealed: Resealed
    origin: str  # where the keys are: ATENDE_SECRET_KEY or the key file's path
    key_file: Path | None


def rotate(engine: Engine) -> Resealed:
    """Every stored secret re-encrypted under the engine's first key, in one transaction."""
    box = secrets.box_for(engine)
    writer = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
    with write_lock(engine), writer.begin() as conn:
        return secrets.reseal_all(conn, box)


def rotate_key(database_url: str, secret_key: str = "", *, force: bool = False) -> Rotation:
    """What ``atende rotate-key`` does; run it with atende stopped (see the module doc)."""
    source = keys.key_source(database_url, secret_key)
    if source.file is None and len(source.keys) < 2:
        raise ConfigurationError(ONE_KEY)
    if not force:
        _refuse_while_running(database_url, source.keys)
    if source.file is None:
        return Rotation(_reseal(database_url, source.keys), source.origin, None)
    ring = [Fernet.generate_key(), *source.keys]
    keys.write_keys(source.file, ring)
    resealed = _reseal(database_url, ring)
    keys.write_keys(source.file, ring[:1])
    return Rotation(resealed, source.origin, source.file)


def _refuse_while_running(database_url: str, ring: list[bytes]) -> None:
    engine = make_engine(database_url, b",".join(ring).decode())
    try:
        with make_sessionmaker(engine)() as session:
            running = [w.id for w in heartbeats.alive(session, RUNNING_SECONDS)]
    finally:
        engine.dispose()
    if running:
        raise Conflict(
            f"atende is running ({', '.join(running)} seen in the last minute) and keeps the "
            "old key in memory: stop every atende process, then rotate (or force it)"
        )


def _reseal(database_url: str, ring: list[bytes]) -> Resealed:
    engine = make_engine(database_url, b",".join(ring).decode())
    try:
        return rotate(engine)
    finally:
        engine.dispose()
