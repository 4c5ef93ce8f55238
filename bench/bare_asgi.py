"""The baseline: a bare ASGI endpoint that reads the body and answers empty TwiML."""

from __future__ import annotations

from typing import Any

TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
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
