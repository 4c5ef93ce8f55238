"""A local OpenAI-compatible server (Chat Completions, tool calls included) that plays a
script: each request takes the next step. A step is a completion, a planned failure
(HTTP status, a stall past the client's timeout, a body that is not JSON) or a function
of the request that returns a completion — so a test can check what the model was shown
(tool results, errors) before answering."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Completion = dict[str, Any]
Step = Completion | int | str | Callable[[dict[str, Any]], Completion]
_ids = iter(range(1, 10_000_000))


def text(content: str) -> Completion:
    return {"content": content}


def tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": json.dumps(arguments)}


def raw_tool(name: str, arguments: str) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def calls(*tool_calls: dict[str, Any]) -> Completion:
    return {"tool_calls": list(tool_calls)}


def last_tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool messages at the end of the conversation the client sent, decoded."""
    out = []
    for message in reversed(request["messages"]):
        if message["role"] != "tool":
            break
        out.insert(0, json.loads(message["content"]))
    return out


@dataclass
class FakeLLM:
    server: ThreadingHTTPServer
    script: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    body_sizes: list[int] = field(default_factory=list)  # bytes of each chat request
    stall_seconds: float = 3.0
    embedding_inputs: list[list[str]] = field(default_factory=list)
    embeddings_down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def play(self, *steps: Step) -> None:
        with self.lock:
            self.script.extend(steps)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_step(self, request: dict[str, Any], headers: dict[str, str], size: int) -> Step:
        with self.lock:
            self.requests.append(request)
            self.headers.append(headers)
            self.body_sizes.append(size)
            if not self.script:
                return 599
            return self.script.popleft()


def _completion(model: str, request: dict[str, Any], step: Completion) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.get("content")}
    finish = "stop"
    if step.get("tool_calls"):
        finish = "tool_calls"
        message["tool_calls"] = [
            {"id": f"call_{next(_ids)}", "type": "function", "function": c}
            for c in step["tool_calls"]
        ]
    prompt = len(json.dumps(request["messages"], ensure_ascii=False)) // 4
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),  # noqa: TID251 - the provider's own clock
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": 25,
            "total_tokens": prompt + 25,
        },
    }


# A toy embedding model: one dimension per concept, lit by any of its words (prefixes of
# folded words), so 'desmarcar' lands near 'cancelamento' although they share no word.
CONCEPTS = [
    ("cancel", "desmarc", "desist", "remarc"),
    ("pag", "pix", "cartao", "dinheiro", "debito", "credito"),
    ("estacion", "carro", "vaga"),
    ("vacin", "filhot", "antirrab"),
    ("busc", "taxi", "leva", "transport"),
    ("hotel", "diaria", "hosped", "pernoit"),
]


def toy_embedding(text_in: str) -> list[float]:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text_in.lower())
    words = "".join(c for c in folded if not unicodedata.combining(c)).split()
    vector = [0.0] * (len(CONCEPTS) + 1)
    for word in words:
        for i, stems in enumerate(CONCEPTS):
            if word.strip("?!.,") and any(word.strip("?!.,").startswith(s) for s in stems):
                vector[i] += 1.0
    vector[-1] = 0.1  # never all zeros
    return vector


def start_fake_llm() -> FakeLLM:
    holder: dict[str, FakeLLM] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            request = json.loads(raw)
            fake = holder["llm"]
            if self.path == "/v1/embeddings":
                fake.embedding_inputs.append(request["input"])
                if fake.embeddings_down:
                    self._send(503, b'{"error": {"message": "down"}}')
                    return
                data = [
                    {"object": "embedding", "index": i, "embedding": toy_embedding(t)}
                    for i, t in enumerate(request["input"])
                ]
                payload = {"object": "list", "data": data, "model": request["model"]}
                self._send(200, json.dumps(payload).encode())
                return
            if self.path != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "not found"}}')
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            step = fake.next_step(request, headers, len(raw))
            if callable(step):
                step = step(request)
            if isinstance(step, int):
                body = json.dumps({"error": {"message": "planned failure", "code": step}})
                self._send(step if step != 599 else 500, body.encode())
            elif step == "stall":
                time.sleep(fake.stall_seconds)
                self._send(
                    200, json.dumps(_completion(request["model"], request, text("late"))).encode()
                )
            elif step == "garbage":
                self._send(200, b"<html>this is not json")
            else:
                assert isinstance(step, dict)
                payload = _completion(request["model"], request, step)
                self._send(200, json.dumps(payload).encode())

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake = FakeLLM(server)
    holder["llm"] = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
