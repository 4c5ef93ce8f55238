"""Every request to the model within ``ATENDE_LLM_CONTEXT_TOKENS``.

What is counted: the whole request body as the ``openai`` package sends it — model,
messages (system prompt, knowledge passages, summary, history, the burst, every tool
round) and the tool schemas — as compact UTF-8 JSON, at four bytes a token. Counting
bytes rather than characters overestimates accented Portuguese (two bytes a letter), on
the safe side; and since the count is the body itself, the cap bounds what is sent and
billed whatever the text: a request never exceeds ``cap × 4`` bytes.

``fit`` cuts messages, the longest first, each with a note saying how much was cut, so
one pasted book costs a few thousand tokens and the rest of the context survives. The
database keeps every message whole; only what the model is shown is cut.
"""

from __future__ import annotations

import json
from typing import Any

from atende.brain.agent.wire import ChatMessage, ToolSpec

BYTES_PER_TOKEN = 4
MIN_KEEP = 160  # bytes a cut message keeps: its note and the start of its text


def body_bytes(model: str, messages: list[ChatMessage], tools: list[ToolSpec]) -> int:
    """The size of the request body, serialized the way the ``openai`` package does."""
    body: dict[str, Any] = {"model": model, "messages": messages}
    if tools:
        body["tools"] = tools
    return len(_dumps(body))


def request_tokens(model: str, messages: list[ChatMessage], tools: list[ToolSpec]) -> int:
    return -(-body_bytes(model, messages, tools) // BYTES_PER_TOKEN)


def text_bytes(text: str) -> int:
    """What ``text`` adds to a request body: its JSON string, escapes and UTF-8 included."""
    return len(_dumps(text)) - 2  # without the quotes


def cut(text: str, max_bytes: int) -> str:
    """``text`` in at most ``max_bytes`` of JSON, ending with a note of what was cut."""
    if text_bytes(text) <= max_bytes:
        return text
    low, high = 0, min(len(text), max_bytes)
    while low < high:  # the longest prefix that fits with its note
        mid = (low + high + 1) // 2
        if text_bytes(text[:mid] + _note(len(text) - mid)) <= max_bytes:
            low = mid
        else:
            high = mid - 1
    return text[:low] + _note(len(text) - low)


def fit(model: str, messages: list[ChatMessage], tools: list[ToolSpec], cap_tokens: int) -> bool:
    """Cut contents in place until the request is within ``cap_tokens``: the longest
    message first, the system prompt only when nothing else is left to cut. False when
    even that is not enough (tool schemas alone over the cap): do not send it."""
    limit = cap_tokens * BYTES_PER_TOKEN
    while (over := body_bytes(model, messages, tools) - limit) > 0:
        index = _longest(messages)
        if index is None:
            return False
        content = messages[index].get("content") or ""
        shortened = messages[index].copy()
        shortened["content"] = cut(content, max(MIN_KEEP, text_bytes(content) - over))
        messages[index] = shortened
    return True


def _longest(messages: list[ChatMessage]) -> int | None:
    """The longest content still worth cutting, outside the system prompt if any is."""
    sizes = {
        i: size
        for i, m in enumerate(messages)
        if (size := text_bytes(m.get("content") or "")) > MIN_KEEP
    }
    rest = {i: s for i, s in sizes.items() if i > 0 or messages[0].get("role") != "system"}
    pool = rest or sizes
    return max(pool, key=lambda i: pool[i]) if pool else None


def _note(chars: int) -> str:
    return f"\n[… {chars} more characters cut to fit the model's context]"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
