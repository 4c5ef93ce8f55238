"""Twilio WhatsApp (Programmable Messaging): form webhooks signed with HMAC-SHA1."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import lru_cache
from typing import Any, BinaryIO
from urllib.parse import parse_qsl

import httpx

from atende.channels.base import (
    Ack,
    ChannelConfig,
    DeliveryStatus,
    InboundMessage,
    Parsed,
    SendResult,
    WebhookRequest,
    download,
    post_or_raise,
    same_secret,
)
from atende.channels.errors import BadPayload, SignatureInvalid, SignatureMissing
from atende.channels.payloads import twilio as payload
from atende.channels.payloads.common import validate
from atende.channels.sent_lookup import TwilioAccount, twilio_find_sent
from atende.domain.entities import Choices
from atende.domain.phones import InvalidPhone, normalize_phone

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

STATUS_MAP = {
    "queued": "queued",
    "accepted": "queued",
    "scheduled": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


_CONTENT_CACHE: dict[tuple[str, str], str] = {}


def _content_types(choices: Choices, text: str) -> dict[str, Any] | None:
    """Twilio Content types for tappable choices, with the text as the fallback."""
    options = list(choices.options)
    prompt = choices.prompt or text
    fallback = {"twilio/text": {"body": text}}
    if choices.kind == "buttons" and 0 < len(options) <= 3:
        actions = [{"title": o[:20], "id": f"choice:{i}"} for i, o in enumerate(options)]
        return {"twilio/quick-reply": {"body": prompt, "actions": actions}, **fallback}
    if choices.kind == "list" and 0 < len(options) <= 10:
        items = [
            {"item": o[:24], "id": f"choice:{i}", "description": ""} for i, o in enumerate(options)
        ]
        picker = {"body": prompt, "button": "Ver opções", "items": items}
        return {"twilio/list-picker": picker, **fallback}
    return None


MAX_FORM_BYTES = 128 * 1024  # a 4,096-character WhatsApp text, all escaped, fits 3 times


@lru_cache(maxsize=8)  # verify() then parse() on the same thread: a few suffice
def _pairs(raw: bytes) -> tuple[tuple[str, str], ...]:
    """The decoded form as pairs, in order, repeated names kept (Twilio signs them all).
    Decoding runs before the signature can be checked, so its size is bounded first."""
    if len(raw) > MAX_FORM_BYTES:
        raise BadPayload(f"form body larger than {MAX_FORM_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPayload("body is not UTF-8 form data") from exc
    return tuple(parse_qsl(text, keep_blank_values=True, strict_parsing=False))


def _form(raw: bytes) -> payload.Form:
    return validate(payload.Form, payload.first_values(_pairs(raw)))


def _same_number(a: str, b: str) -> bool:
    try:
        return normalize_phone(a) == normalize_phone(b)
    except InvalidPhone:
        return False


class TwilioChannel:
    provider = "twilio"
    window_hours = 24.0

    def __init__(
        self, config: ChannelConfig, client: httpx.Client, api_base: str, content_base: str = ""
    ) -> None:
        self.config = config
        self._client = client
        self._api_base = api_base.rstrip("/")
        self._content_base = (content_base or "https://content.twilio.com").rstrip("/")

    def verify(self, request: WebhookRequest) -> None:
        """The signature over every posted pair, then that the message is for this
        channel: Twilio's ``AccountSid`` and our number (``To``, or ``From`` on a status)."""
        signature = request.headers.get("x-twilio-signature")
        if not signature:
            raise SignatureMissing("X-Twilio-Signature header is missing")
        pairs = _pairs(request.raw_body)
        token = self.config.credentials["auth_token"]
        urls = payload.url_variants(request.public_url)
        if not any(same_secret(signature, payload.signature(u, pairs, token)) for u in urls):
            raise SignatureInvalid("X-Twilio-Signature does not match")
        form = _form(request.raw_body)
        if form.account_sid != self.config.credentials["account_sid"]:
            raise SignatureInvalid("AccountSid is not this channel's Twilio account")
        if not _same_number(form.business_address, self.config.address):
            raise SignatureInvalid("the message is not addressed to this channel's number")

    def parse(self, request: WebhookRequest) -> Parsed:
        form = _form(request.raw_body)
        sid = form.sid
        if not sid:
            raise BadPayload("MessageSid is missing")
        if form.is_status:
            status = STATUS_MAP.get((form.message_status or "").lower())
            if status is None:
                return Parsed()
            return Parsed([DeliveryStatus(sid, status, form.error_code or None)])
        try:
            sender = normalize_phone(form.sender)
        except InvalidPhone as exc:
            raise BadPayload(str(exc)) from exc
        return Parsed([self._inbound(sid, sender, form)])

    def _inbound(self, sid: str, sender: str, form: payload.Form) -> InboundMessage:
        media_type = form.media_type or None
        kind = form.message_type or "text"
        if media_type and kind == "text":
            kind = media_type.split("/", 1)[0][:16]
        return InboundMessage(
            provider_id=sid,
            sender=sender,
            sender_name=form.profile_name,
            kind=kind,
            body=form.text,
            media_url=form.media_url or None,
            media_type=media_type,
        )

    def ack(self) -> Ack:
        return Ack(EMPTY_TWIML, "text/xml")

    def fetch_media(self, ref: str, dest: BinaryIO, max_bytes: int) -> str:
        """Twilio media URLs need HTTP Basic auth and may redirect to a storage host."""
        creds = self.config.credentials
        return download(
            self._client, ref, dest, max_bytes, auth=(creds["account_sid"], creds["auth_token"])
        )

    def send_text(
        self,
        to: str,
        text: str,
        *,
        status_callback: str | None,
        choices: Choices | None = None,
        typing: float = 0.0,  # no "typing…" here: it goes at once
    ) -> SendResult:
        content_sid = self._content_for(choices, text) if choices else None
        if content_sid:
            return self._create({"ContentSid": content_sid}, to, status_callback)
        return self._create({"Body": text}, to, status_callback)

    def _content_for(self, choices: Choices, text: str) -> str | None:
        """A quick-reply or list-picker Content resource for these choices (created once
        per distinct set and cached); None to fall back to the numbered text."""
        types = _content_types(choices, text)
        if types is None:
            return None
        account = self.config.credentials["account_sid"]
        key = (f"{self._content_base}/{account}", json.dumps(types, sort_keys=True))
        if key in _CONTENT_CACHE:
            return _CONTENT_CACHE[key]
        creds = self.config.credentials
        try:
            response = self._client.post(
                f"{self._content_base}/v1/Content",
                json={"friendly_name": "atende_choices", "language": "pt_BR", "types": types},
                auth=(creds["account_sid"], creds["auth_token"]),
            )
            sid = str(response.json()["sid"]) if response.is_success else None
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            sid = None
        if sid is None:
            log.warning("Twilio Content API refused the choices; sending numbered text")
            return None
        if len(_CONTENT_CACHE) > 512:
            _CONTENT_CACHE.clear()
        _CONTENT_CACHE[key] = sid
        return sid

    def send_audio(
        self, to: str, url: str, audio: bytes, content_type: str, *, status_callback: str | None
    ) -> SendResult:
        """Twilio fetches the media from our expiring URL."""
        return self._create({"MediaUrl": url}, to, status_callback)

    def send_template(
        self, to: str, text: str, template: dict[str, str], *, status_callback: str | None
    ) -> SendResult:
        """A Content API template (``ContentSid``) with our text as variable 1."""
        variables = json.dumps({"1": text})
        return self._create(
            {"ContentSid": template["content_sid"], "ContentVariables": variables},
            to,
            status_callback,
        )

    def _create(self, content: dict[str, str], to: str, status_callback: str | None) -> SendResult:
        creds = self.config.credentials
        account = creds["account_sid"]
        data = {"To": f"whatsapp:{to}", "From": self.config.address, **content}
        if status_callback:
            data["StatusCallback"] = status_callback
        response = post_or_raise(
            self._client,
            f"{self._api_base}/2010-04-01/Accounts/{account}/Messages.json",
            data=data,
            auth=(account, creds["auth_token"]),
        )
        try:
            sid = response.json()["sid"]
        except (ValueError, KeyError, TypeError):
            # A 2xx means Twilio accepted the message: retrying could deliver it twice.
            return SendResult(None)
        return SendResult(str(sid))

    def find_sent(
        self, to: str, body: str, since: datetime, choices: Choices | None = None
    ) -> list[str] | None:
        """SentLookup: the account's messages from our number to ``to`` since that day.
        Choices sent as quick replies or a list carry the content's body, not ours."""
        if choices and _content_types(choices, body) is not None:
            return None
        creds = self.config.credentials
        account = TwilioAccount(
            self._api_base, creds["account_sid"], creds["auth_token"], self.config.address
        )
        return twilio_find_sent(self._client, account, to, body, since)
