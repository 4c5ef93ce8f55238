"""``atende org …``: create an organization, its owner numbers, templates and settings."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from atende.cli.common import CliError, console, database, find_org, on_off, settings
from atende.errors import InvalidPhone, SlugTaken

app = typer.Typer(help="Organizations: create, owner numbers, templates, settings.")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]


class Switch(StrEnum):
    on = "on"
    off = "off"


class BrainKind(StrEnum):
    offline = "offline"
    openai = "openai"


class TemplateProvider(StrEnum):
    meta = "meta"
    twilio = "twilio"


def _phones(raw: list[str] | None, country: str) -> list[str]:
    from atende.domain.phones import normalize_typed_phone

    try:
        return [normalize_typed_phone(p, country) for p in raw or []]
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc


@app.command()
def create(
    slug: Slug,
    name: Annotated[str, typer.Option(help="the business's name, as customers see it")],
    timezone: Annotated[str, typer.Option(help="IANA time zone")] = "America/Sao_Paulo",
    owner_phone: Annotated[
        list[str] | None, typer.Option(help="the owner's WhatsApp number (repeatable)")
    ] = None,
    country: Annotated[
        str, typer.Option(help="ISO country of numbers typed without '+' (BR, PT, US…)")
    ] = "BR",
) -> None:
    """Create an organization and print its API key (shown once)."""
    from atende.storage import orgs

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CliError(f"unknown timezone {timezone!r}") from exc
    if not slug.replace("-", "").replace("_", "").isalnum():
        raise CliError("slug may only contain letters, digits, '-' and '_'")
    from atende.domain.phones import country_code

    region = country_code(country)
    phones = _phones(owner_phone, region)
    out = console()
    try:
        with database(settings()) as session:
            org = orgs.create_org(session, slug, name, timezone, phones, country=region)
            key = orgs.issue_api_key(session, org.id)
            out.print(f"id: {org.id}")
            out.print(f"api key: {key}")
    except SlugTaken as exc:
        raise CliError(str(exc)) from exc


@app.command()
def template(
    slug: Slug,
    provider: Annotated[TemplateProvider, typer.Argument(help="meta or twilio")],
    name: Annotated[str | None, typer.Option(help="Meta: approved template name")] = None,
    language: Annotated[str, typer.Option(help="Meta: template language code")] = "pt_BR",
    content_sid: Annotated[
        str | None, typer.Option(help="Twilio: Content API template HX... (variable 1)")
    ] = None,
) -> None:
    """Template for messages outside the customer's 24-hour window (Meta, Twilio)."""
    if provider is TemplateProvider.meta and not name:
        raise CliError("meta templates need --name (and optionally --language, default pt_BR)")
    if provider is TemplateProvider.twilio and not (content_sid or "").startswith("HX"):
        raise CliError("twilio templates need --content-sid HX...")
    chosen = (
        {"name": name or "", "language": language}
        if provider is TemplateProvider.meta
        else {"content_sid": content_sid or ""}
    )
    with database(settings()) as session:
        org = find_org(session, slug)
        current = dict(org.settings or {})
        current["templates"] = {**current.get("templates", {}), provider.value: chosen}
        org.settings = current
    console().print(f"template for {provider.value}: {chosen}")


@app.command()
def owner(
    slug: Slug,
    add: Annotated[list[str] | None, typer.Option(metavar="PHONE", help="repeatable")] = None,
    remove: Annotated[list[str] | None, typer.Option(metavar="PHONE", help="repeatable")] = None,
) -> None:
    """The owner's numbers: they get the owner assistant, never the customer one."""
    from atende.domain.phones import country_of

    with database(settings()) as session:
        org = find_org(session, slug)
        country = country_of(org.settings or {})
        added, removed = _phones(add, country), set(_phones(remove, country))
        phones = [p for p in org.owner_phones or [] if p not in removed]
        phones += [p for p in added if p not in phones]
        org.owner_phones = phones
    console().print("owner phones: " + (", ".join(phones) or "(none)"))


def _summary_time(value: str) -> str:
    try:
        hour, minute = (int(x) for x in value.split(":"))
    except ValueError as exc:
        raise CliError("--summary-time takes HH:MM, e.g. 19:00") from exc
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise CliError("--summary-time takes HH:MM, e.g. 19:00")
    return f"{hour:02d}:{minute:02d}"


@app.command("settings")
def org_settings(
    slug: Slug,
    brain: Annotated[BrainKind | None, typer.Option(help="offline or openai")] = None,
    llm_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible /v1 URL")] = None,
    llm_model: Annotated[str | None, typer.Option()] = None,
    llm_api_key: Annotated[str | None, typer.Option(help="stored, never printed")] = None,
    fast_path: Annotated[Switch | None, typer.Option(help="offline answers skip the model")] = None,
    summary_time: Annotated[
        str | None, typer.Option(help="local HH:MM of the owner's daily summary (19:00)")
    ] = None,
    summary: Annotated[Switch | None, typer.Option()] = None,
    reminders: Annotated[Switch | None, typer.Option()] = None,
    reminder_hours: Annotated[
        int | None, typer.Option(help="remind this many hours before (24; 1-168)")
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="ISO country of numbers typed without '+'")
    ] = None,
    llm_daily_tokens: Annotated[
        int | None,
        typer.Option(help="tokens per local day for this organization's model calls (0: no limit)"),
    ] = None,
) -> None:
    """Brain, LLM, daily summary and reminders, overriding the environment's defaults."""
    from atende.storage import orgs

    changes: dict[str, Any] = {"brain": brain.value if brain else None}
    changes["summary_time"] = _summary_time(summary_time) if summary_time is not None else None
    changes["summary"] = on_off(summary.value if summary else None)
    changes["reminders"] = on_off(reminders.value if reminders else None)
    if reminder_hours is not None and not 1 <= reminder_hours <= 168:
        raise CliError("--reminder-hours must be between 1 and 168")
    changes["reminder_hours"] = reminder_hours
    if llm_daily_tokens is not None and llm_daily_tokens < 0:
        raise CliError("--llm-daily-tokens must be 0 (no limit) or more")
    changes["llm_daily_tokens"] = llm_daily_tokens
    llm = {
        "base_url": llm_base_url,
        "model": llm_model,
        "api_key": llm_api_key,
        "fast_path": fast_path.value if fast_path else None,
    }
    with database(settings()) as session:
        org = find_org(session, slug)
        current = dict(org.settings or {})
        current.update({k: v for k, v in changes.items() if v is not None})
        llm_changes = {k: v for k, v in llm.items() if v is not None}
        if llm_changes:
            current["llm"] = {**current.get("llm", {}), **llm_changes}
        org.settings = current
        if country is not None:
            orgs.set_country(org, country)
        current = dict(org.settings)
    _print_settings(current)


def _print_settings(current: dict[str, Any]) -> None:
    shown = {k: v for k, v in current.items() if k not in ("templates", "llm")}
    shown["llm"] = {k: ("***" if k == "api_key" else v) for k, v in current.get("llm", {}).items()}
    out = console()
    for key in sorted(shown):
        out.print(f"{key}: {shown[key]}")
