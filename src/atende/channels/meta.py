"""Meta WhatsApp Cloud API: JSON webhooks signed with HMAC-SHA256 of the raw body."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import httpx

from atende.channels.base import (
    Ack,
    ChannelConfig,
    DeliveryStatus,
    Event,
    InboundMessage,
    SendResult,
    WebhookRequest,
    as_dict,
    download,
    post_or_raise,
)
from atende.channels.errors import BadPayload, MediaError, SignatureInvalid, SignatureMissing
from atende.domain.phones import InvalidPhone, normalize_phone

log = logging.getLogger(__name__)

STATUS_MAP = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",
    "failed": "failed",
}


class MetaChannel:
    provider = "meta"
    window_hours = 24.0

    def __init__(self, config: ChannelConfig, client: httpx.Client, graph_base: str) -> None:
        self.config = config
        self._client = client
        self._graph = graph_base.rstrip("/")

    @property
    def phone_number_id(self) -> str:
        return self.config.credentials["phone_number_id"]

    def verify_subscription(self, query: Mapping[str, str]) -> str:
        """Meta's GET handshake: echo ``hub.challenge`` when the verify token matches."""
        token = query.get("hub.verify_token", "")
        expected = self.config.credentials["verify_token"]
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(token, expected):
            raise SignatureInvalid("hub.verify_token does not match")
        return query.get("hub.challenge", "")

    def verify(self, request: WebhookRequest) -> None:
        header = request.headers.get("x-hub-signature-256", "")
        if not header:
            raise SignatureMissing("X-Hub-Signature-256 header is missing")
        secret = self.config.credentials["app_secret"].encode()
        expected = "sha256=" + hmac.new(secret, request.raw_body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(header.strip().lower(), expected):
            raise SignatureInvalid("X-Hub-Signature-256 does not match")

    def parse(self, request: WebhookRequest) -> list[Event]:
        try:
            payload = json.loads(request.raw_body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadPayload("body is not JSON") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
            raise BadPayload("not a WhatsApp Business Account webhook")
        events: list[Event | None] = []
        for value in _values(payload):
            if (
                str(as_dict(value.get("metadata")).get("phone_number_id", ""))
                != self.phone_number_id
            ):
                continue  # another number of the same app
            names = {
                c.get("wa_id"): as_dict(c.get("profile")).get("name")
                for c in _dicts(value.get("contacts"))
            }
            events.extend(self._message(m, names) for m in _dicts(value.get("messages")))
            events.extend(self._status(s) for s in _dicts(value.get("statuses")))
        return [e for e in events if e is not None]

    def _message(self, raw: dict[str, Any], names: Mapping[Any, Any]) -> InboundMessage | None:
        sender = raw.get("from")
        if not sender or not raw.get("id"):
            log.warning("Meta message without a phone number (username user): not supported yet")
            return None
        try:
            phone = normalize_phone(str(sender))
        except InvalidPhone:
            return None
        kind = str(raw.get("type", "text"))
        body, media_id, media_type = _content(kind, raw)
        return InboundMessage(
            provider_id=str(raw["id"]),
            sender=phone,
            sender_name=names.get(sender),
            kind="text" if kind in ("button", "interactive") else kind,
            body=body,
            media_url=f"meta-media:{media_id}" if media_id else None,
            media_type=media_type,
        )

    def _status(self, raw: dict[str, Any]) -> DeliveryStatus | None:
        status = STATUS_MAP.get(str(raw.get("status", "")))
        if status is None or not raw.get("id"):
            return None
        errors = _dicts(raw.get("errors"))
        code = str(errors[0].get("code")) if errors and errors[0].get("code") is not None else None
        return DeliveryStatus(str(raw["id"]), status, code)

    def ack(self) -> Ack:
        return Ack("OK")

    def send_audio(
        self, to: str, url: str, audio: bytes, content_type: str, *, status_callback: str | None
    ) -> SendResult:
        """Meta fetches the audio from our expiring URL."""
        return self._post(to, {"type": "audio", "audio": {"link": url}})

    def send_template(
        self, to: str, text: str, template: dict[str, str], *, status_callback: str | None
    ) -> SendResult:
        """An approved template whose body has one variable, filled with our text."""
        return self._post(
            to,
            {
                "type": "template",
                "template": {
                    "name": template["name"],
                    "language": {"code": template.get("language", "pt_BR")},
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": text[:1024]}]}
                    ],
                },
            },
        )

    def fetch_media(self, ref: str, dest: BinaryIO, max_bytes: int) -> str:
        """Two steps: the media id gives a short-lived URL; both calls carry the token."""
        media_id = ref.removeprefix("meta-media:")
        auth = {"Authorization": f"Bearer {self.config.credentials['access_token']}"}
        try:
            info = self._client.get(f"{self._graph}/{media_id}", headers=auth)
        except httpx.HTTPError as exc:
            raise MediaError(f"media lookup failed: {exc.__class__.__name__}") from exc
        if not info.is_success:
            raise MediaError(f"media lookup answered {info.status_code}")
        try:
            url = str(info.json()["url"])
        except (ValueError, KeyError, TypeError) as exc:
            raise MediaError("media lookup without a URL") from exc
        return download(self._client, url, dest, max_bytes, headers=auth)

    def send_text(
        self,
        to: str,
        text: str,
        *,
        status_callback: str | None,
        choices: dict[str, Any] | None = None,
    ) -> SendResult:
        content = _interactive(choices) if choices else None
        message = (
            {"type": "interactive", "interactive": content}
            if content
            else {"type": "text", "text": {"preview_url": False, "body": text[:4096]}}
        )
        return self._post(to, message)

    def _post(self, to: str, message: dict[str, Any]) -> SendResult:
        response = post_or_raise(
            self._client,
            f"{self._graph}/{self.phone_number_id}/messages",
            json={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to.lstrip("+"),
                **message,
            },
            headers={"Authorization": f"Bearer {self.config.credentials['access_token']}"},
        )
        try:
            return SendResult(str(response.json()["messages"][0]["id"]))
        except (ValueError, KeyError, IndexError, TypeError):
            return SendResult(None)  # accepted (2xx) without an id: do not send again


def _interactive(choices: dict[str, Any]) -> dict[str, Any] | None:
    """A tappable list (up to 10 rows) or reply buttons (up to 3), per Meta's limits."""
    options = [str(o) for o in choices.get("options", [])]
    body = {"text": str(choices.get("prompt", ""))[:1024] or "Escolha uma opção"}
    if choices.get("kind") == "buttons" and 0 < len(options) <= 3:
        buttons = [
            {"type": "reply", "reply": {"id": f"choice:{i}", "title": o[:20]}}
            for i, o in enumerate(options)
        ]
        return {"type": "button", "body": body, "action": {"buttons": buttons}}
    if choices.get("kind") == "list" and 0 < len(options) <= 10:
        rows = [{"id": f"choice:{i}", "title": o[:24]} for i, o in enumerate(options)]
        section = {"title": "Opções", "rows": rows}
        return {
            "type": "list",
            "body": body,
            "action": {"button": "Ver opções", "sections": [section]},
        }
    return None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _values(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") == "messages" and isinstance(value, dict):
                yield value


def _content(kind: str, raw: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(text the brain reads, media id, media type) for each message type."""
    part = as_dict(raw.get(kind))
    if kind == "text":
        return str(part.get("body", "")), None, None
    if kind in ("audio", "image", "video", "document", "sticker"):
        return str(part.get("caption", "")), part.get("id"), part.get("mime_type")
    if kind == "button":
        return str(part.get("text") or part.get("payload") or ""), None, None
    if kind == "interactive":
        reply = as_dict(part.get("button_reply") or part.get("list_reply"))
        return str(reply.get("title") or reply.get("id") or ""), None, None
    return "", None, None
