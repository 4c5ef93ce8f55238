"""``atende booking …``: the agenda by hand — book for a customer who phoned or walked
in, move, cancel, mark what happened. The customer is told on WhatsApp (one short
message, sent by a running worker) unless ``--no-notify``; every change is in
``atende audit``.

    atende booking add petfeliz --phone 11999990001 --name "Maria" --service Banho \\
        --at "2026-12-07 10:00" --pet Thor --species cachorro --breed "shih-tzu" --size P
    atende booking move petfeliz 42 --at "2026-12-08 15:00" [--resource "Banho 2"]
    atende booking cancel petfeliz 42
    atende booking mark petfeliz 42 no_show
    atende booking done petfeliz 42 --amount 80
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from atende.cli.common import (
    CliError,
    actor,
    console,
    database,
    find_org,
    local_time,
    money,
    settings,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from atende.pipeline.agenda import Change

app = typer.Typer(help="Bookings by staff: add, move, cancel, mark, done (customers are told).")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
BookingId = Annotated[int, typer.Argument(help="the booking's id (atende agenda)")]
Notify = Annotated[bool, typer.Option("--notify/--no-notify", help="tell the customer on WhatsApp")]
Resource = Annotated[
    str | None, typer.Option(help="the resource's name (default: the first one free)")
]


class Mark(StrEnum):
    confirmed = "confirmed"
    completed = "completed"
    no_show = "no_show"
    cancelled = "cancelled"


def _resource_id(session: Session, org_id: int, name: str | None) -> int | None:
    from atende.storage import resources

    if name is None:
        return None
    row = resources.find(session, org_id, name)
    if row is None:
        raise CliError(f"no resource {name!r} (atende resource list)")
    return row.id


def _print(change: Change, resource: str) -> None:
    out = console()
    out.print(f"id: {change.booking.id}")
    out.print(f"status: {change.booking.status}")
    out.print(f"resource: {resource}")
    out.print(f"notice: {change.notice.replace('_', ' ')}")


@app.command()
def add(
    slug: Slug,
    phone: Annotated[str, typer.Option(help="the customer's WhatsApp number")],
    service: Annotated[str, typer.Option(help="the service's name")],
    at: Annotated[str, typer.Option(help="local date and time: 2026-12-07 10:00")],
    name: Annotated[str | None, typer.Option(help="the customer's name")] = None,
    pet: Annotated[str | None, typer.Option(help="the pet's name (registered if new)")] = None,
    species: Annotated[str, typer.Option(help="a new pet's species")] = "cachorro",
    breed: Annotated[str, typer.Option(help="a new pet's breed")] = "",
    size: Annotated[str | None, typer.Option(help="a new pet's size: P, M, G, mini…")] = None,
    resource: Resource = None,
    notify: Notify = True,
) -> None:
    """Book for a customer by phone (the contact and the pet are created if new)."""
    from atende.pipeline.agenda import Desk, NewPet
    from atende.storage import services
    from atende.storage.models import Resource as ResourceRow

    with database(settings()) as session:
        org = find_org(session, slug)
        row = services.named(session, org.id, service)
        if row is None:
            raise CliError(f"no service {service!r} (atende service list)")
        new_pet = NewPet(pet, species, breed, size) if pet else None
        change = Desk(session, org, actor()).book(
            phone=phone,
            service_id=row.id,
            starts_at=local_time(at, org.timezone, "--at"),
            name=name,
            pet=new_pet,
            resource_id=_resource_id(session, org.id, resource),
            notify=notify,
        )
        held = session.get(ResourceRow, change.booking.resource_id)
        _print(change, held.name if held else "?")


@app.command()
def move(
    slug: Slug,
    booking_id: BookingId,
    at: Annotated[str, typer.Option(help="the new local date and time: 2026-12-08 15:00")],
    resource: Resource = None,
    notify: Notify = True,
) -> None:
    """Move a booking (the same booking: a reschedule, not a cancellation)."""
    from atende.pipeline.agenda import Desk
    from atende.storage.models import Resource as ResourceRow

    with database(settings()) as session:
        org = find_org(session, slug)
        change = Desk(session, org, actor()).move(
            booking_id,
            local_time(at, org.timezone, "--at"),
            resource_id=_resource_id(session, org.id, resource),
            notify=notify,
        )
        held = session.get(ResourceRow, change.booking.resource_id)
        _print(change, held.name if held else "?")


@app.command()
def cancel(slug: Slug, booking_id: BookingId, notify: Notify = True) -> None:
    """Cancel a booking."""
    from atende.pipeline.agenda import Desk

    with database(settings()) as session:
        org = find_org(session, slug)
        change = Desk(session, org, actor()).cancel(booking_id, notify=notify)
    out = console()
    out.print(f"booking {booking_id}: cancelled")
    out.print(f"notice: {change.notice.replace('_', ' ')}")


@app.command()
def mark(
    slug: Slug,
    booking_id: BookingId,
    status: Annotated[Mark, typer.Argument(help="confirmed, completed, no_show or cancelled")],
    notify: Notify = True,
) -> None:
    """Mark what happened (completed sends the "pet pronto" notice: `booking done`)."""
    from atende.pipeline.agenda import Desk

    with database(settings()) as session:
        org = find_org(session, slug)
        change = Desk(session, org, actor()).mark(booking_id, status.value, notify=notify)
    out = console()
    out.print(f"booking {booking_id}: {change.booking.status}")
    out.print(f"notice: {change.notice.replace('_', ' ')}")


@app.command()
def done(
    slug: Slug,
    booking_id: BookingId,
    amount: Annotated[
        str | None, typer.Option(help="the total, said in the notice: 80 or 80,50")
    ] = None,
    notify: Annotated[
        bool, typer.Option("--notify/--no-notify", help="tell the customer the pet is ready")
    ] = True,
) -> None:
    """Mark a booking done and send the customer one "pet pronto" notice (once per
    booking, unless the organization switched pet_ready off). A running worker sends it."""
    from atende.pipeline.agenda import Desk

    total = None if amount is None else money(amount, "--amount")
    with database(settings()) as session:
        org = find_org(session, slug)
        change = Desk(session, org, actor()).mark(booking_id, "completed", total, notify)
    out = console()
    out.print(f"booking {change.booking.id}: completed")
    out.print(f"pet ready notice: {change.notice.replace('_', ' ')}")
