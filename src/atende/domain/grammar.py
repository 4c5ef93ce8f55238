"""Portuguese grammar for replies: articles, contractions and counted nouns.

A service knows its grammatical ``gender`` ('m' | 'f') and whether its name is ``plural``
(stored with it, see ``domain.entities.ServiceInfo``), so a reply can say "o Banho",
"a Vacinação", "as Vacinas", "do Banho", "à Tosa", "nenhum horário", "2 horários".
Pure functions, no I/O; names are kept as the business wrote them.
"""

from __future__ import annotations

from typing import Literal, Protocol

Gender = Literal["m", "f"]
Preposition = Literal["de", "em", "a", "por"]

__all__ = [
    "Gender",
    "Named",
    "article",
    "at",
    "contract",
    "counted",
    "guess_gender",
    "of",
    "on",
    "plural_of",
    "the",
]

_ARTICLES: dict[tuple[Gender, bool], str] = {
    ("m", False): "o",
    ("f", False): "a",
    ("m", True): "os",
    ("f", True): "as",
}
_CONTRACTIONS: dict[Preposition, dict[str, str]] = {
    "de": {"o": "do", "a": "da", "os": "dos", "as": "das"},
    "em": {"o": "no", "a": "na", "os": "nos", "as": "nas"},
    "a": {"o": "ao", "a": "à", "os": "aos", "as": "às"},
    "por": {"o": "pelo", "a": "pela", "os": "pelos", "as": "pelas"},
}
_FEMININE_ENDINGS = ("ção", "são", "a", "gem", "ade", "ie")


class Named(Protocol):
    """Anything with a name and its grammar (``ServiceInfo``)."""

    @property
    def name(self) -> str: ...
    @property
    def gender(self) -> Gender: ...
    @property
    def plural(self) -> bool: ...


def article(gender: Gender, plural: bool = False) -> str:
    """The definite article: o, a, os, as."""
    return _ARTICLES[(gender, plural)]


def contract(preposition: Preposition, gender: Gender, plural: bool = False) -> str:
    """The preposition joined to the article: de → do/da/dos/das, em → no/na/nos/nas,
    a → ao/à/aos/às, por → pelo/pela/pelos/pelas."""
    return _CONTRACTIONS[preposition][article(gender, plural)]


def the(thing: Named) -> str:
    """'o Banho', 'a Vacinação', 'as Vacinas'."""
    return f"{article(thing.gender, thing.plural)} {thing.name}"


def of(thing: Named) -> str:
    """'do Banho', 'da Vacinação', 'das Vacinas'."""
    return f"{contract('de', thing.gender, thing.plural)} {thing.name}"


def on(thing: Named) -> str:
    """'no Banho', 'na Tosa', 'nas Vacinas'."""
    return f"{contract('em', thing.gender, thing.plural)} {thing.name}"


def at(thing: Named) -> str:
    """'ao Banho', 'à Tosa', 'às Vacinas'."""
    return f"{contract('a', thing.gender, thing.plural)} {thing.name}"


def plural_of(word: str) -> str:
    """The regular plural of a noun (horário → horários, opção → opções, mensagem →
    mensagens, animal → animais); irregular ones are passed to :func:`counted`."""
    lower = word.lower()
    if lower.endswith("ão"):
        return word[:-2] + "ões"
    if lower.endswith("m"):
        return word[:-1] + "ns"
    if lower.endswith(("r", "z")):
        return word + "es"
    if lower.endswith("al"):
        return word[:-1] + "is"
    if lower.endswith("el"):
        return word[:-2] + "éis"
    if lower.endswith("ol"):
        return word[:-2] + "óis"
    if lower.endswith("ul"):
        return word[:-1] + "is"
    if lower.endswith("s"):
        return word
    return word + "s"


def counted(count: int, noun: str, plural: str | None = None, gender: Gender = "m") -> str:
    """'nenhum horário' / 'nenhuma vaga', '1 horário', '2 horários'. ``noun`` is the
    singular; ``plural`` when it is irregular."""
    if count == 0:
        return f"{'nenhum' if gender == 'm' else 'nenhuma'} {noun}"
    if abs(count) == 1:
        return f"{count} {noun}"
    return f"{count} {plural or plural_of(noun)}"


def guess_gender(name: str) -> tuple[Gender, bool]:
    """A first guess at a service name's (gender, plural) from its head word — the first
    one in Portuguese: 'Consulta veterinária' → f, 'Vacinas' → f plural, 'Banho e tosa'
    → m. Owners correct it where the guess is wrong."""
    words = name.strip().split()
    head = words[0].lower() if words else ""
    plural = len(head) > 3 and head.endswith("s") and not head.endswith(("ês", "ás", "ós", "us"))
    singular = head
    if plural and head.endswith("ões"):
        singular = head[:-3] + "ão"
    elif plural and head.endswith("ns"):
        singular = head[:-2] + "m"
    elif plural:
        singular = head[:-1]
    return ("f" if singular.endswith(_FEMININE_ENDINGS) else "m"), plural
