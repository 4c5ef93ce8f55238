"""The shapes of an OpenAI-compatible chat-completions request, as atende builds them:
messages (system, user, assistant with tool calls, tool results) and tool specs."""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

Role = Literal["system", "user", "assistant", "tool"]


class FunctionCall(TypedDict):
    name: str
    arguments: str  # JSON text, as the model wrote it


class ToolCallSpec(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCall


class ChatMessage(TypedDict, total=False):
    role: Required[Role]
    content: str | None
    tool_calls: list[ToolCallSpec]
    tool_call_id: str


class FunctionSpec(TypedDict):
    name: str
    description: str
    parameters: dict[str, Any]  # a JSON Schema, pydantic's


class ToolSpec(TypedDict):
    type: Literal["function"]
    function: FunctionSpec
