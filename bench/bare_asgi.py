"""The baseline: a bare ASGI endpoint that reads the body and answers empty TwiML."""

from __future__ import annotations

from typing import Any

TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


async def read_body(receive: Any) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def answer_twiml(send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/xml"),
                (b"content-length", str(len(TWIML)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TWIML})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await read_body(receive)
    await answer_twiml(send)
