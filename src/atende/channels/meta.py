"""Meta WhatsApp Cloud API: JSON webhooks signed with HMAC-SHA256 of the raw body."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any, BinaryIO

import httpx

from atende.channels.base import (
    Ack,
    ChannelConfig,
    DeliveryStatus,
    InboundMessage,
    Parsed,
    Rejection,
    SendResult,
    WebhookRequest,
    download,
    post_or_raise,
    same_secret,
)
from atende.channels.errors import MediaError, SignatureInvalid, SignatureMissing
from atende.channels.payloads import meta as payload
from atende.channels.payloads.common import each, load_json, validate
from atende.domain.entities import Choices
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
        if query.get("hub.mode") != "subscribe" or not same_secret(token, expected):
            raise SignatureInvalid("hub.verify_token does not match")
        return query.get("hub.challenge", "")

    def verify(self, request: WebhookRequest) -> None:
        header = request.headers.get("x-hub-signature-256", "")
        if not header:
            raise SignatureMissing("X-Hub-Signature-256 header is missing")
        secret = self.config.credentials["app_secret"].encode()
        expected = "sha256=" + hmac.new(secret, request.raw_body, hashlib.sha256).hexdigest()
        if not same_secret(header.strip().lower(), expected):
            raise SignatureInvalid("X-Hub-Signature-256 does not match")

    def parse(self, request: WebhookRequest) -> Parsed:
        hook = validate(payload.Webhook, load_json(request.raw_body))
        parsed = Parsed()
        for value in hook.values(parsed.rejected):
            if value.metadata is None or value.metadata.phone_number_id != self.phone_number_id:
                continue  # another number of the same app
            names = value.names(parsed.rejected)
            for message in each(payload.Message, value.messages, "messages", parsed.rejected):
                self._message(message, names, parsed)
            for status in each(payload.Status, value.statuses, "statuses", parsed.rejected):
                mapped = STATUS_MAP.get(status.status)
                if mapped is not None:
                    parsed.events.append(DeliveryStatus(status.id, mapped, status.error_code))
        return parsed

    def _message(self, raw: payload.Message, names: Mapping[str, str], parsed: Parsed) -> None:
        try:
            phone = normalize_phone(raw.sender or "")
        except InvalidPhone:
            # username-only users (no phone) are not supported yet
            parsed.rejected.append(Rejection("bad_phone", f"message {raw.id}: no usable 'from'"))
            return
        body, media = raw.content()
        parsed.events.append(
            InboundMessage(
                provider_id=raw.id,
                sender=phone,
                sender_name=names.get(raw.sender or ""),
                kind="text" if raw.type in ("button", "interactive") else raw.type,
                body=body,
                media_url=f"meta-media:{media.id}" if media and media.id else None,
                media_type=media.mime_type if media else None,
            )
        )

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
        choices: Choices | None = None,
        typing: float = 0.0,  # no "typing…" here: it goes at once
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


def _interactive(choices: Choices) -> dict[str, Any] | None:
    """A tappable list (up to 10 rows) or reply buttons (up to 3), per Meta's limits."""
    options = list(choices.options)
    body = {"text": choices.prompt[:1024] or "Escolha uma opção"}
    if choices.kind == "buttons" and 0 < len(options) <= 3:
        buttons = [
            {"type": "reply", "reply": {"id": f"choice:{i}", "title": o[:20]}}
            for i, o in enumerate(options)
        ]
        return {"type": "button", "body": body, "action": {"buttons": buttons}}
    if choices.kind == "list" and 0 < len(options) <= 10:
        rows = [{"id": f"choice:{i}", "title": o[:24]} for i, o in enumerate(options)]
        section = {"title": "Opções", "rows": rows}
        return {
            "type": "list",
            "body": body,
            "action": {"button": "Ver opções", "sections": [section]},
        }
    return None
