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
from sqlalchemy.orm import Session

from atende.domain.text import fold_chat
from atende.storage import knowledge
from atende.storage.knowledge import Passage

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

_STOPWORDS_TEXT = """
a o as os um uma uns umas de do da dos das em no na nos nas por pelo pela para pra pro
com sem e ou que se ao aos como qual quais quanto quanta quando onde eu voce voces ele
ela eles elas nos me te lhe meu minha seu sua seus suas nosso nossa isso isto esse essa
este esta aquele aquela ja nao sim tem ter tenho temos sao ser foi era esta estao estou
vai vao ha mais menos muito muita bem so tambem ate entao oi ola bom boa dia tarde noite
favor gostaria queria quero saber pode podem posso vcs obrigado obrigada the is are do
does precisa preciso precisam precisamos levar trazer fazer faz fazem fica ficar algum alguma
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def terms(text: str) -> list[str]:
    """Folded words without stop words, cut to their first six letters: a crude stemmer
    that serves Portuguese well ('aceitam'/'aceitamos' -> 'aceita', 'vacinas'/'vacinação'
    -> 'vacina')."""
    words = re.findall(r"[a-z0-9]+", fold_chat(text))
    return [_stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:6]


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    coverage: float  # share of the question's terms found in the passage
    matched: int  # how many of the question's terms the passage has

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


class KnowledgeSearch:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, _Index] = {}

    def search(self, session: Session, org_id: int, query: str, k: int = 3) -> list[Hit]:
        query_terms = list(dict.fromkeys(terms(query)))
        if not query_terms:
            return []
        index = self._index(session, org_id)
        if index.retriever is None:
            return []
        k = min(k, len(index.passages))
        ids, scores = index.retriever.retrieve([query_terms], k=k, show_progress=False, n_threads=1)
        hits = []
        for doc, score in zip(ids[0], scores[0], strict=True):
            if float(score) <= 0:
                continue
            found = sum(1 for t in query_terms if t in index.vocab[int(doc)])
            hits.append(
                Hit(index.passages[int(doc)], float(score), found / len(query_terms), found)
            )
        return hits

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
        built = _Index(revision, passages, [set(c) for c in corpus], retriever)
        with self._lock:
            self._indexes[org_id] = built
        return built
