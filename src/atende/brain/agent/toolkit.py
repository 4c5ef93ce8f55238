"""What every tool-using agent shares: typed tool registration, argument checking that
reports mistakes back to the model, and the bounded multi-step loop."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from atende.brain.agent import bounds
from atende.brain.agent.llm import CallRecord, LlmClient
from atende.brain.agent.wire import ChatMessage, FunctionSpec, ToolSpec
from atende.errors import LlmError

log = logging.getLogger(__name__)

Result = dict[str, Any]


class Args(BaseModel):
    """Base of every tool's arguments: unknown fields are an error the model can fix."""

    model_config = ConfigDict(extra="forbid")


class NoArgs(Args):
    pass


class Tools:
    def __init__(self) -> None:
        self._tools: dict[str, tuple[type[Args], Callable[[Any], Result], str]] = {}

    def add(self, name: str, args: type[Args], func: Callable[[Any], Result], doc: str) -> None:
        self._tools[name] = (args, func, doc)

    def specs(self) -> list[ToolSpec]:
        """The tools in Chat Completions format, schemas generated from the argument types."""
        specs: list[ToolSpec] = []
        for name, (model, _, description) in self._tools.items():
            schema = model.model_json_schema()
            schema.pop("title", None)
            function: FunctionSpec = {
                "name": name,
                "description": description,
                "parameters": schema,
            }
            specs.append({"type": "function", "function": function})
        return specs

    def run(self, name: str, arguments: str) -> Result:
        """Run a tool; anything wrong comes back as ``{"error": ...}`` for the model to fix."""
        tool = self._tools.get(name)
        if tool is None:
            return {"error": f"unknown tool {name!r}; use one of {sorted(self._tools)}"}
        model, func, _ = tool
        try:
            args = model.model_validate(json.loads(arguments or "{}"))
        except json.JSONDecodeError as exc:
            return {"error": f"arguments are not valid JSON: {exc.msg}"}
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors()
            )
            return {"error": f"invalid arguments: {problems}"}
        try:
            return func(args)
        except Exception:  # a bug in one tool must not cost the customer their answer
            log.exception("tool %s failed", name)
            return {"error": "this tool failed; answer without it or hand off to a person"}


@dataclass(frozen=True, slots=True)
class LoopLimits:
    """How far one turn may go: rounds, the size of each request (``bounds``) and the
    tokens the organization may still spend today (None: no daily budget)."""

    max_steps: int
    cap_tokens: int
    allowance: int | None = None


@dataclass(slots=True)
class LoopResult:
    text: str | None  # None: the model failed, never answered, or may not be asked
    calls: list[CallRecord] = field(default_factory=list)
    over_budget: bool = False  # stopped because today's tokens ran out

    @property
    def tokens(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.calls)


def tool_loop(
    client: LlmClient,
    messages: list[ChatMessage],
    tools: Tools,
    limits: LoopLimits,
    label: str,
) -> LoopResult:
    """Ask, run the tools the model calls, show it their results, repeat until it answers
    in text or ``limits.max_steps`` rounds pass. Every request is first fitted within
    ``limits.cap_tokens``; a tool result takes at most a quarter of it, cut with a note."""
    specs = tools.specs()
    result = LoopResult(None)
    for _ in range(limits.max_steps):
        if limits.allowance is not None and result.tokens >= limits.allowance:
            log.warning("today's LLM tokens ran out during %s; the offline brain answers", label)
            result.over_budget = True
            return result
        if not bounds.fit(client.config.model, messages, specs, limits.cap_tokens):
            log.warning("no request for %s fits %s tokens", label, limits.cap_tokens)
            return result
        try:
            completion = client.complete(messages, specs)
        except LlmError as exc:
            result.calls.append(exc.record)
            log.warning("LLM failed for %s (%s); the offline brain answers", label, exc)
            return result
        result.calls.append(completion.record)
        if not completion.tool_calls:
            result.text = completion.content.strip()
            return result
        messages.append(completion.as_message())
        for call in completion.tool_calls:
            outcome = tools.run(call.name, call.arguments)
            said = json.dumps(outcome, ensure_ascii=False, default=str)
            share = limits.cap_tokens * bounds.BYTES_PER_TOKEN // 4
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": bounds.cut(said, share)}
            )
    log.warning("LLM used all %s steps for %s without answering", limits.max_steps, label)
    return result
