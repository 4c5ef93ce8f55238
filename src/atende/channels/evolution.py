"""Evolution API (WhatsApp Web through Baileys).

Evolution signs nothing, so ``channel add`` registers our webhook on the instance with
a per-channel secret header, and every delivery without it is refused; where the
instance is configured with a ``jwt_key``, its HS256 bearer token is accepted instead.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any, BinaryIO

import httpx
import jwt

from atende import clock
from atende.channels.base import (
    Ack,
    ChannelConfig,
    ConnectionUpdate,
    DeliveryStatus,
    Event,
    InboundMessage,
    OutboundEcho,
    SendResult,
    WebhookRequest,
    as_dict,
    post_or_raise,
)
from atende.channels.errors import BadPayload, MediaError, SendError, SignatureInvalid
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
        ``apikey`` equal to this channel's key; anything else is refused (403)."""
        creds = self.config.credentials
        secret = request.headers.get(SECRET_HEADER)
        bearer = request.headers.get("authorization", "")
        if secret:
            if not hmac.compare_digest(secret, creds["webhook_secret"]):
                raise SignatureInvalid(f"{SECRET_HEADER} does not match")
        elif bearer.lower().startswith("bearer ") and creds.get("jwt_key"):
            try:
                _check_jwt(bearer[7:], creds["jwt_key"])
            except jwt.PyJWTError as exc:
                raise SignatureInvalid("webhook JWT is invalid or expired") from exc
        elif not hmac.compare_digest(_envelope_apikey(request.raw_body), creds["api_key"]):
            raise SignatureInvalid(f"no valid {SECRET_HEADER}, JWT or apikey")

    def parse(self, request: WebhookRequest) -> list[Event]:
        try:
            payload = json.loads(request.raw_body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadPayload("body is not JSON") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
            raise BadPayload("not an Evolution API event")
        if payload.get("instance") not in (None, self.instance):
            raise BadPayload("event of another instance")
        event = payload["event"].lower().replace("_", ".")
        data = payload.get("data")
        if not isinstance(data, dict):
            return []
        if event in ("messages.upsert", "send.message"):
            found = self._message(data)
            return [found] if found else []
        if event == "messages.update":
            return self._statuses(data)
        if event == "connection.update":
            reason = data.get("statusReason")
            return [
                ConnectionUpdate(
                    str(data.get("state", "")), None if reason is None else str(reason)
                )
            ]
        if event == "qrcode.updated":
            qrcode = as_dict(data.get("qrcode"))
            return [
                ConnectionUpdate("connecting", None, qrcode.get("pairingCode"), qrcode.get("code"))
            ]
        return []

    def _message(self, data: dict[str, Any]) -> Event | None:
        key = as_dict(data.get("key"))
        jid = str(key.get("remoteJid", ""))
        if jid.endswith("@lid"):
            jid = str(key.get("remoteJidAlt", ""))
        if not jid or jid.endswith(IGNORED_JIDS) or not key.get("id"):
            return None
        try:
            phone = normalize_phone(jid)
        except InvalidPhone:
            return None
        message = as_dict(data.get("message"))
        kind, body = _content(message)
        if key.get("fromMe"):
            return OutboundEcho(str(key["id"]), phone, body)
        return InboundMessage(
            provider_id=str(key["id"]),
            sender=phone,
            sender_name=data.get("pushName") or None,
            kind=kind,
            body=body,
            media_url=f"evolution-media:{key['id']}" if kind in ("audio", "image") else None,
            media_type=_media_type(message, kind),
        )

    def _statuses(self, data: dict[str, Any]) -> list[Event]:
        key = as_dict(data.get("key"))
        message_id = data.get("keyId") or data.get("messageId") or key.get("id")
        status = STATUS_MAP.get(str(data.get("status", "")).upper())
        if not message_id or status is None:
            return []
        return [DeliveryStatus(str(message_id), status)]

    def ack(self) -> Ack:
        return Ack('{"ok":true}', "application/json")

    def send_text(
        self,
        to: str,
        text: str,
        *,
        status_callback: str | None,
        choices: dict[str, Any] | None = None,
    ) -> SendResult:
        payload: dict[str, Any] = {"number": to.lstrip("+"), "text": text}
        if self.config.credentials.get("typing") == "on":
            payload["delay"] = typing_delay_ms(text)  # Evolution shows "typing…" meanwhile
        response = post_or_raise(
            self._client,
            f"{self._base}/message/sendText/{self.instance}",
            json=payload,
            headers=self._headers(),
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


def connect_state(answer: dict[str, Any]) -> str | None:
    """The session state in a connect answer: ``{"instance": {"state": …}}`` or ``{"state": …}``."""
    instance = answer.get("instance")
    state = instance.get("state") if isinstance(instance, dict) else answer.get("state")
    return str(state) if state else None


def _envelope_apikey(raw: bytes) -> str:
    """The ``apikey`` Evolution puts in every event envelope ("" when absent or null)."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ""
    value = payload.get("apikey") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else ""


def typing_delay_ms(text: str) -> int:
    """About as long as a person takes to type a short message: 40 ms a character,
    between 1 and 5 seconds."""
    return max(1000, min(5000, 40 * len(text)))


def _content(message: dict[str, Any]) -> tuple[str, str]:
    """(kind, text) from the shapes Evolution 2.0 to 2.3 emit."""
    if isinstance(message.get("conversation"), str):
        return "text", message["conversation"]
    extended = message.get("extendedTextMessage")
    if isinstance(extended, dict):
        return "text", str(extended.get("text", ""))
    image = message.get("imageMessage")
    if isinstance(image, dict):
        return "image", str(image.get("caption", ""))
    if isinstance(message.get("audioMessage"), dict):
        return "audio", ""
    for kind in ("buttonsResponseMessage", "listResponseMessage", "templateButtonReplyMessage"):
        reply = message.get(kind)
        if isinstance(reply, dict):
            title = (
                reply.get("selectedDisplayText") or reply.get("title") or reply.get("selectedId")
            )
            return "text", str(title or "")
    return "other", ""


def _media_type(message: dict[str, Any], kind: str) -> str | None:
    part = message.get(f"{kind}Message")
    return str(part.get("mimetype")) if isinstance(part, dict) and part.get("mimetype") else None


def _check_jwt(token: str, key: str) -> None:
    """HS256 signature by PyJWT; ``exp`` against the process clock, since PyJWT's own
    check reads the wall clock (``atende.clock`` says why there is one clock)."""
    off: jwt.types.Options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
    claims = jwt.decode(token, key, algorithms=["HS256"], options=off)
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp <= clock.now().timestamp()):
        raise jwt.ExpiredSignatureError("Signature has expired")
