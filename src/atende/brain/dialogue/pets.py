"""Reading a pet's name, species and breed from what a customer writes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from atende.brain.dialogue.normalize import expand
from atende.domain.text import fold


class _Pet(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


PetLike = TypeVar("PetLike", bound=_Pet)

SPECIES = {
    "cachorro": ("cachorr", "cao", "caes", "cadel", "dog", "cachorrinh", "filhote de cachorro"),
    "gato": ("gat", "felin"),
    "coelho": ("coelh",),
    "pássaro": ("passar", "calops", "periquit", "papagai"),
    "hamster": ("hamster",),
}
_NAME_LEADS = re.compile(
    r"^(?:o nome (?:dele|dela|do meu pet)?\s*e|ele se chama|ela se chama|se chama|chama|"
    r"nome:?|e o|e a|o|a|meu pet e o|minha pet e a)\s+",
)
_NO_BREED = ("vira lata", "vira-lata", "viralata", "srd", "sem raca", "nao sei", "mestic")


def species_in(text: str) -> str | None:
    words = re.findall(r"\w+", fold(text))
    for species, stems in SPECIES.items():
        if any(w.startswith(stem) for w in words for stem in stems):
            return species
    return None


def name_in(text: str) -> str | None:
    """'O nome dele é Rex' -> 'Rex'; 'rex, cachorro' -> 'Rex'."""
    first = re.split(r"[,.;!\n]| e (?:um|uma|cachorr|gat)", text.strip(), maxsplit=1)[0].strip()
    folded = fold(first)
    lead = _NAME_LEADS.match(folded)
    if lead:
        first = first[lead.end() :]
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", first) if species_in(w) is None]
    if not words or len(words) > 3:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


def breed_in(text: str, species: str | None = None) -> str | None:
    folded = fold(text).strip()
    if any(marker in folded for marker in _NO_BREED):
        return "SRD"
    cleaned = re.sub(r"^(?:ele e|ela e|e|raca:?|da raca|a raca e)\s+", "", text.strip(), flags=re.I)
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", cleaned) if species_in(w) is None]
    if not words or len(words) > 4:
        return None
    return " ".join(words).strip().title()


_NAMED = re.compile(
    r"\b(?:para|pra|pro|p/|do|da|no|na|dele|dela)\s+(?:o\s+|a\s+|meu\s+|minha\s+)?"
    r"([A-ZÀ-Ý][a-zà-ÿ]+(?:\s[A-ZÀ-Ý][a-zà-ÿ]+)?)"
)
_NOT_NAMES = {
    "segunda",
    "terca",
    "quarta",
    "quinta",
    "sexta",
    "sabado",
    "domingo",
    "janeiro",
    "fevereiro",
    "marco",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "hoje",
    "amanha",
    "banho",
    "tosa",
    "consulta",
    "vacina",
    "vacinacao",
    "dia",
    "semana",
}


_SPECIES_THEN_NAME = re.compile(
    r"\b(?:meu|minha|o|a|do|da|pro|pra|um|uma)\s+(?:outr[oa]\s+)?(?:cachorr[oa]|cachorrinh[oa]|c[aã]o|cadela|gat[oa]|"
    r"gatinh[oa]|pet|filhote|coelh[oa]|bichinho|dog)"
    r"(?:\s+(?:tb|tbm|tambem|também|nov[oa]|ainda))*\s*,?\s+(?:(?:o|a)\s+)?"
    r"(?:chamad[oa]\s+|que se chama\s+)?"
    r"([A-Za-zÀ-ÿ][a-zà-ÿ]+(?:\s[A-ZÀ-Ý][a-zà-ÿ]+)?)",
    re.IGNORECASE,
)


# words that follow "meu cachorro" without being its name
_NOT_NAME_WORDS = {
    "esta",
    "ta",
    "tá",
    "e",
    "que",
    "de",
    "do",
    "da",
    "no",
    "na",
    "para",
    "pra",
    "pro",
    "com",
    "precisa",
    "tem",
    "ficou",
    "foi",
    "vai",
    "quer",
    "anda",
    "comeu",
    "nao",
    "dia",
    "as",
    "a",
    "o",
    "um",
    "uma",
    "amanha",
    "hoje",
    "semana",
    "mes",
    "sem",
    "tambem",
    "ja",
    "agora",
}


def named_pet_in(text: str) -> str | None:
    """'uma tosa para a Mel dia 26' -> 'Mel': a capitalized name after para/pro/do;
    'meu cachorro Thor', 'minha gata chamada luna' -> the word after the species."""
    for match in _SPECIES_THEN_NAME.finditer(text):
        name = match.group(1)
        first = fold(name.split()[0])
        told = name[0].isupper() or "chama" in match.group(0).lower()  # not "meu gato comeu"
        if (
            told
            and first not in _NOT_NAMES
            and first not in _NOT_NAME_WORDS
            and species_in(name) is None
        ):
            return " ".join(w[:1].upper() + w[1:] for w in name.split()[:1])
    for match in _NAMED.finditer(text):
        name = match.group(1)
        if fold(name.split()[0]) not in _NOT_NAMES and species_in(name) is None:
            return name
    return None


# "o do Luke continua", "o Sushi tá ótimo", "o Max não precisa": named, but not meant.
_KEPT_AFTER = (
    r"\W+(?:\w+\W+)?(?:continua\w*|fica|pode ficar|mantem|mantido|mantida|segue|permanece"
    r"|esta (?:otimo|bem|certo|ok|mantido|mantida|confirmado|confirmada|de pe)"
    r"|vai (?:normal\w*|sim|mesmo|continuar)|pode (?:manter|continuar|deixar)"
    r"|nao (?:precisa|mexe|cancela|desmarca|muda))\b"
)
# "menos o do Luke", "não é pro Thor", "mantém o da Mel": named, but not meant either.
_KEPT_BEFORE = (
    r"\b(?:menos|exceto|fora|mantem|mantenha|nao(?: e| era)?)\s+(?:(?:o|a)\s+)?"
    r"(?:(?:do|da|de|pro|pra|para|p/)\s+)?"
)


def _said(text: str) -> str:
    return expand(fold(text))


def kept_pets(text: str, pets: Sequence[PetLike]) -> set[int]:
    """The ids of the pets ``text`` names only to leave them out: 'cancela o da Léia, o
    do Luke continua' keeps Luke; 'é pro Temaki, o Sushi tá ótimo' keeps Sushi."""
    said = _said(text)
    kept: set[int] = set()
    for pet in pets:
        name = re.escape(fold(pet.name))
        if re.search(rf"\b{name}{_KEPT_AFTER}", said) or re.search(
            rf"{_KEPT_BEFORE}{name}\b", said
        ):
            kept.add(pet.id)
    return kept


def pets_meant(text: str, pets: Sequence[PetLike]) -> list[PetLike]:
    """The customer's pets ``text`` names and means, in the order first named; those named
    only to be left out ('o do Luke continua') are not among them."""
    said = _said(text)
    kept = kept_pets(text, pets)
    found = []
    for pet in pets:
        m = re.search(rf"\b{re.escape(fold(pet.name))}\b", said)
        if m is not None and pet.id not in kept:
            found.append((m.start(), pet))
    return [p for _, p in sorted(found, key=lambda f: f[0])]
