"""``atende init``: create or upgrade the schema, optionally with the demo pet shop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from atende.cli.common import console, database, settings


def init(
    demo: Annotated[bool, typer.Option("--demo", help="add the demo pet shop")] = False,
) -> None:
    """Create or upgrade the schema."""
    from atende.storage import orgs
    from atende.storage.demo import DEMO_SLUG, create_demo

    config = settings()
    out = console()
    with database(config) as session:
        out.print(f"schema ready: {config.database_url}")
        if not demo:
            return
        org = orgs.org_by_slug(session, DEMO_SLUG)
        if org is None:
            org = create_demo(session)
            _add_demo_faq(session, org.id)
            out.print(f"created demo organization {DEMO_SLUG!r}: {org.name}")
        else:
            out.print(f"demo organization {DEMO_SLUG!r} already exists; issuing a new API key")
        key = orgs.issue_api_key(session, org.id)
        out.print(f"id: {org.id}")
        out.print(f"api key: {key}")
        out.print(f"dashboard: {config.public_url}/#key={key}")


def _add_demo_faq(session: Session, org_id: int) -> None:
    """The demo shop's FAQ (payment, parking, pet taxi), so FAQ answers work out of the box."""
    from atende.brain.knowledge.documents import read_document
    from atende.storage import knowledge
    from atende.storage.demo import DEMO_FAQ

    doc = read_document(Path(DEMO_FAQ))
    knowledge.replace_document(session, org_id, doc.name, doc.kind, doc.sha256, doc.chunks)
