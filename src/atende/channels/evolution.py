"""Evolution API (WhatsApp Web through Baileys).

Evolution signs nothing, so ``channel add`` registers our webhook on the instance with
a per-channel secret header, and every delivery without it is refused; where the
instance is configured with a ``jwt_key``, its HS256 bearer token (``exp`` at most ten
minutes ahead) is accepted instead, and global webhooks carry the instance's ``apikey``
in the envelope. Every envelope must name this channel's instance.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, BinaryIO

import httpx

from atende.channels.base import (
    Ack,
    ChannelConfig,
    ConnectionUpdate,
    DeliveryStatus,
    InboundMessage,
    OutboundEcho,
    Parsed,
    Rejection,
    SendResult,
    WebhookRequest,
    post_or_raise,
    same_secret,
)
from atende.channels.errors import (
    BadPayload,
    MediaError,
    SendError,
    SignatureInvalid,
    SignatureMissing,
)
from atende.channels.payloads import evolution as payload
from atende.channels.payloads.common import one
from atende.channels.sent_lookup import evolution_find_sent
from atende.domain.entities import Choices
from atende.domain.phones import InvalidPhone, normalize_phone

SECRET_HEADER = "x-atende-secret"
IGNORED_JIDS = ("@g.us", "@broadcast", "@newsletter")
STATUS_MAP = {
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "read",
    "ERROR": "failed",
}
EVENTS = [
    "MESSAGES_UPSERT",
    "MESSAGES_UPDATE",
    "SEND_MESSAGE",
    "CONNECTION_UPDATE",
    "QRCODE_UPDATED",
]


class EvolutionChannel:
    provider = "evolution"

    def __init__(self, config: ChannelConfig, client: httpx.Client) -> None:
        self.config = config
        self._client = client
        creds = config.credentials
        self._base = creds["base_url"].rstrip("/")
        self.instance = creds["instance"]

    def _headers(self) -> dict[str, str]:
        return {"apikey": self.config.credentials["api_key"]}

    def verify(self, request: WebhookRequest) -> None:
        """The secret header we registered, else Evolution's JWT, else the envelope's
        ``apikey`` equal to this channel's key; and the envelope's ``instance`` must be
        this channel's. Missing credentials 401, wrong ones 403."""
        by_header = self._header_credentials(request)
        try:
            envelope = payload.envelope(request.raw_body)
        except BadPayload:
            if by_header:
                raise
            raise SignatureMissing(f"no {SECRET_HEADER}, JWT or readable apikey") from None
        api_key = self.config.credentials["api_key"]
        if not by_header and not envelope.apikey:
            raise SignatureMissing(f"no {SECRET_HEADER}, JWT or apikey")
        if not by_header and not same_secret(envelope.apikey or "", api_key):
            raise SignatureInvalid(f"no valid {SECRET_HEADER}, JWT or apikey")
        if envelope.instance != self.instance:
            raise SignatureInvalid("the event does not name this channel's Evolution instance")

    def _header_credentials(self, request: WebhookRequest) -> bool:
        """True when a header credential is present and valid; 403 when present and
        wrong; False when the request carries none (the envelope must then)."""
        creds = self.config.credentials
        secret = request.headers.get(SECRET_HEADER)
        bearer = request.headers.get("authorization", "")
        if secret:
            if not same_secret(secret, creds["webhook_secret"]):
                raise SignatureInvalid(f"{SECRET_HEADER} does not match")
            return True
        if bearer.lower().startswith("bearer ") and creds.get("jwt_key"):
            payload.check_jwt(bearer[7:], creds["jwt_key"], request.received_at)
            return True
        return False

    def parse(self, request: WebhookRequest) -> Parsed:
        envelope = payload.envelope(request.raw_body)
        if envelope.event is None:
            raise BadPayload("not an Evolution API event")
        read = {
            "messages.upsert": self._message,
            "send.message": self._message,
            "messages.update": _status,
            "connection.update": _connection,
            "qrcode.updated": _qrcode,
        }.get(envelope.event.lower().replace("_", "."))
        parsed = Parsed()
        if read is not None:
            read(envelope.data, parsed)
        return parsed

    def _message(self, raw: Any, parsed: Parsed) -> None:
        data = one(payload.MessageData, raw, "data", parsed.rejected)
        if data is None:
            return
        key = data.key
        jid = key.jid
        if not jid or jid.endswith(IGNORED_JIDS):
            return  # groups, broadcasts, newsletters: not a customer talking to us
        if not key.id:
            parsed.rejected.append(Rejection("malformed", "data.key.id: missing"))
            return
        try:
            phone = normalize_phone(jid)
        except InvalidPhone:
            parsed.rejected.append(Rejection("bad_phone", f"message {key.id}: unusable JID"))
            return
        message = data.message or payload.Content()
        kind, body = message.kind_and_text()
        if key.from_me:
            parsed.events.append(OutboundEcho(key.id, phone, body))
            return
        parsed.events.append(
            InboundMessage(
                provider_id=key.id,
                sender=phone,
                sender_name=data.push_name,
                kind=kind,
                body=body,
                media_url=f"evolution-media:{key.id}" if kind in ("audio", "image") else None,
                media_type=message.media_type(kind),
            )
        )

    def ack(self) -> Ack:
        return Ack('{"ok":true}', "application/json")

    def send_text(
        self,
        to: str,
        text: str,
        *,
        status_callback: str | None,
        choices: Choices | None = None,
        typing: float = 0.0,
    ) -> SendResult:
        """``typing`` > 0: Evolution shows "typing…" that long (its ``delay``, in ms) and
        only then sends — and answers only then, so the request may take that much longer."""
        payload: dict[str, Any] = {"number": to.lstrip("+"), "text": text}
        extra: dict[str, Any] = {}
        if typing > 0:
            payload["delay"] = typing_delay_ms(typing)
            extra["timeout"] = _longer(self._client.timeout, typing)
        response = post_or_raise(
            self._client,
            f"{self._base}/message/sendText/{self.instance}",
            json=payload,
            headers=self._headers(),
            **extra,
        )
        try:
            return SendResult(str(response.json()["key"]["id"]))
        except (ValueError, KeyError, TypeError):
            return SendResult(None)

    def send_audio(
        self, to: str, url: str, audio: bytes, content_type: str, *, status_callback: str | None
    ) -> SendResult:
        """Evolution takes the voice note inline, as base64 (no URL to expose)."""
        response = post_or_raise(
            self._client,
            f"{self._base}/message/sendWhatsAppAudio/{self.instance}",
            json={"number": to.lstrip("+"), "audio": base64.b64encode(audio).decode()},
            headers=self._headers(),
        )
        try:
            return SendResult(str(response.json()["key"]["id"]))
        except (ValueError, KeyError, TypeError):
            return SendResult(None)

    def fetch_media(self, ref: str, dest: BinaryIO, max_bytes: int) -> str:
        """Evolution decrypts WhatsApp media for us and answers it as base64."""
        key_id = ref.removeprefix("evolution-media:")
        try:
            response = self._client.post(
                f"{self._base}/chat/getBase64FromMediaMessage/{self.instance}",
                json={"message": {"key": {"id": key_id}}, "convertToMp4": False},
                headers=self._headers(),
            )
        except httpx.HTTPError as exc:
            raise MediaError(f"media download failed: {exc.__class__.__name__}") from exc
        if not response.is_success:
            raise MediaError(f"media download answered {response.status_code}")
        try:
            body = response.json()
            encoded = str(body["base64"])
        except (ValueError, KeyError, TypeError) as exc:
            raise MediaError("media answer without base64") from exc
        if len(encoded) * 3 // 4 > max_bytes:
            raise MediaError(f"media larger than {max_bytes} bytes")
        try:
            dest.write(base64.b64decode(encoded, validate=False))
        except binascii.Error as exc:
            raise MediaError("media base64 is invalid") from exc
        return str(body.get("mimetype") or "audio/ogg")

    def register_webhook(self, url: str) -> None:
        """Point the instance's webhook at us, with the secret header we check."""
        post_or_raise(
            self._client,
            f"{self._base}/webhook/set/{self.instance}",
            json={
                "webhook": {
                    "enabled": True,
                    "url": url,
                    "headers": {SECRET_HEADER: self.config.credentials["webhook_secret"]},
                    "byEvents": False,
                    "base64": False,
                    "events": EVENTS,
                }
            },
            headers=self._headers(),
        )

    def connection_state(self) -> str:
        try:
            response = self._client.get(
                f"{self._base}/instance/connectionState/{self.instance}", headers=self._headers()
            )
        except httpx.HTTPError as exc:
            raise SendError(str(exc), code="transport", is_transient=True) from exc
        if not response.is_success:
            raise SendError(response.text[:200], code=str(response.status_code), is_transient=True)
        return str(response.json().get("instance", {}).get("state", "unknown"))

    def connect(self, phone: str | None = None) -> dict[str, Any]:
        """Ask Evolution to (re)connect; returns the pairing code / QR when it needs one."""
        params = {"number": phone.lstrip("+")} if phone else None
        try:
            response = self._client.get(
                f"{self._base}/instance/connect/{self.instance}",
                params=params,
                headers=self._headers(),
            )
        except httpx.HTTPError as exc:
            raise SendError(str(exc), code="transport", is_transient=True) from exc
        if not response.is_success:
            raise SendError(
                response.text[:200],
                code=str(response.status_code),
                is_transient=response.status_code >= 500,
            )
        result: dict[str, Any] = response.json()
        return result

    def find_sent(
        self, to: str, body: str, since: datetime, choices: Choices | None = None
    ) -> list[str] | None:
        """SentLookup: the chat's messages from us (text or extended text); choices are
        sent as plain text, so they change nothing."""
        return evolution_find_sent(
            self._client, self._base, self.instance, self._headers()["apikey"], to, body, since
        )


def connect_state(answer: dict[str, Any]) -> str | None:
    """The session state in a connect answer: ``{"instance": {"state": …}}`` or ``{"state": …}``."""
    instance = answer.get("instance")
    state = instance.get("state") if isinstance(instance, dict) else answer.get("state")
    return str(state) if state else None


def _status(raw: Any, parsed: Parsed) -> None:
    status = one(payload.StatusData, raw, "data", parsed.rejected)
    mapped = STATUS_MAP.get(status.status.upper()) if status else None
    if status and status.id and mapped:
        parsed.events.append(DeliveryStatus(status.id, mapped))


def _connection(raw: Any, parsed: Parsed) -> None:
    conn = one(payload.ConnectionData, raw, "data", parsed.rejected)
    if conn:
        parsed.events.append(ConnectionUpdate(conn.state, conn.reason))


def _qrcode(raw: Any, parsed: Parsed) -> None:
    qr = one(payload.QrData, raw, "data", parsed.rejected)
    if qr:
        code = qr.qrcode or payload.QrCode()
        parsed.events.append(ConnectionUpdate("connecting", None, code.pairing_code, code.code))


def typing_delay_ms(seconds: float) -> int:
    """Evolution's ``delay``: whole milliseconds, at least one."""
    return max(1, round(seconds * 1000))


def _longer(timeout: httpx.Timeout, seconds: float) -> httpx.Timeout:
    """The client's timeout with ``seconds`` more to read the answer."""
    read = None if timeout.read is None else timeout.read + seconds
    return httpx.Timeout(connect=timeout.connect, read=read, write=timeout.write, pool=timeout.pool)
