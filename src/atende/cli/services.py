"""``atende service …``: what the shop sells, with prices and durations by size.

    atende service add petfeliz Banho --price 50 --duration 60 \\
        --size P=50 --size M=60 --size G=80:90 --size G/longo=90 --resource "Banho 1"
    atende service set petfeliz Banho --size G=85 --cleanup 10
    atende service remove petfeliz Banho [--cancel-bookings] [--no-notify]
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from atende.cli.common import CliError, actor, console, database, find_org, money, settings
from atende.domain.shopfile import RuleSpec, ServiceSpec, problems

app = typer.Typer(help="Services: prices and durations (by size), who does them.")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
Name = Annotated[str, typer.Argument(help="the service's name, e.g. Banho")]
Sizes = Annotated[
    list[str] | None,
    typer.Option(
        "--size",
        metavar="SIZE[/COAT]=PRICE[:MINUTES]",
        help="a price (and duration) for a size: P=50, G=80:90, G/longo=90, gigante=:120",
    ),
]
Gender = Annotated[str | None, typer.Option(help="the name's grammar: m (o banho) or f (a tosa)")]


def _rule(raw: str) -> RuleSpec:
    key, sep, value = raw.partition("=")
    if not sep or not key.strip():
        raise CliError(f"--size: {raw!r} is not SIZE[/COAT]=PRICE[:MINUTES] (G=80:90)")
    size, _, coat = key.partition("/")
    price, _, minutes = value.partition(":")
    if minutes and not minutes.strip().isdigit():
        raise CliError(f"--size: {raw!r}: minutes must be a whole number")
    fields: dict[str, Any] = {
        "size": size.strip() or None,
        "coat": coat.strip() or None,
        "price": money(price, "--size") if price.strip() else None,
        "duration": int(minutes) if minutes.strip() else None,
    }
    return _valid(RuleSpec, fields, "--size")


M = TypeVar("M", bound=BaseModel)


def _valid(model: type[M], fields: dict[str, Any], option: str) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise CliError(f"{option}: " + "; ".join(problems(exc))) from None


@app.command()
def add(
    slug: Slug,
    name: Name,
    price: Annotated[str, typer.Option(help="the default price in reais: 50 or 49,90")],
    duration: Annotated[int, typer.Option(help="the default duration in minutes")],
    size: Sizes = None,
    cleanup: Annotated[int, typer.Option(help="minutes the resource stays free after")] = 0,
    gender: Gender = None,
    plural: Annotated[bool | None, typer.Option("--plural/--singular")] = None,
    return_days: Annotated[
        int | None, typer.Option(help="days until the pet is due again (follow-ups)")
    ] = None,
    resource: Annotated[
        list[str] | None, typer.Option(help="a resource that does it (repeatable)")
    ] = None,
) -> None:
    """Add a service (no resource does it until one is named here or in `resource add`)."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    spec = _valid(
        ServiceSpec,
        {
            "name": name,
            "price": money(price, "--price"),
            "duration": duration,
            "by_size": [_rule(r) for r in size or []],
            "cleanup": cleanup,
            "gender": gender,
            "plural": plural,
            "return_days": return_days,
        },
        "service",
    )
    with database(settings()) as session:
        org = find_org(session, slug)
        row = shop_admin.add_service(Desk(session, org, actor()), spec, resource or [])
        service_id = row.id
    out = console()
    out.print(f"id: {service_id}")
    if not resource:
        out.print(f'no resource does {name} yet: atende resource add {slug} "NAME" --does "{name}"')


@app.command("set")
def change(
    slug: Slug,
    name: Name,
    price: Annotated[str | None, typer.Option(help="the default price")] = None,
    duration: Annotated[int | None, typer.Option(help="the default duration (minutes)")] = None,
    size: Sizes = None,
    clear_sizes: Annotated[bool, typer.Option(help="drop every price by size first")] = False,
    cleanup: Annotated[int | None, typer.Option()] = None,
    gender: Gender = None,
    plural: Annotated[bool | None, typer.Option("--plural/--singular")] = None,
    return_days: Annotated[int | None, typer.Option(help="0: no follow-ups")] = None,
    rename: Annotated[str | None, typer.Option(help="a new name")] = None,
) -> None:
    """Change a service; --size replaces that size's rule and keeps the others."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk
    from atende.storage import services

    changes: dict[str, Any] = {
        "name": rename,
        "price": money(price, "--price") if price is not None else None,
        "duration": duration,
        "cleanup": cleanup,
        "gender": gender,
        "plural": plural,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if return_days is not None:
        changes["return_days"] = return_days or None
    new_rules = [_rule(r) for r in size or []]
    with database(settings()) as session:
        org = find_org(session, slug)
        row = _service(session, org.id, name)
        if new_rules or clear_sizes:
            kept = [] if clear_sizes else services.rules_of(session, org.id, row.id)
            given = {(r.size, r.coat) for r in new_rules}
            changes["by_size"] = [r for r in kept if (r.size, r.coat) not in given] + new_rules
        if not changes:
            raise CliError("nothing to change: give --price, --duration, --size…")
        shop_admin.change_service(Desk(session, org, actor()), row.id, changes)
        shown = services.spec_of(session, org.id, row)
        doers = services.doers(session, org.id).get(row.id, [])
    _print([(row.id, shown, doers)])


def _service(session: Any, org_id: int, name: str) -> Any:
    from atende.storage import services

    row = services.named(session, org_id, name)
    if row is None:
        raise CliError(f"no service {name!r} (atende service list)")
    return row


@app.command()
def remove(
    slug: Slug,
    name: Name,
    cancel_bookings: Annotated[
        bool, typer.Option(help="cancel its future bookings (customers are told)")
    ] = False,
    notify: Annotated[bool, typer.Option("--notify/--no-notify")] = True,
) -> None:
    """Remove a service; refused while it has future bookings, unless --cancel-bookings."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    with database(settings()) as session:
        org = find_org(session, slug)
        row = _service(session, org.id, name)
        desk = Desk(session, org, actor())
        cancelled = shop_admin.remove_service(desk, row.id, cancel_bookings, notify)
    out = console()
    out.print(f"removed: {name}")
    if cancelled:
        out.print(f"cancelled bookings: {', '.join(map(str, cancelled))}")


@app.command("list")
def list_services(slug: Slug) -> None:
    """The services with their prices, durations, sizes and who does them."""
    from atende.storage import services

    with database(settings()) as session:
        org = find_org(session, slug)
        doers = services.doers(session, org.id)
        rows = [
            (s.id, services.spec_of(session, org.id, s), doers.get(s.id, []))
            for s in services.active(session, org.id)
        ]
    _print(rows)


def _print(rows: list[tuple[int, ServiceSpec, list[str]]]) -> None:
    table = Table("id", "service", "price", "minutes", "by size", "cleanup", "return", "done by")
    for service_id, spec, doers in rows:
        table.add_row(
            str(service_id),
            spec.name,
            f"{spec.price:.2f}",
            str(spec.duration),
            " ".join(_rule_text(r) for r in spec.by_size) or "-",
            str(spec.cleanup or "-"),
            f"{spec.return_days} d" if spec.return_days else "-",
            ", ".join(doers) or "(nobody yet)",
        )
    console().print(table)


def _rule_text(rule: RuleSpec) -> str:
    key = "/".join(x for x in (rule.size, rule.coat) if x)
    price = f"{rule.price:.2f}" if rule.price is not None else ""
    return f"{key}={price}" + (f":{rule.duration}" if rule.duration else "")
