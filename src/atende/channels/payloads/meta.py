"""Meta WhatsApp Cloud API webhook: ``entry[].changes[].value`` with its ``contacts``,
``messages`` and ``statuses`` (batches happen: every list is read item by item)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from atende.channels.base import Rejection
from atende.channels.payloads.common import (
    Kind,
    Label,
    MediaType,
    Name,
    Payload,
    ProviderId,
    Text,
    each,
)

MEDIA_KINDS = ("audio", "image", "video", "document", "sticker")


class Media(Payload):
    id: Text | None = None
    caption: Text = ""
    mime_type: MediaType | None = None


class Button(Payload):
    text: Text | None = None
    payload: Text | None = None


class Reply(Payload):
    id: Text | None = None
    title: Text | None = None


class Interactive(Payload):
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class TextPart(Payload):
    body: Text = ""


class Message(Payload):
    id: ProviderId
    sender: Text | None = Field(None, alias="from")  # absent for username-only users
    type: Kind = "text"
    text: TextPart | None = None
    audio: Media | None = None
    image: Media | None = None
    video: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    button: Button | None = None
    interactive: Interactive | None = None

    def content(self) -> tuple[str, Media | None]:
        """(text the brain reads, the media part if any) for each message type."""
        if self.type == "text":
            return (self.text.body if self.text else ""), None
        if self.type in MEDIA_KINDS:
            media: Media | None = getattr(self, self.type)
            return (media.caption if media else ""), media
        if self.type == "button" and self.button:
            return self.button.text or self.button.payload or "", None
        if self.type == "interactive" and self.interactive:
            reply = self.interactive.button_reply or self.interactive.list_reply
            return (reply.title or reply.id or "") if reply else "", None
        return "", None


class StatusError(Payload):
    code: int | Label | None = None


class Status(Payload):
    id: ProviderId
    status: Label
    errors: tuple[StatusError, ...] = ()

    @property
    def error_code(self) -> str | None:
        code = self.errors[0].code if self.errors else None
        return None if code is None else str(code)[:64]


class Profile(Payload):
    name: Name = None


class Contact(Payload):
    wa_id: Text | None = None
    profile: Profile | None = None


class Metadata(Payload):
    phone_number_id: Text | None = None


class Value(Payload):
    metadata: Metadata | None = None
    contacts: tuple[Any, ...] = ()
    messages: tuple[Any, ...] = ()
    statuses: tuple[Any, ...] = ()

    def names(self, rejected: list[Rejection]) -> dict[str, str]:
        """Profile names by ``wa_id``; a malformed contact is skipped, not its message."""
        return {
            c.wa_id: c.profile.name
            for c in each(Contact, self.contacts, "contacts", rejected)
            if c.wa_id and c.profile and c.profile.name
        }


class Change(Payload):
    field: str | None = None
    value: Any = None


class Entry(Payload):
    changes: tuple[Any, ...] = ()


class Webhook(Payload):
    """The envelope; a body without an ``entry`` list is not a WhatsApp webhook."""

    entry: list[Any]

    def values(self, rejected: list[Rejection]) -> Iterator[Value]:
        """Every ``messages`` change value, skipping (and reporting) malformed ones."""
        for entry in each(Entry, self.entry, "entry", rejected):
            changes = each(Change, entry.changes, "changes", rejected)
            messages = [c.value for c in changes if c.field == "messages"]
            yield from each(Value, messages, "value", rejected)
