"""Where an alert is told: the owner's WhatsApp, e-mail, a webhook.

- **WhatsApp**: an outbound message (author ``alert``, keyed per alert, event and
  number) in each owner's chat, through a *healthy* channel of the organization — active,
  its breaker not open, its connection not closed, and never the channel the alert is
  about. The owner's latest chat is used when its channel is healthy
  (``pipeline/owners.py``: the same choice as the daily summary's).
- **E-mail**: to ``alerts.emails`` through ``ATENDE_SMTP_URL`` (``smtp.py``).
- **Webhook**: a JSON POST to ``alerts.webhook_url``: a Slack-compatible ``text`` and the
  alert's fields (``event``, ``kind``, ``severity``, ``subject``, ``message``, times).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from atende.domain.phones import normalize_phone
from atende.errors import NotifyError
from atende.pipeline.alerting.notify import Note, OrgView
from atende.pipeline.alerting.smtp import SmtpConfig, send_mail
from atende.pipeline.owners import owner_conversation
from atende.storage import messages as message_repo
from atende.storage.db import transaction

log = logging.getLogger(__name__)


class WhatsAppTarget:
    name = "whatsapp"

    def __init__(self, sessions: sessionmaker[Session], deliver: Callable[[int], object]) -> None:
        self._sessions = sessions
        self._deliver = deliver  # schedule the send (a worker) or send now (the web)

    def configured(self, org: OrgView) -> bool:
        return org.alerts.whatsapp and bool(org.owner_phones)

    def tell(self, org: OrgView, note: Note) -> None:
        queued = []
        with transaction(self._sessions) as session:
            for phone in org.owner_phones:
                phone = normalize_phone(phone)
                target = owner_conversation(
                    session, org.id, phone, avoid=note.channel_id, healthy_only=True
                )
                if target is None:
                    raise NotifyError("no healthy channel to reach the owner")
                conv_id, channel_id = target
                key = f"alert:{note.alert_id}:{note.event}:{phone}"
                if note.alert_id is None:  # a test: every one goes out
                    key = (
                        f"alert-test:{note.opened_at.isoformat() if note.opened_at else ''}:{phone}"
                    )
                msg_id = message_repo.add_outbound(
                    session, org.id, conv_id, channel_id, note.text, key, author="alert"
                )
                if msg_id is not None:
                    queued.append(msg_id)
        for msg_id in queued:
            try:
                self._deliver(msg_id)
            except Exception:  # queued all the same: a sweeper sends it
                log.exception("alert message %s queued, not sent now", msg_id)


class EmailTarget:
    name = "email"

    def __init__(self, config: SmtpConfig | None) -> None:
        self._config = config

    def configured(self, org: OrgView) -> bool:
        return self._config is not None and bool(org.alerts.emails)

    def tell(self, org: OrgView, note: Note) -> None:
        if self._config is None:
            raise NotifyError("ATENDE_SMTP_URL is not set")
        subject = f"[atende · {org.name}] {note.text}"
        send_mail(self._config, list(org.alerts.emails), subject, email_body(org, note))


class WebhookTarget:
    name = "webhook"

    def __init__(self, http: httpx.Client, timeout: float = 5.0) -> None:
        self._http = http
        self._timeout = timeout

    def configured(self, org: OrgView) -> bool:
        return org.alerts.webhook() is not None

    def tell(self, org: OrgView, note: Note) -> None:
        url = org.alerts.webhook()
        if url is None:
            raise NotifyError("no webhook_url")
        try:
            answer = self._http.post(url, json=webhook_body(org, note), timeout=self._timeout)
        except httpx.HTTPError as exc:  # never the URL: it carries a token
            raise NotifyError(f"webhook unreachable: {exc.__class__.__name__}") from None
        if answer.status_code >= 300:
            raise NotifyError(f"webhook answered {answer.status_code}")


def webhook_body(org: OrgView, note: Note) -> dict[str, Any]:
    return {
        "text": f"[{org.name}] {note.text}",
        "event": note.event,
        "organization": {"slug": org.slug, "name": org.name},
        "alert": {
            "id": note.alert_id,
            "kind": note.kind,
            "severity": note.severity,
            "subject": note.subject,
            "message": note.message,
            "opened_at": note.opened_at.isoformat() if note.opened_at else None,
            "resolved_at": note.resolved_at.isoformat() if note.resolved_at else None,
        },
    }


def email_body(org: OrgView, note: Note) -> str:
    lines = [
        note.text,
        "",
        f"organization: {org.name} ({org.slug})",
        f"event: {note.event}",
        f"alert: {note.kind} ({note.severity})",
        f"about: {note.subject or '-'}",
        f"detail: {note.message}",
    ]
    if note.opened_at is not None:
        lines.append(f"opened at: {note.opened_at:%Y-%m-%d %H:%M:%S} UTC")
    if note.resolved_at is not None:
        lines.append(f"resolved at: {note.resolved_at:%Y-%m-%d %H:%M:%S} UTC")
    lines += ["", f"atende alerts {org.slug}   # open and recently resolved alerts"]
    return "\n".join(lines) + "\n"
