"""Evolution API v2 webhooks: the envelope (with the credentials it may carry), the
``data`` of each event atende reads, and the HS256 JWT Evolution can sign them with."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import jwt
from pydantic import Field

from atende.channels.errors import SignatureInvalid
from atende.channels.payloads.common import (
    Label,
    Loose,
    MediaType,
    Name,
    Payload,
    ProviderId,
    Text,
    load_json,
    validate,
)

JWT_MAX_AHEAD = 600.0  # Evolution signs exp = iat + 600 s
JWT_LEEWAY = 30.0  # clock skew between Evolution's host and ours


class Envelope(Payload):
    """Read before authentication, so every field is optional and loosely typed."""

    event: Loose = None
    instance: Loose = None
    apikey: Loose = None
    data: Any = None


@lru_cache(maxsize=8)  # verify() then parse() on the same thread
def envelope(raw: bytes) -> Envelope:
    """The envelope of a raw body (BadPayload unless a bounded JSON object)."""
    return validate(Envelope, load_json(raw))


def check_jwt(token: str, key: str, now: datetime) -> None:
    """SignatureInvalid unless ``token`` is signed with ``key`` and carries an ``exp``
    that has not passed and is at most ten minutes ahead of ``now``."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            options={"require": ["exp"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise SignatureInvalid("webhook JWT is invalid or has no exp") from exc
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise SignatureInvalid("webhook JWT exp is not a time")
    ahead = exp - now.timestamp()
    if not -JWT_LEEWAY <= ahead <= JWT_MAX_AHEAD + JWT_LEEWAY:  # NaN fails too
        raise SignatureInvalid("webhook JWT is expired or expires too far ahead")


class Key(Payload):
    remote_jid: Text = Field("", alias="remoteJid")
    remote_jid_alt: Text = Field("", alias="remoteJidAlt")
    from_me: bool | None = Field(None, alias="fromMe")
    id: ProviderId | None = None

    @property
    def jid(self) -> str:
        """The phone JID: ``remoteJidAlt`` when ``remoteJid`` is a privacy id (@lid)."""
        return self.remote_jid_alt if self.remote_jid.endswith("@lid") else self.remote_jid


class TextPart(Payload):
    text: Text = ""


class Media(Payload):
    caption: Text = ""
    mimetype: MediaType | None = None


class ChoiceReply(Payload):
    selected_display_text: Text | None = Field(None, alias="selectedDisplayText")
    title: Text | None = None
    selected_id: Text | None = Field(None, alias="selectedId")

    @property
    def text(self) -> str:
        return self.selected_display_text or self.title or self.selected_id or ""


class Content(Payload):
    """The shapes Evolution 2.0 to 2.3 emit for the messages atende understands."""

    conversation: Text | None = None
    extended: TextPart | None = Field(None, alias="extendedTextMessage")
    image: Media | None = Field(None, alias="imageMessage")
    audio: Media | None = Field(None, alias="audioMessage")
    buttons: ChoiceReply | None = Field(None, alias="buttonsResponseMessage")
    choice: ChoiceReply | None = Field(None, alias="listResponseMessage")
    template: ChoiceReply | None = Field(None, alias="templateButtonReplyMessage")

    def kind_and_text(self) -> tuple[str, str]:
        if self.conversation is not None:
            return "text", self.conversation
        if self.extended is not None:
            return "text", self.extended.text
        if self.image is not None:
            return "image", self.image.caption
        if self.audio is not None:
            return "audio", ""
        reply = self.buttons or self.choice or self.template
        return ("text", reply.text) if reply else ("other", "")

    def media_type(self, kind: str) -> str | None:
        media = {"image": self.image, "audio": self.audio}.get(kind)
        return media.mimetype if media else None


class MessageData(Payload):
    key: Key
    push_name: Name = Field(None, alias="pushName")
    message: Content | None = None


class StatusData(Payload):
    key_id: ProviderId | None = Field(None, alias="keyId")
    message_id: ProviderId | None = Field(None, alias="messageId")
    key: Key | None = None
    status: Label = ""

    @property
    def id(self) -> str | None:
        return self.key_id or self.message_id or (self.key.id if self.key else None)


class ConnectionData(Payload):
    state: Label = ""
    status_reason: int | Label | None = Field(None, alias="statusReason")

    @property
    def reason(self) -> str | None:
        return None if self.status_reason is None else str(self.status_reason)[:64]


class QrCode(Payload):
    pairing_code: Label | None = Field(None, alias="pairingCode")
    code: Text | None = None


class QrData(Payload):
    qrcode: QrCode | None = None
