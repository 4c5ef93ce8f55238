"""Twilio's form webhooks (inbound messages and status callbacks) and their signature.

Twilio signs every pair it posts, repeated names included, so the form is kept as
pairs for the signature; the model reads the first value of each name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import urlsplit

from pydantic import Field

from atende.channels.payloads.common import Kind, Label, MediaType, Name, Payload, ProviderId, Text

Pairs = Sequence[tuple[str, str]]
DEFAULT_PORTS = {"https": 443, "http": 80}


def signature(url: str, pairs: Pairs, auth_token: str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by every name+value,
    ordered by name (a repeated name by value), no separators."""
    data = url + "".join(name + value for name, value in sorted(pairs))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8", "surrogatepass"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


def url_variants(url: str) -> list[str]:
    """The URL as given and with its default port added or removed: Twilio's own
    validators accept either, since proxies differ in what they pass on."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return [url]
    if default is None or (port is not None and port != default):
        return [url]
    host = parts.netloc if port is None else parts.netloc.rsplit(":", 1)[0]
    other = host + f":{default}" if port is None else host
    return [url, parts._replace(netloc=other).geturl()]


def first_values(pairs: Pairs) -> dict[str, str]:
    """Each name's first value (a repeated name keeps the one Twilio listed first)."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


class Form(Payload):
    """The fields atende reads from an inbound message or a status callback."""

    message_sid: ProviderId | None = Field(None, alias="MessageSid")
    sms_sid: ProviderId | None = Field(None, alias="SmsSid")
    account_sid: Text = Field("", alias="AccountSid")
    sender: Text = Field("", alias="From")
    to: Text = Field("", alias="To")
    body: Text | None = Field(None, alias="Body")
    profile_name: Name = Field(None, alias="ProfileName")
    message_type: Kind | None = Field(None, alias="MessageType")
    media_url: Text | None = Field(None, alias="MediaUrl0")
    media_type: MediaType | None = Field(None, alias="MediaContentType0")
    button_text: Text | None = Field(None, alias="ButtonText")
    list_title: Text | None = Field(None, alias="ListTitle")
    message_status: Label | None = Field(None, alias="MessageStatus")
    error_code: Label | None = Field(None, alias="ErrorCode")

    @property
    def sid(self) -> str | None:
        return self.message_sid or self.sms_sid

    @property
    def is_status(self) -> bool:
        """A status callback: a status and no body (inbound messages carry both)."""
        return self.message_status is not None and self.body is None

    @property
    def business_address(self) -> str:
        """Our number: the recipient of an inbound message, the sender of a status."""
        return self.sender if self.is_status else self.to

    @property
    def text(self) -> str:
        return self.body or self.button_text or self.list_title or ""
