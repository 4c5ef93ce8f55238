"""``atende alerts``: what is wrong, who is told, and a test that everyone is reachable.

- ``atende alerts SLUG`` (or ``alerts list SLUG``): open alerts and those resolved in the
  last ``--days``, with their severity and what was told to whom.
- ``atende alerts set SLUG KEY=VALUE…``: the ``alerts`` section of the organization's
  settings (``emails``, ``webhook_url``, ``quiet_hours``, thresholds…), validated by the
  one settings model; ``KEY=`` goes back to the default.
- ``atende alerts test SLUG``: a test notification through each configured target.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from atende.cli.common import CliError, console, database, find_org, settings
from atende.domain.org_settings import AlertSettings, error_fields

if TYPE_CHECKING:
    from atende.pipeline.alerting import Note


class _ListByDefault(TyperGroup):
    """``atende alerts SLUG`` is ``atende alerts list SLUG``."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:  # typer's own click types
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_ListByDefault,
    help="Alerts: list them (alerts SLUG), configure who is told (set), test (test).",
    no_args_is_help=True,
)

Slug = Annotated[str, typer.Argument(help="the organization's slug")]


@app.command("list")
def list_alerts(
    slug: Slug,
    days: Annotated[float, typer.Option(help="resolved alerts of this many days")] = 1.0,
) -> None:
    """Open alerts and those resolved recently, newest first."""
    from atende.storage import alerts, notifications
    from atende.storage.types import utcnow

    out = console()
    with database(settings()) as session:
        org = find_org(session, slug)
        rows = alerts.recent(session, org.id, utcnow() - timedelta(days=days))
        told = notifications.told(session, [a.id for a in rows])
        opened = [a for a in rows if a.resolved_at is None]
        out.print(f"open: {len(opened)}, resolved in {days:g} day(s): {len(rows) - len(opened)}")
        for a in rows:
            state = "open" if a.resolved_at is None else f"resolved {a.resolved_at:%Y-%m-%d %H:%M}"
            targets = sorted(f"{t}:{e}={s}" for (i, e, t), s in told.items() if i == a.id)
            out.print(
                f"{a.id} {a.severity} {a.kind} {a.subject or '-'} "
                f"opened {a.created_at:%Y-%m-%d %H:%M} {state} — {a.message}"
            )
            if targets:
                out.print("    told: " + " ".join(targets))


@app.command("set")
def set_alerts(
    slug: Slug,
    pairs: Annotated[
        list[str],
        typer.Argument(
            metavar="KEY=VALUE...",
            help="e.g. emails=a@x.com,b@y.com quiet_hours=22:00-07:00 failure_rate=0.2",
        ),
    ],
) -> None:
    """Change who is told and the rules' thresholds (quiet hours in local time)."""
    from atende.storage import orgs

    changes = dict(_pair(raw) for raw in pairs)
    with database(settings()) as session:
        org = find_org(session, slug)
        current = orgs.settings_of(org)
        data = current.alerts.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        try:
            updated = current.change(alerts=None).change(alerts=data)
        except ValidationError as exc:
            why = "; ".join(f"{where}: {msg}" for where, msg in error_fields(exc))
            raise CliError(why) from None
        orgs.save_settings(org, updated)
    show(updated.alerts)


def _pair(raw: str) -> tuple[str, Any]:
    key, sep, value = raw.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or key not in AlertSettings.model_fields:
        known = " ".join(sorted(AlertSettings.model_fields))
        raise CliError(f"{raw!r}: KEY=VALUE with KEY one of: {known}")
    return key, (value if value.strip() else None)


def show(cfg: AlertSettings) -> None:
    out = console()
    for name in sorted(AlertSettings.model_fields):
        value = getattr(cfg, name)
        if name == "webhook_url":
            value = "***" if value is not None else None
        out.print(f"{name}: {value}")


@app.command()
def test(slug: Slug) -> None:
    """Send a test notification through each configured target (WhatsApp, e-mail,
    webhook) and say which worked."""
    from atende.pipeline.alerting.notify import org_view
    from atende.runtime import build_runtime
    from atende.storage.types import utcnow

    config = settings()
    with database(config) as session:
        view = org_view(find_org(session, slug))
    note = _test_note(utcnow())
    runtime = build_runtime(config)
    out = console()
    outcomes: list[str] = []  # what the dispatcher did with each owner's message

    def send_now(message_id: int) -> None:
        outcomes.append(runtime.pipeline.send(message_id))

    try:
        targets = [t for t in runtime.alert_targets(send_now) if t.configured(view)]
        if not targets:
            raise CliError(
                f"no target configured for {slug}: owner numbers (atende org owner), "
                "emails= with ATENDE_SMTP_URL, or webhook_url= (atende alerts set)"
            )
        failed = 0
        for target in targets:
            try:
                target.tell(view, note)
                if target.name == "whatsapp" and set(outcomes) - {"sent", "reconciled"}:
                    failed += 1
                    why = "(see atende's manual queue / the failed message's reason)"
                    out.print(f"whatsapp: not sent — {', '.join(outcomes)} {why}")
                else:
                    out.print(f"{target.name}: sent")
            except Exception as exc:
                failed += 1
                out.print(f"{target.name}: failed — {exc}")
        if failed:
            raise typer.Exit(1)
    finally:
        runtime.close()


def _test_note(now: datetime) -> Note:
    from atende.brain.dialogue import catalogue
    from atende.pipeline.alerting import Note

    return Note(
        event="test",
        kind="test",
        severity="warning",
        subject="",
        message="a test notification (atende alerts test)",
        text=catalogue.ALERT_TEST,
        opened_at=now,
    )
