"""``atende booking …``: what staff do to a booking by hand — for now, mark it done."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from atende.cli.common import CliError, console, database, find_org, settings

app = typer.Typer(help="Bookings: mark one done (the customer is told the pet is ready).")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
MAX_AMOUNT = Decimal(1_000_000)


@app.command()
def done(
    slug: Slug,
    booking_id: Annotated[int, typer.Argument(help="the booking's id (GET /api/bookings)")],
    amount: Annotated[
        str | None, typer.Option(help="the total, said in the notice: 80 or 80,50")
    ] = None,
    notify: Annotated[
        bool, typer.Option("--notify/--no-notify", help="tell the customer the pet is ready")
    ] = True,
) -> None:
    """Mark a booking done and send the customer one "pet pronto" notice (once per
    booking, unless the organization switched pet_ready off). A running worker sends it."""
    from atende.pipeline.pet_ready import mark_done

    total = _amount(amount)
    with database(settings()) as session:
        org = find_org(session, slug)
        result = mark_done(session, org, booking_id, total, notify)
    out = console()
    out.print(f"booking {result.booking_id}: completed")
    out.print(f"pet ready notice: {result.notice.replace('_', ' ')}")


def _amount(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw.strip().removeprefix("R$").strip().replace(",", "."))
    except InvalidOperation:
        raise CliError(f"--amount: not an amount: {raw!r} (80 or 80,50)") from None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != round(value, 2):
        raise CliError(f"--amount: {raw!r} is not an amount in reais with up to 2 decimals")
    return value
