"""``atende resource …``: the shop's people and stations and what each does.

atende resource add petfeliz "Banho 1" --does "Banho,Banho e tosa"
atende resource add petfeliz "Ana" --kind person --does Tosa
atende resource remove petfeliz "Banho 2" [--move-bookings]
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from atende.cli.common import CliError, actor, console, database, find_org, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from atende.storage.models import Resource

app = typer.Typer(help="Resources: people and stations, one appointment at a time each.")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
Name = Annotated[str, typer.Argument(help="the resource's name, e.g. 'Banho 1' or 'Ana'")]


class Kind(StrEnum):
    person = "person"
    station = "station"


def _names(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [n.strip() for n in raw.split(",") if n.strip()]


@app.command()
def add(
    slug: Slug,
    name: Name,
    does: Annotated[str, typer.Option(help="the services it does, comma-separated")],
    kind: Annotated[Kind, typer.Option(help="person or station")] = Kind.station,
) -> None:
    """Add a person or station able to do these services."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    with database(settings()) as session:
        org = find_org(session, slug)
        desk = Desk(session, org, actor())
        row = shop_admin.add_resource(desk, name, kind.value, _names(does) or [])
        resource_id = row.id
    console().print(f"id: {resource_id}")


@app.command("set")
def change(
    slug: Slug,
    name: Name,
    does: Annotated[str | None, typer.Option(help="what it does now, comma-separated")] = None,
    kind: Annotated[Kind | None, typer.Option()] = None,
    rename: Annotated[str | None, typer.Option(help="a new name")] = None,
) -> None:
    """Rename a resource or change what it does (refused while it has future bookings of
    a service it would no longer do)."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    if does is None and kind is None and rename is None:
        raise CliError("nothing to change: give --does, --kind or --rename")
    with database(settings()) as session:
        org = find_org(session, slug)
        row = _resource(session, org.id, name)
        desk = Desk(session, org, actor())
        kind_value = kind.value if kind else None
        shop_admin.change_resource(desk, row.id, rename, kind_value, _names(does))
    _print_all(slug)


def _resource(session: Session, org_id: int, name: str) -> Resource:
    from atende.storage import resources

    row = resources.find(session, org_id, name)
    if row is None:
        raise CliError(f"no resource {name!r} (atende resource list)")
    return row


@app.command()
def remove(
    slug: Slug,
    name: Name,
    move_bookings: Annotated[
        bool, typer.Option(help="move its future bookings to another capable resource")
    ] = False,
) -> None:
    """Remove a resource; refused while it has future bookings, unless --move-bookings
    finds each another resource at the same time (all or nothing)."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    with database(settings()) as session:
        org = find_org(session, slug)
        row = _resource(session, org.id, name)
        moved = shop_admin.remove_resource(Desk(session, org, actor()), row.id, move_bookings)
    out = console()
    out.print(f"removed: {name}")
    for booking_id, to in moved:
        out.print(f"moved booking {booking_id} to {to}")


@app.command("list")
def list_resources(slug: Slug) -> None:
    """The resources and what each does."""
    _print_all(slug)


def _print_all(slug: str) -> None:
    from atende.storage import resources, services

    with database(settings()) as session:
        org = find_org(session, slug)
        names = {s.id: s.name for s in services.active(session, org.id)}
        rows = resources.resources(session, org.id)
    table = Table("id", "resource", "kind", "does")
    for r in rows:
        does = [names[i] for i in sorted(r.service_ids) if i in names]
        table.add_row(str(r.id), r.name, r.kind, ", ".join(does) or "(nothing yet)")
    console().print(table)
