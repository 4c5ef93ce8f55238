"""A thin client for any OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama,
vLLM, OpenRouter…), through the official ``openai`` package.

The package retries connection errors, timeouts, 429 and 5xx with backoff; whatever
still fails, including a reply that is not valid JSON, surfaces as ``LlmError`` so the
caller can let the offline brain answer. Every request is measured (tokens, latency,
estimated cost), whether it succeeded or not.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openai
from openai.types import CompletionUsage

from atende.brain.agent import bounds
from atende.brain.agent.wire import ChatMessage, ToolSpec
from atende.errors import LlmError


@dataclass(frozen=True, slots=True)
class LlmConfig:
    base_url: str
    api_key: str = field(repr=False)
    model: str
    timeout_seconds: float = 20.0
    max_retries: int = 2
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0

    @property
    def usable(self) -> bool:
        return bool(self.model)


@dataclass(slots=True)
class CallRecord:
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    cost_usd: Decimal = Decimal(0)
    outcome: str = "ok"
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    tool_calls: list[ToolCall]
    record: CallRecord

    def as_message(self) -> ChatMessage:
        """The assistant message to append to the conversation sent back to the model."""
        message: ChatMessage = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in self.tool_calls
            ]
        return message


class LlmClient:
    def __init__(self, config: LlmConfig) -> None:
        self.config = config
        self._client = openai.OpenAI(
            base_url=config.base_url or None,
            api_key=config.api_key or "not-needed",
            timeout=config.timeout_seconds,
            max_retries=config.max_retries,
        )

    def complete(
        self, messages: list[ChatMessage], tools: list[ToolSpec] | None = None
    ) -> Completion:
        record = CallRecord(model=self.config.model)
        started = time.monotonic()
        try:
            kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages}
            if tools:
                kwargs["tools"] = tools
            response = self._client.chat.completions.create(**kwargs)
            choice = response.choices[0]
            calls = [
                # some servers leave the id out; the follow-up request needs one
                ToolCall(c.id or f"call_{i}", c.function.name, _as_json(c.function.arguments))
                for i, c in enumerate(choice.message.tool_calls or [])
                if c.type == "function"
            ]
            content = choice.message.content or ""
            _count(record, response.usage, messages, tools, content, calls)
        except (openai.OpenAIError, json.JSONDecodeError, IndexError, AttributeError) as exc:
            record.outcome = "error"
            record.error = _describe(exc)
            raise LlmError(record.error, record) from exc
        finally:
            record.latency_ms = int((time.monotonic() - started) * 1000)
            record.cost_usd = self._cost(record)
        if not content and not calls:
            record.outcome = "error"
            record.error = "empty answer"
            raise LlmError("the model returned neither text nor tool calls", record)
        return Completion(content, calls, record)

    def _cost(self, record: CallRecord) -> Decimal:
        cost = (
            record.prompt_tokens * self.config.price_input_per_mtok
            + record.completion_tokens * self.config.price_output_per_mtok
        ) / 1_000_000
        return Decimal(str(round(cost, 6)))

    def close(self) -> None:
        self._client.close()


def _count(
    record: CallRecord,
    usage: CompletionUsage | None,
    messages: list[ChatMessage],
    tools: list[ToolSpec] | None,
    content: str,
    calls: list[ToolCall],
) -> None:
    """Tokens as the server reports them; estimated (``bounds``) where it does not, so
    the daily budget counts a server that reports no usage too."""
    if usage is not None and usage.prompt_tokens:
        record.prompt_tokens = usage.prompt_tokens
    else:
        record.prompt_tokens = bounds.request_tokens(record.model, messages, tools or [])
    if usage is not None and usage.completion_tokens:
        record.completion_tokens = usage.completion_tokens
    else:
        said = content + "".join(c.name + c.arguments for c in calls)
        record.completion_tokens = bounds.text_bytes(said) // bounds.BYTES_PER_TOKEN + 1


def _as_json(arguments: object) -> str:
    """Arguments as the JSON text the protocol specifies; some servers send an object."""
    if isinstance(arguments, str):
        return arguments or "{}"
    return json.dumps(arguments if arguments is not None else {})


def _describe(exc: BaseException) -> str:
    """A short reason for logs and the llm_calls table, never the request (it holds secrets)."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection failed"
    return exc.__class__.__name__


class LlmClients:
    """One client per distinct endpoint/model/key, shared by threads (httpx pools inside)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[LlmConfig, LlmClient] = {}

    def get(self, config: LlmConfig) -> LlmClient:
        with self._lock:
            client = self._clients.get(config)
            if client is None:
                client = self._clients[config] = LlmClient(config)
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
