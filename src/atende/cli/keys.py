"""``atende rotate-key``: re-encrypt every stored credential under a new secret key."""

from __future__ import annotations

from typing import Annotated

import typer

from atende.cli.common import console, settings


def rotate_key(
    force: Annotated[
        bool, typer.Option("--force", help="even if a worker seems to be running")
    ] = False,
) -> None:
    """Re-encrypt stored credentials under a new key (stop atende first).

    Embedded (SQLite, key file beside the database): a new key is generated, written to
    the file, and every secret re-encrypted. With ATENDE_SECRET_KEY="NEW,OLD": every
    secret is re-encrypted under NEW; then keep only NEW.
    """
    from atende.storage.rekey import rotate_key as rotate

    config = settings()
    done = rotate(config.database_url, config.secret_key.get_secret_value(), force=force)
    out = console()
    out.print(
        f"re-encrypted {done.resealed.channels} channel(s) and "
        f"{done.resealed.organizations} organization(s) with keys from {done.origin}"
    )
    if done.key_file is not None:
        out.print(f"new key written to {done.key_file}; back it up together with the database")
    else:
        out.print("now set ATENDE_SECRET_KEY to the first (new) key only, and start atende")
