"""Where the secret key comes from, in this order:

1. the key text given by the caller (the app passes ``Settings.secret_key``);
2. the ``ATENDE_SECRET_KEY`` environment variable (so migrations run straight from
   Alembic, scripts and tests find the same key as the app);
3. SQLite only: a key file beside the database, ``atende.db`` -> ``atende.secret``,
   generated on first use with mode 0600. It travels with the database: back up both.

Several comma-separated Fernet keys (or one per line in the file) make key rotation
possible: the first encrypts, all decrypt. PostgreSQL gets no generated default: its
processes may run on several machines, each would invent a different key and none could
read what the others wrote, so a missing key stops start-up with how to make one.
"""

from __future__ import annotations

import logging
import os
import re
import secrets as random
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from atende.errors import ConfigurationError
from atende.storage.secrets import SecretBox

log = logging.getLogger(__name__)

ENV = "ATENDE_SECRET_KEY"
GENERATE = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
NO_KEY = (
    f"{ENV} is not set. With PostgreSQL atende needs it to encrypt channel credentials and "
    f"API keys, and it must be the same on every process. Generate one with\n    {GENERATE}\n"
    f"and set {ENV} to it (keep it safe: without it stored credentials cannot be read)."
)
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class KeySource:
    """The keys in use and where they came from (never printed: only ``origin``)."""

    keys: list[bytes] = field(repr=False)
    origin: str  # "ATENDE_SECRET_KEY", a key file's path, or "in-memory database"
    file: Path | None = None


def parse_keys(text: str, origin: str) -> list[bytes]:
    keys = [k.encode() for k in _SEPARATORS.split(text.strip()) if k]
    if not keys:
        raise ConfigurationError(f"{origin} holds no key; generate one with\n    {GENERATE}")
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigurationError(
                f"{origin} holds something that is not a Fernet key (32 url-safe "
                f"base64-encoded bytes); generate one with\n    {GENERATE}"
            ) from None
    return keys


def key_file_for(database_url: str) -> Path | None:
    """``atende.secret`` beside ``atende.db``; None when the database is not a SQLite file."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    db_path = Path(url.database)
    return db_path.with_name(db_path.stem + ".secret")


def key_source(database_url: str, secret_key: str = "") -> KeySource:
    """The keys for this database, generating the SQLite key file if there is none."""
    text = secret_key or os.environ.get(ENV, "")
    if text:
        return KeySource(parse_keys(text, ENV), ENV)
    path = key_file_for(database_url)
    if path is not None:
        return KeySource(parse_keys(read_or_create(path), str(path)), str(path), path)
    if make_url(database_url).get_backend_name() == "sqlite":
        # an in-memory database dies with the process, and so may its key
        return KeySource([Fernet.generate_key()], "in-memory database")
    raise ConfigurationError(NO_KEY)


def box_for_url(database_url: str, secret_key: str = "") -> SecretBox:
    return SecretBox(key_source(database_url, secret_key).keys)


def read_or_create(path: Path) -> str:
    """The key file's text; created first if missing. Concurrent first starts agree: the
    key is written whole into a private temporary file (O_EXCL, 0600) and published with
    ``link``, which never replaces an existing file, so the first one in wins."""
    try:
        if path.stat().st_mode & 0o077:
            log.warning("%s is readable by other users: chmod 600 it", path)
        return path.read_text()
    except FileNotFoundError:
        pass
    tmp = _write_private(path, Fernet.generate_key().decode() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        return path.read_text()
    finally:
        tmp.unlink()
    log.warning(
        "generated a secret key for stored credentials in %s: keep it with the database "
        "and its backups, without it channel credentials cannot be read",
        path,
    )
    return path.read_text()


def write_keys(path: Path, keys: list[bytes]) -> None:
    """Replace the key file at once (rename), never leaving it half written."""
    tmp = _write_private(path, "\n".join(k.decode() for k in keys) + "\n")
    os.replace(tmp, path)


def _write_private(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{random.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp
