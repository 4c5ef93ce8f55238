"""A pet's size (porte) and coat (pelagem), what prices and durations may depend on.

The size a shop uses is stored on the pet when someone said it; otherwise it is inferred
from the breed (``domain/breeds.py``), forgivingly ("shitzu", "golden", "yorkshere"). Only
dogs have a breed size: a cat, or a breed we do not know, has no size until someone says it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final, Literal, get_args

from rapidfuzz import fuzz, process

from atende.domain.breeds import BREEDS
from atende.domain.text import fold

Size = Literal["mini", "pequeno", "medio", "grande", "gigante"]
Coat = Literal["curto", "longo"]
SIZES: Final[tuple[Size, ...]] = get_args(Size)
COATS: Final[tuple[Coat, ...]] = get_args(Coat)
SIZE_NAMES: Final[dict[Size, str]] = {
    "mini": "mini",
    "pequeno": "pequeno",
    "medio": "médio",
    "grande": "grande",
    "gigante": "gigante",
}
_SIZE_WORDS: Final[dict[str, Size]] = {
    "mini": "mini",
    "toy": "mini",
    "pp": "mini",
    "p": "pequeno",
    "pequeno": "pequeno",
    "pequena": "pequeno",
    "m": "medio",
    "medio": "medio",
    "media": "medio",
    "g": "grande",
    "grande": "grande",
    "grandao": "grande",
    "grandona": "grande",
    "gg": "gigante",
    "gigante": "gigante",
}
_COAT_WORDS: Final[dict[str, Coat]] = {
    "curto": "curto",
    "curta": "curto",
    "longo": "longo",
    "longa": "longo",
    "comprido": "longo",
    "comprida": "longo",
    "peludo": "longo",
    "peluda": "longo",
    "cabeludo": "longo",
    "cabeluda": "longo",
}
BREED_CUTOFF = 80.0  # rapidfuzz ratio from which a typed breed counts as a known one
_NOT_DOG = re.compile(
    r"\b(gat|felin|coelh|passar|ave\b|hamster|roedor|peix|tartarug|calops|periquit|papagai)"
)


def parse_size(text: str) -> Size | None:
    """'P', 'porte médio', 'grande', 'GG' → the size; None when it names none or several."""
    found = {_SIZE_WORDS[w] for w in re.findall(r"[a-z]+", fold(text)) if w in _SIZE_WORDS}
    return found.pop() if len(found) == 1 else None


def parse_coat(text: str) -> Coat | None:
    """'pelo longo', 'curto' → the coat; None when it names none or both."""
    found = {_COAT_WORDS[w] for w in re.findall(r"[a-z]+", fold(text)) if w in _COAT_WORDS}
    return found.pop() if len(found) == 1 else None


def _clean(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


@cache
def _names() -> dict[str, Size]:
    table: dict[str, Size] = {}
    for size, names in BREEDS:
        for name in names:
            table[_clean(name)] = size  # type: ignore[assignment]
    return table


def size_for_breed(breed: str, species: str | None = None) -> Size | None:
    """The usual size of a dog ``breed`` ("Shih-tzu" → pequeno, "goldem" → grande);
    None for another species or a breed the table does not know."""
    if species and _NOT_DOG.search(fold(species)):
        return None
    text = _clean(breed)
    if not text:
        return None
    names = _names()
    if text in names:
        return names[text]
    padded = f" {text} "
    for name in sorted(names, key=len, reverse=True):  # "poodle toy" before "poodle"
        if f" {name} " in padded:
            return names[name]
    return _fuzzy(text, names)


def _fuzzy(text: str, names: dict[str, Size]) -> Size | None:
    squeezed = {name.replace(" ", ""): name for name in names}
    candidates = [text.replace(" ", ""), *text.split()]
    for candidate in candidates:
        if len(candidate) < 4:
            continue
        found = process.extractOne(
            candidate, list(squeezed), scorer=fuzz.ratio, score_cutoff=BREED_CUTOFF
        )
        if found:
            return names[squeezed[found[0]]]
    return None


def may_have_size(species: str | None) -> bool:
    """Whether a pet of ``species`` is sized by porte (a dog, or a species not said yet):
    a cat's or a rabbit's price does not ask for one."""
    return not (species and _NOT_DOG.search(fold(species)))


def pet_size(stored: str | None, breed: str, species: str | None) -> Size | None:
    """The size to price a pet by: what was said about it, else what its breed suggests."""
    if stored in SIZES:
        return stored
    return size_for_breed(breed, species)


def pet_coat(stored: str | None) -> Coat | None:
    return stored if stored in COATS else None
