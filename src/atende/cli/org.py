"""``atende org …``: create an organization, its owner numbers, templates and settings."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from pydantic import ValidationError

from atende.cli.common import CliError, console, database, find_org, on_off, settings
from atende.domain.org_settings import OrgSettings, error_fields
from atende.errors import InvalidPhone, SlugTaken
from atende.storage.secrets import is_secret_name

app = typer.Typer(help="Organizations: create, owner numbers, templates, settings, API keys.")

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


def _validated(current: OrgSettings, changes: dict[str, Any]) -> OrgSettings:
    """``current`` with ``changes``, through the one settings model: a bad value is a
    CliError naming its option (``error: …``, exit 2), and nothing is stored."""
    try:
        return current.change(**changes)
    except ValidationError as exc:
        problems = "; ".join(f"{_option(where)}: {why}" for where, why in error_fields(exc))
        raise CliError(problems) from None


def _option(where: str) -> str:
    """'llm.model' -> '--llm-model', 'llm.fast_path' -> '--fast-path', 'x' -> '--x'."""
    if where == "llm.fast_path":
        return "--fast-path"
    if where.startswith("templates."):
        return "template"
    return "--" + where.replace(".", "_").replace("_", "-")


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
    from atende.storage import orgs

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
        updated = _validated(orgs.settings_of(org), {"templates": {provider.value: chosen}})
        orgs.save_settings(org, updated)
    console().print(f"template for {provider.value}: {chosen}")


@app.command()
def owner(
    slug: Slug,
    add: Annotated[list[str] | None, typer.Option(metavar="PHONE", help="repeatable")] = None,
    remove: Annotated[list[str] | None, typer.Option(metavar="PHONE", help="repeatable")] = None,
) -> None:
    """The owner's numbers: they get the owner assistant, never the customer one."""
    from atende.storage import orgs

    with database(settings()) as session:
        org = find_org(session, slug)
        country = orgs.settings_of(org).country
        added, removed = _phones(add, country), set(_phones(remove, country))
        phones = [p for p in org.owner_phones or [] if p not in removed]
        phones += [p for p in added if p not in phones]
        org.owner_phones = phones
    console().print("owner phones: " + (", ".join(phones) or "(none)"))


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
    emergency_phone: Annotated[
        str | None,
        typer.Option(help="the number the clinic takes emergencies on ('' to remove)"),
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="the shop's address, as customers are told ('' to remove)")
    ] = None,
    language: Annotated[str | None, typer.Option(help="language of the replies (pt-BR)")] = None,
    unconfirmed_alert_hours: Annotated[
        float | None,
        typer.Option(help="alert the owner of a booking unconfirmed N hours before (3; 0: off)"),
    ] = None,
    pet_ready: Annotated[
        Switch | None, typer.Option(help="tell the customer when staff mark a booking done")
    ] = None,
    pet_ready_text: Annotated[
        str | None,
        typer.Option(help="your own 'pet ready' text: {nome} {pet} {servico} {loja} ('' resets)"),
    ] = None,
    followups: Annotated[
        Switch | None, typer.Option(help="follow-ups that bring customers back (atende followups)")
    ] = None,
    followup_time: Annotated[
        str | None, typer.Option(help="local HH:MM the day's follow-ups go out (10:00)")
    ] = None,
    waitlist: Annotated[
        Switch | None, typer.Option(help="a full day offers its waitlist to the customer")
    ] = None,
    waitlist_hold_minutes: Annotated[
        int | None,
        typer.Option(help="minutes a freed time is held for the first in line (30)"),
    ] = None,
) -> None:
    """Brain, LLM, daily summary, reminders, pet-ready notices, follow-ups and the
    waitlist, overriding the environment's defaults.
    Every value is checked by the one settings model: a bad one changes nothing."""
    from atende.storage import orgs

    changes: dict[str, Any] = {
        "brain": brain.value if brain else None,
        "summary_time": summary_time,
        "summary": on_off(summary.value if summary else None),
        "reminders": on_off(reminders.value if reminders else None),
        "reminder_hours": reminder_hours,
        "llm_daily_tokens": llm_daily_tokens,
        "country": country,
        "language": language,
        "unconfirmed_alert_hours": unconfirmed_alert_hours,
        "pet_ready": on_off(pet_ready.value if pet_ready else None),
        "followups": on_off(followups.value if followups else None),
        "followup_time": followup_time,
        "waitlist": on_off(waitlist.value if waitlist else None),
        "waitlist_hold_minutes": waitlist_hold_minutes,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    llm = {
        "base_url": llm_base_url,
        "model": llm_model,
        "api_key": llm_api_key,
        "fast_path": on_off(fast_path.value if fast_path else None),
    }
    llm_changes = {k: v for k, v in llm.items() if v is not None}
    if llm_changes:
        changes["llm"] = llm_changes
    with database(settings()) as session:
        org = find_org(session, slug)
        current = orgs.settings_of(org)
        # an empty value removes these (unset: nothing is said about them)
        blankable = (
            ("emergency_phone", emergency_phone),
            ("address", address),
            ("pet_ready_text", pet_ready_text),
        )
        for name, value in blankable:
            if value is not None and not value.strip():
                current = current.change(**{name: None})
            elif value is not None:
                changes[name] = value
        updated = _validated(current, changes)
        orgs.save_settings(org, updated)
    _print_settings(updated)


def _print_settings(current: OrgSettings) -> None:
    stored = current.dump()
    shown = {k: v for k, v in stored.items() if k not in ("templates", "llm", "tts")}
    shown["llm"] = {
        k: ("***" if is_secret_name(k) else v) for k, v in stored.get("llm", {}).items()
    }
    if "tts" in stored:
        shown["tts"] = {k: ("***" if is_secret_name(k) else v) for k, v in stored["tts"].items()}
    out = console()
    for key in sorted(shown):
        out.print(f"{key}: {shown[key]}")


@app.command()
def key(
    slug: Slug,
    label: Annotated[
        str, typer.Option(help="who holds it ('recepcao', 'ana'): named in the audit log")
    ],
) -> None:
    """Issue another admin API key for someone on the staff (printed once)."""
    from atende.storage import orgs

    if not label.strip() or len(label) > 64:
        raise CliError("--label: 1 to 64 characters")
    with database(settings()) as session:
        org = find_org(session, slug)
        issued = orgs.issue_api_key(session, org.id, label)
    console().print(f"api key: {issued}")
