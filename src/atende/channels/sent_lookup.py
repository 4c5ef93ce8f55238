"""Asking Twilio and Evolution what the account already sent (see ``base.SentLookup``).

Both list the newest messages first, a page at a time. The search stops at the first
page that reaches back before ``since``; a search that runs out of pages before that
cannot say "not sent", so it raises and the caller treats the outcome as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from atende.channels.base import request_or_raise
from atende.channels.errors import SendError

MAX_PAGES = 5
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Listed:
    """One message of a provider listing, reduced to what matching needs."""

    provider_id: str
    body: str
    created: datetime | None  # None when the provider gave no readable time


@dataclass(frozen=True, slots=True)
class TwilioAccount:
    api_base: str
    account_sid: str
    auth_token: str
    sender: str  # whatsapp:+E164


def matches(listed: list[Listed], body: str, since: datetime) -> list[str]:
    """Ids of the listed messages with exactly ``body`` created at or after ``since``,
    oldest first. A message without a time is not ours: we cannot place it."""
    wanted = body.strip()
    hits = [
        m
        for m in listed
        if m.provider_id
        and m.created is not None
        and m.created >= since
        and m.body.strip() == wanted
    ]
    return [m.provider_id for m in sorted(hits, key=lambda m: m.created or since)]


def twilio_find_sent(
    client: httpx.Client, account: TwilioAccount, to: str, body: str, since: datetime
) -> list[str]:
    """``GET /Messages.json?To=&From=&DateSent>=``, following ``next_page_uri``."""
    params: dict[str, str] | None = {
        "To": f"whatsapp:{to}",
        "From": account.sender,
        "DateSent>": since.astimezone(UTC).date().isoformat(),
        "PageSize": str(PAGE_SIZE),
    }
    url = f"{account.api_base}/2010-04-01/Accounts/{account.account_sid}/Messages.json"
    listed: list[Listed] = []
    for _ in range(MAX_PAGES):
        page = as_dict(
            _json(
                request_or_raise(
                    client,
                    "GET",
                    url,
                    params=params,
                    auth=(account.account_sid, account.auth_token),
                )
            )
        )
        rows = [_twilio_row(as_dict(m)) for m in page.get("messages") or []]
        listed += rows
        next_uri = page.get("next_page_uri")
        if not next_uri or _reaches_before(rows, since):
            return matches(listed, body, since)
        if not str(next_uri).startswith("/"):  # only ever a path on the API we called
            raise SendError("lookup: unexpected next_page_uri", code="lookup", is_transient=True)
        url, params = f"{account.api_base}{next_uri}", None
    raise SendError(
        "lookup: more sent messages than a search covers", code="lookup", is_transient=True
    )


def evolution_find_sent(
    client: httpx.Client,
    base: str,
    instance: str,
    api_key: str,
    to: str,
    body: str,
    since: datetime,
) -> list[str]:
    """``POST /chat/findMessages/{instance}`` for the chat's messages from us."""
    where = {"key": {"remoteJid": f"{to.lstrip('+')}@s.whatsapp.net", "fromMe": True}}
    listed: list[Listed] = []
    for page_number in range(1, MAX_PAGES + 1):
        answer = _json(
            request_or_raise(
                client,
                "POST",
                f"{base}/chat/findMessages/{instance}",
                json={"where": where, "page": page_number, "offset": PAGE_SIZE},
                headers={"apikey": api_key},
            )
        )
        records, pages = _evolution_records(answer)
        rows = [_evolution_row(r) for r in records]
        listed += rows
        if page_number >= pages or _reaches_before(rows, since):
            return matches(listed, body, since)
    raise SendError(
        "lookup: more sent messages than a search covers", code="lookup", is_transient=True
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SendError("lookup answer is not JSON", code="lookup", is_transient=True) from exc


def _reaches_before(rows: list[Listed], since: datetime) -> bool:
    return any(r.created is not None and r.created < since for r in rows)


def _twilio_row(message: dict[str, Any]) -> Listed:
    try:
        created: datetime | None = parsedate_to_datetime(str(message.get("date_created")))
    except (TypeError, ValueError):
        created = None
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return Listed(str(message.get("sid", "")), str(message.get("body") or ""), created)


def _evolution_records(answer: Any) -> tuple[list[dict[str, Any]], int]:
    """Evolution v2 answers a bare list, or ``{"messages": {"records": [...], "pages": n}}``."""
    if isinstance(answer, list):
        return [as_dict(r) for r in answer], 1
    messages = as_dict(as_dict(answer).get("messages"))
    records = messages.get("records")
    if not isinstance(records, list):
        raise SendError("lookup answer has no message records", code="lookup", is_transient=True)
    pages = messages.get("pages")
    return [as_dict(r) for r in records], pages if isinstance(pages, int) else 1


def _evolution_row(record: dict[str, Any]) -> Listed:
    message = as_dict(record.get("message"))
    text = message.get("conversation")
    if not isinstance(text, str):
        text = str(as_dict(message.get("extendedTextMessage")).get("text") or "")
    return Listed(
        str(as_dict(record.get("key")).get("id", "")), text, _unix(record.get("messageTimestamp"))
    )


def _unix(value: Any) -> datetime | None:
    """Unix seconds, as a number or a digit string (Baileys' Long serialised)."""
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    """Provider JSON, defensively: the value if it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}
