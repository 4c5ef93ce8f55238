"""Optional embeddings for the knowledge base, from any OpenAI-compatible
``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM…).

They let a question find a passage that shares no word with it ('desmarcar' →
'cancelamentos'). Vectors are computed once, when a document is added, and stored
beside its passages; a search embeds only the question. When the endpoint fails,
search falls back to BM25 alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import openai

from atende.errors import EmbeddingError

log = logging.getLogger(__name__)

BATCH = 64


@dataclass(frozen=True, slots=True)
class EmbeddingConfig:
    model: str
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    timeout_seconds: float = 20.0


class Embedder:
    def __init__(self, config: EmbeddingConfig) -> None:
        self.config = config
        self._client = openai.OpenAI(
            base_url=config.base_url or None,
            api_key=config.api_key or "not-needed",
            timeout=config.timeout_seconds,
            max_retries=2,
        )

    def embed(self, texts: list[str]) -> list[np.ndarray]:
        """Unit-length float32 vectors, one per text, in order."""
        vectors: list[np.ndarray] = []
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            try:
                response = self._client.embeddings.create(
                    model=self.config.model, input=batch, encoding_format="float"
                )
                rows = sorted(response.data, key=lambda d: d.index)
                found = [np.asarray(r.embedding, dtype=np.float32) for r in rows]
            except (openai.OpenAIError, ValueError, TypeError) as exc:
                raise EmbeddingError(exc.__class__.__name__) from exc
            if len(found) != len(batch) or len({v.shape for v in found}) > 1:
                raise EmbeddingError("the endpoint returned the wrong number or size of vectors")
            vectors += [v / (float(np.linalg.norm(v)) or 1.0) for v in found]
        return vectors

    def close(self) -> None:
        self._client.close()


def to_bytes(vector: np.ndarray) -> bytes:
    return vector.astype(np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)
