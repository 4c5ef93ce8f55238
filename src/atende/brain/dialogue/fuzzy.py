"""Forgiving word matching for what people type on WhatsApp ("banhoo", "vacinacao",
"sabdo", "terca"): rapidfuzz against a small vocabulary instead of ever-longer lists of
misspellings. Short words are matched exactly (a one-letter slip in "gato" is "rato")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

MIN_FUZZY_LENGTH = 5  # shorter words must match exactly
DEFAULT_CUTOFF = 84.0  # rapidfuzz ratio (0-100) from which a typo counts as the word


def closest(word: str, vocabulary: Iterable[str], cutoff: float = DEFAULT_CUTOFF) -> str | None:
    """The vocabulary word ``word`` is a typo of, or None. Both are expected folded
    (lower case, no accents)."""
    words = list(vocabulary)
    if word in words:
        return word
    if len(word) < MIN_FUZZY_LENGTH:
        return None
    found = process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else None


def correct_words(text: str, vocabulary: Iterable[str], cutoff: float = DEFAULT_CUTOFF) -> str:
    """``text`` (folded) with every word that is a typo of a vocabulary word replaced by it."""
    words = list(vocabulary)
    return re.sub(r"[a-z]+", lambda m: closest(m.group(0), words, cutoff) or m.group(0), text)
