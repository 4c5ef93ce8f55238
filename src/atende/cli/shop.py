"""``atende shop export|import|check``: the shop's whole setup as one YAML file.

atende shop export petfeliz -o petfeliz.yaml
atende shop import petfeliz petfeliz.yaml     # the same file twice changes nothing
atende shop check petfeliz                    # what customers can't be answered without
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atende.cli.common import CliError, actor, console, database, find_org, settings

app = typer.Typer(help="The shop's setup in one readable YAML file (and what it lacks).")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
HINTS = {
    "services": "atende service add SLUG NAME --price 50 --duration 60",
    "hours": 'atende hours set SLUG "seg-sex 08-18 almoço 12-13"',
    "resources": 'atende resource add SLUG "Banho 1" --does Banho',
}


@app.command("export")
def export(
    slug: Slug,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of printing")
    ] = None,
) -> None:
    """Services, prices by size, durations, resources, hours, breaks, special days,
    holidays and the settings that are not secrets."""
    from atende.domain import shop_yaml
    from atende.storage import shop

    with database(settings()) as session:
        org = find_org(session, slug)
        text = shop_yaml.dump(shop.export(session, org))
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console().print(f"wrote {output}")


@app.command("import")
def import_(
    slug: Slug,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="a shop file (YAML)")],
) -> None:
    """Make the shop what the file says. The whole file is checked before anything is
    written: a bad file changes nothing and says where it is wrong."""
    from atende.domain import shop_yaml
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    spec = shop_yaml.load(text)
    with database(settings()) as session:
        org = find_org(session, slug)
        changes = shop_admin.import_shop(Desk(session, org, actor()), spec)
    out = console()
    if not changes:
        out.print("no changes: the shop is already what the file says")
    for line in changes:
        out.print(f"changed: {line}")


@app.command()
def check(slug: Slug) -> None:
    """Whether customers can be answered: services, hours and resources entered."""
    from atende.storage import shop

    with database(settings()) as session:
        org = find_org(session, slug)
        missing = shop.gaps(session, org.id)
    out = console()
    if not missing:
        out.print("ready: services, hours and resources are set")
        return
    out.print("not ready (customers are told the shop is being set up)")
    out.print("missing: " + ", ".join(missing))
    for gap in missing:
        out.print(f"  {HINTS[gap].replace('SLUG', slug)}")
    raise typer.Exit(1)
