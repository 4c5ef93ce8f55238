"""Knowledge-base search: BM25 (bm25s) over an organization's passages.

Each process keeps one index per organization in memory and rebuilds it when the
organization's documents change (a cheap revision query per search), so every web
and worker process answers from the same knowledge without a shared index file.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import bm25s
import numpy as np
from sqlalchemy.orm import Session

from atende.brain.knowledge.embeddings import Embedder, from_bytes
from atende.domain.text import fold_chat
from atende.errors import EmbeddingError
from atende.storage import knowledge
from atende.storage.knowledge import Passage

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

_STOPWORDS_TEXT = """
a o as os um uma uns umas de do da dos das em no na nos nas por pelo pela para pra pro
com sem e ou que se ao aos como qual quais quanto quanta quando onde eu voce voces ele
ela eles elas nos me te lhe meu minha seu sua seus suas nosso nossa isso isto esse essa
este esta aquele aquela ja nao sim tem ter tenho temos sao ser foi era esta estao estou
vai vao ha mais menos muito muita bem so tambem ate entao oi ola bom boa dia tarde noite
favor gostaria queria quero saber pode podem posso vcs obrigado obrigada the is are do
does precisa preciso precisam precisamos levar trazer fazer faz fazem fica ficar algum alguma
quantos quantas dao da dar uns tipo hr hora horas problema
ah ai opa ei eh hum hmm pera antes aqui ali
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def terms(text: str) -> list[str]:
    """Folded words without stop words, cut to their first six letters: a crude stemmer
    that serves Portuguese well ('aceitam'/'aceitamos' -> 'aceita', 'vacinas'/'vacinação'
    -> 'vacina')."""
    words = re.findall(r"[a-z0-9]+", fold_chat(text))
    return [_stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


# Words customers use for what a shop's documents say otherwise, on both sides of the
# search: 'desmarcar' finds 'cancelamentos', 'multa' finds 'cobramos', 'atrasar' 'atraso'.
_SAME_STEM = {
    "desmar": "cancel",
    "multa": "cobra",
    "taxa": "cobra",
    "cobram": "cobra",
    "cobran": "cobra",
    "cobrar": "cobra",
    "cobrad": "cobra",
    "atrasa": "atraso",
    "atrase": "atraso",
    "atrasi": "atraso",
    "tolera": "atraso",
    "paga": "cobra",
    "min": "minuto",
    "parcel": "cartao",
    "pagar": "pagame",
    "pago": "pagame",
    "pagam": "pagame",
    "pagand": "pagame",
    "credit": "cartao",
    "debito": "cartao",
}


def _stem(word: str) -> str:
    if re.fullmatch(r"\d{1,2}x", word):  # "em 2x", "até 3x": installments
        return _SAME_STEM["parcel"]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    stem = word[:6]
    return _SAME_STEM.get(stem, stem)


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    coverage: float  # share of the question's terms found in the passage
    matched: int  # how many of the question's terms the passage has
    similarity: float | None = None  # cosine to the question, when embeddings are on

    @property
    def confident(self) -> bool:
        """Good enough to answer a customer without a model reading it first: half the
        question's words, or two of them in a longer question."""
        return self.coverage >= 0.5 or self.matched >= 2


@dataclass
class _Index:
    revision: tuple[int, int]
    passages: list[Passage]
    vocab: list[set[str]]
    retriever: bm25s.BM25 | None
    vectors: np.ndarray | None  # a unit row per passage (zeros where it has none)


RRF_K = 60  # reciprocal rank fusion constant: ranks matter, raw scores do not
MIN_SIMILARITY = 0.3


class KnowledgeSearch:
    """BM25 always; with an ``embedder`` and stored vectors, BM25 and cosine similarity
    fused by rank (``semantic=True``)."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, _Index] = {}
        self.embedder = embedder

    def search(
        self, session: Session, org_id: int, query: str, k: int = 3, semantic: bool = True
    ) -> list[Hit]:
        query_terms = list(dict.fromkeys(terms(query)))
        index = self._index(session, org_id)
        if not index.passages:
            return []
        lexical = self._bm25(index, query_terms)
        similar = self._cosine(index, query) if semantic else {}
        if not similar:
            ranked = sorted(lexical, key=lambda d: -lexical[d])[:k]
        else:
            fused: dict[int, float] = {}
            for scores in (lexical, similar):
                for rank, doc in enumerate(sorted(scores, key=lambda d: -scores[d])):
                    fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank)
            ranked = sorted(fused, key=lambda d: -fused[d])[:k]
        hits = []
        for doc in ranked:
            found = sum(1 for t in query_terms if t in index.vocab[doc])
            coverage = found / len(query_terms) if query_terms else 0.0
            hits.append(
                Hit(index.passages[doc], lexical.get(doc, 0.0), coverage, found, similar.get(doc))
            )
        return hits

    @staticmethod
    def _bm25(index: _Index, query_terms: list[str]) -> dict[int, float]:
        if index.retriever is None or not query_terms:
            return {}
        ids, scores = index.retriever.retrieve(
            [query_terms], k=len(index.passages), show_progress=False, n_threads=1
        )
        return {int(d): float(sc) for d, sc in zip(ids[0], scores[0], strict=True) if sc > 0}

    def _cosine(self, index: _Index, query: str) -> dict[int, float]:
        if self.embedder is None or index.vectors is None or not query.strip():
            return {}
        try:
            [vector] = self.embedder.embed([query])
        except EmbeddingError as exc:
            log.warning("embeddings unavailable (%s); searching by words only", exc)
            return {}
        if vector.shape[0] != index.vectors.shape[1]:
            log.warning("the embedding model changed since the documents were added")
            return {}
        similarity = index.vectors @ vector
        return {i: float(x) for i, x in enumerate(similarity) if x >= MIN_SIMILARITY}

    def _index(self, session: Session, org_id: int) -> _Index:
        revision = knowledge.revision(session, org_id)
        with self._lock:
            cached = self._indexes.get(org_id)
            if cached is not None and cached.revision == revision:
                return cached
        passages = knowledge.passages(session, org_id)
        corpus = [terms(f"{p.heading}\n{p.text}") for p in passages]
        retriever = None
        if passages:
            retriever = bm25s.BM25()
            retriever.index([c or ["_"] for c in corpus], show_progress=False)
        vectors = None
        rows = [from_bytes(p.embedding) if p.embedding else None for p in passages]
        shapes = {r.shape for r in rows if r is not None}
        if len(shapes) == 1:  # documents added without embeddings simply never match by meaning
            [shape] = shapes
            vectors = np.vstack([r if r is not None else np.zeros(shape, np.float32) for r in rows])
        built = _Index(revision, passages, [set(c) for c in corpus], retriever, vectors)
        with self._lock:
            self._indexes[org_id] = built
        return built
