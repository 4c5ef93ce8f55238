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
    """'O nome dele é Rex' -> 'Rex'; 'rex, cachorro' -> 'Rex'; 'Frajola sem raça' ->
    'Frajola' (what says the breed is not part of the name)."""
    first = re.split(r"[,.;!\n]| e (?:um|uma|cachorr|gat)", text.strip(), maxsplit=1)[0].strip()
    folded_first = fold(first)
    if len(folded_first) == len(first):
        cuts = [folded_first.find(m) for m in _NO_BREED if m in folded_first]
        cuts = [c for c in cuts if c > 0]
        if cuts:
            first = first[: min(cuts)].strip()
    folded = fold(first)
    lead = _NAME_LEADS.match(folded)
    if lead:
        first = first[lead.end() :]
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", first) if species_in(w) is None]
    said = [w for w in words if not _FILLER.match(fold(w))]
    words = said or words  # "Ali" alone is a name; "paçoca kkk" is Paçoca
    if not words or len(words) > 3:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


# What rides along a name without being part of it: 'é o paçoca kkk', 'pipoca ué, falei'
_FILLER = re.compile(r"^(k{2,}|rs+|(?:ha){2,}h?|(?:he){2,}|(?:hu){2,}|ue|uai|ne|ai|la|ali|viu)$")


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
    r"\b(?:para|pra|pro|p/|do|da|no|na|dele|dela"
    r"|(?:vacinar|banhar|tosar|levar|trazer|examinar|consultar)\s+(?:o|a))\s+"
    r"(?:o\s+|a\s+|meu\s+|minha\s+)?"
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
    r"(?:(?:ele |ela )?(?:chamad[oa]|que se chama|se chama|chama)\s+)?"
    r"([A-Za-zÀ-ÿ][a-zà-ÿ]+(?:\s[A-ZÀ-Ý][a-zà-ÿ]+)?)",
    re.IGNORECASE,
)


# words that follow "meu cachorro" without being its name
_NOT_NAME_WORDS = {
    "ele",
    "ela",
    "se",
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


def _after_breed(text: str) -> str | None:
    """'minha shih tzu Lola' → 'Lola': a capitalized word right after a breed."""
    folded = fold(text)
    if len(folded) != len(text):
        return None
    for _, _, ways in BREEDS:
        for way in ways:
            m = re.search(rf"\b{re.escape(way)}\s+(?:chamad[oa]\s+)?([a-z]+)", folded)
            if m and text[m.start(1)].isupper() and m.group(1) not in _NOT_NAMES:
                return text[m.start(1) : m.end(1)]
    return None


def named_pet_in(text: str) -> str | None:
    """'uma tosa para a Mel dia 26' -> 'Mel': a capitalized name after para/pro/do;
    'meu cachorro Thor', 'minha gata chamada luna' -> the word after the species;
    'minha shih tzu Lola' -> the word after the breed."""
    after = _after_breed(text)
    if after is not None:
        return after
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
    for match in _MY_PET_NAMED.finditer(text):  # "minha cachorra, a luna": lower case too
        name = match.group(1)
        low = fold(name)
        if low not in _NOT_NAMES and low not in _NOT_NAME_WORDS and species_in(name) is None:
            return name[:1].upper() + name[1:]
    return None


_MY_PET_NAMED = re.compile(
    r"\b(?:meu|minha) (?:cachorr|gat|cadel|filhote|bichinh)\w*,?\s+"
    r"(?:o |a |chamad[oa] |que se chama )([a-zà-ÿ]{3,})\b(?!\s+(?:e|eh|é|ta|esta)\b)",
    re.IGNORECASE,
)


# "o do Luke continua", "o Sushi tá ótimo", "o Max não precisa": named, but not meant.
_KEPT_AFTER = (
    r"\W+(?:\w+\W+)?(?:continua\w*|fica|pode ficar|mantem|mantido|mantida|segue|permanece"
    r"|esta (?:otimo|bem|certo|ok|mantido|mantida|confirmado|confirmada|de pe)"
    r"|vai (?:normal\w*|sim|mesmo|continuar)|(?:vai|vao)\W*$|pode (?:manter|continuar|deixar)"
    r"|nao (?:precisa(?! mais)|mexe|cancela|desmarca|muda))\b"
)
# "menos o do Luke", "não é pro Thor", "mantém o da Mel": named, but not meant either.
_KEPT_BEFORE = (
    r"\b(?:menos|exceto|fora|mantem|mantenha|nao(?: e| era)?"
    r"|so vou (?:conseguir )?(?:levar|trazer))\s+(?:(?:o|a)\s+)?"
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


# Breeds customers name on their own ('minha shih tzu Lola', 'ele é labrador'): (how the
# breed is written, the species, and the folded ways people write it).
BREEDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Shih Tzu", "cachorro", ("shih tzu", "shihtzu", "shitzu", "shi tzu", "shih-tzu")),
    ("Poodle", "cachorro", ("poodle", "pudle")),
    ("Labrador", "cachorro", ("labrador",)),
    ("Golden Retriever", "cachorro", ("golden retriever", "golden")),
    ("Pug", "cachorro", ("pug",)),
    ("Yorkshire", "cachorro", ("yorkshire", "york")),
    ("Pinscher", "cachorro", ("pinscher", "pinsher")),
    ("Bulldog Francês", "cachorro", ("bulldog frances", "buldogue frances")),
    ("Bulldog Inglês", "cachorro", ("bulldog ingles", "buldogue ingles")),
    ("Bulldog", "cachorro", ("bulldog", "buldogue")),
    ("Beagle", "cachorro", ("beagle",)),
    ("Lhasa Apso", "cachorro", ("lhasa apso", "lhasa", "lasa")),
    ("Maltês", "cachorro", ("maltes",)),
    ("Spitz Alemão", "cachorro", ("spitz", "lulu da pomerania", "lulu")),
    ("Dachshund", "cachorro", ("dachshund", "salsicha", "teckel", "linguicinha")),
    ("Border Collie", "cachorro", ("border collie", "border")),
    ("Pastor Alemão", "cachorro", ("pastor alemao",)),
    ("Rottweiler", "cachorro", ("rottweiler", "rotweiler")),
    ("Husky Siberiano", "cachorro", ("husky siberiano", "husky")),
    ("Chihuahua", "cachorro", ("chihuahua",)),
    ("Schnauzer", "cachorro", ("schnauzer", "schnauser")),
    ("Cocker Spaniel", "cachorro", ("cocker",)),
    ("Boxer", "cachorro", ("boxer",)),
    ("Pit Bull", "cachorro", ("pit bull", "pitbull")),
    ("Dálmata", "cachorro", ("dalmata",)),
    ("Chow Chow", "cachorro", ("chow chow",)),
    ("Akita", "cachorro", ("akita",)),
    ("Shiba Inu", "cachorro", ("shiba",)),
    ("Bichon Frisé", "cachorro", ("bichon",)),
    ("West Highland Terrier", "cachorro", ("westie", "west highland")),
    ("Jack Russell", "cachorro", ("jack russell",)),
    ("Dobermann", "cachorro", ("doberman", "dobermann")),
    ("Basset Hound", "cachorro", ("basset",)),
    ("Corgi", "cachorro", ("corgi",)),
    ("Pequinês", "cachorro", ("pequines",)),
    ("Fox Paulistinha", "cachorro", ("fox paulistinha", "fox")),
    ("Persa", "gato", ("persa",)),
    ("Siamês", "gato", ("siames", "siamesa")),
    ("Angorá", "gato", ("angora",)),
    ("Sphynx", "gato", ("sphynx", "sphinx")),
    ("Maine Coon", "gato", ("maine coon",)),
    ("Ragdoll", "gato", ("ragdoll",)),
    ("Bengal", "gato", ("bengal",)),
)


def known_breed_in(text: str) -> tuple[str, str | None] | None:
    """A breed named anywhere in ``text`` and its species: 'minha shih tzu Lola' →
    ('Shih Tzu', 'cachorro'); 'é vira lata' → ('SRD', None)."""
    folded = " ".join(re.findall(r"[a-z]+", fold(text)))
    if any(re.search(rf"\b{re.escape(m)}", folded) for m in _NO_BREED if m != "nao sei"):
        return "SRD", None
    for name, species, ways in BREEDS:
        if any(re.search(rf"\b{re.escape(way)}\b", folded) for way in ways):
            return name, species
    return None


_BREED_FILLER = re.compile(r"\b(?:ele|ela|e|eh|um|uma|da|de|raca|so|mesmo|puro|pura)\b")


def breed_only(text: str) -> tuple[str, str | None] | None:
    """The breed when ``text`` says nothing but a breed ("vira lata", "é um poodle"):
    such an answer to "what is its name?" is no name."""
    known = known_breed_in(text)
    if known is None:
        return None
    said = text.strip()
    if said[:1].isupper() and len(said.split()) == 1:
        return None  # "Lulu", "Pug", "Boxer" written as a name are the pet's name
    rest = " ".join(re.findall(r"[a-z]+", fold(text)))
    ways = [w for n, _, ws in BREEDS if n == known[0] for w in ws]
    for way in sorted([*ways, *_NO_BREED], key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(way)}\w*", " ", rest)
    rest = _BREED_FILLER.sub(" ", rest)
    return known if not rest.strip() else None


_ANY_NAMED = re.compile(
    r"\b(?:para|pra|pro|p/|e o|e a|e)\s+(?:o\s+|a\s+|meu\s+|minha\s+)?([A-ZÀ-Ý][a-zà-ÿ]+)"
)


def names_in(text: str) -> list[tuple[int, int, str]]:
    """Every capitalized name after 'pro', 'pra', 'e o'… with where it is in ``text``:
    'banho pro Tom e pro Jerry' → Tom, Jerry (known pets or not)."""
    found = []
    for m in _ANY_NAMED.finditer(text):
        name = m.group(1)
        if fold(name) in _NOT_NAMES or species_in(name) is not None:
            continue
        found.append((m.start(1), m.end(1), name))
    return found


# 'o Rex e a Mel', 'Rex, Mel e Bidu', '…que adotei, a Amora': capitalized words after an
# article, 'e' or a comma
_LISTED = re.compile(r"(?:^|\b(?:o|a|e|os|as)\s+|,\s*)([A-ZÀ-Ý][a-zà-ÿ]+)")
_NOT_LISTED = frozenset(
    {"oi", "ola", "bom", "boa", "sao", "sim", "nao", "ele", "ela", "eles", "elas", "meu",
     "minha", "meus", "minhas", "quero", "queria", "tenho", "dois", "duas", "tres", "um",
     "uma", "ok", "pode", "obrigado", "obrigada", "vcs", "voces", "oie"}
)  # fmt: skip


# "meu gatinho novo, o bidu", "uma cachorrinha nova chamada mel": named, lower case too
_NEW_ONE_NAMED = re.compile(
    r"\b(?:pet|bichinh\w*|cachorr\w*|gat\w*|filhote|cadel\w*) nov[oa],?\s+"
    r"(?:o |a |que se chama |chamad[oa] )([a-zà-ÿ]{2,})\b",
    re.IGNORECASE,
)


def listed_names(text: str) -> list[str]:
    """Names written as names (capitalized, after an article, 'e' or a comma), in order:
    'são dois, o Rex e a Mel' → Rex, Mel. Words that are days, species or small talk are
    left out."""
    found: list[str] = []
    for match in _NEW_ONE_NAMED.finditer(text):
        named = match.group(1)
        if fold(named) not in _NOT_LISTED and species_in(named) is None:
            found.append(named[:1].upper() + named[1:])
    for match in _LISTED.finditer(text):
        name = match.group(1)
        folded = fold(name)
        if folded in _NOT_LISTED or folded in _NOT_NAMES or species_in(name) is not None:
            continue
        if fold(name) not in {fold(f) for f in found}:
            found.append(name)
    return found


# Words that stand where a name could, and are not one: 'pra hoje', 'o thor e eu'.
_NOT_NAME_LOWER = frozenset(
    {"hoje", "amanha", "ele", "ela", "eles", "elas", "eu", "mim", "voce", "voces", "vcs",
     "gente", "dele", "dela", "meu", "minha", "tbm", "tambem", "outro", "outra", "dois",
     "duas", "tres", "todos", "todas", "ambos", "mais", "depois", "semana", "mes", "dia",
     "manha", "tarde", "noite", "cedo", "agora", "sim", "nao", "ok", "ai", "la", "aqui",
     "buscar", "levar", "pegar", "deixar", "trazer", "saber", "ver", "marcar", "agendar",
     "tosar", "banhar", "vacinar", "fazer", "ser", "tomar", "cortar", "cuidar", "mesmo",
     "mesma", "entao", "isso", "esse", "essa", "aquele", "aquela", "um", "uma", "uns",
     "umas", "seu", "sua", "nosso", "nossa", "qual", "quando", "porte", "pelo", "raca",
     "seg", "ter", "qua", "qui", "sex", "sab", "dom", "consegue", "pode", "podem",
     "unha", "unhas", "orelha", "dente", "dentes", "macho", "femea", "castrado", "castrada",
     "grande", "pequeno", "pequena", "medio", "media", "bravo", "brava", "calmo", "calma",
     "filhote", "idoso", "idosa", "peludo", "peluda", "muito", "bem", "tudo", "tal", "pronto",
     "pronta", "mae", "pai", "pagar", "preto", "preta", "branco", "branca"}
    | _NOT_NAMES
    | _NOT_NAME_WORDS
)  # fmt: skip
_WORD = r"([a-zà-ÿ]{3,})"
# a request for more than one pet: "pros meus dois", "os dois", "ambos", "tbm"
_SEVERAL = re.compile(r"\b(dois|duas|2|ambos|ambas|pros|pras|tbm|tambem|tb)\b")


def lowercase_names(text: str, known: Sequence[str]) -> list[str]:
    """New pets' names written in lower case where only a name fits: joined to a known
    pet's name ('thor e luna', 'luna e o thor'), or 'pra luna tbm' (another pet besides
    the ones we know)."""
    folded = fold(text)
    if len(folded) != len(text.lower()):
        return []  # positions below are of the folded text: only where folding kept them
    low = text.lower()
    names_said = sum(1 for k in known if re.search(rf"\b{re.escape(fold(k))}\b", folded))
    several = _SEVERAL.search(folded) is not None or names_said >= 2  # "thor, luna e paçoca"
    found: list[str] = []
    names = [fold(k) for k in known]
    patterns = [rf"\bpr[ao]\s+(?:o |a )?{_WORD}\s+(?:tb|tbm|tambem)\b"]
    for name in names if several else ():  # "thor e grande" is "Thor é grande"
        pet = re.escape(name)
        patterns.append(rf"\b{pet}\s+e\s+(?:o |a )?{_WORD}\b")
        patterns.append(rf"\b{_WORD}\s+e\s+(?:o |a )?{pet}\b")
    for pattern in patterns:
        for m in re.finditer(pattern, low):
            word = m.group(1)
            if text[m.start(1)].isupper():
                continue  # written as a name: the capitalized readings have it
            if fold(word) in _NOT_NAME_LOWER or fold(word) in names or species_in(word):
                continue
            if known_breed_in(word) is not None or word[:1].isdigit():
                continue
            name = word[:1].upper() + word[1:]
            if name not in found:
                found.append(name)
    return found


def time_after_name(text: str, name: str) -> str | None:
    """The words that follow a pet's name up to the next pet ('a Nina às 10 e o Bidu
    10 e meia' → for Bidu, '10 e meia'), for the caller to read a time from."""
    folded = fold(text)
    if len(folded) != len(text):
        return None
    segments = []
    for at in re.finditer(rf"\b{re.escape(fold(name))}\b", folded):
        rest = text[at.end() :]
        cut = re.search(r",|;|\?|\n|\be (?:o|a)\s|\be (?:pro|pra|para)\s|\be \w+ \d", fold(rest))
        segments.append(rest[: cut.start()] if cut else rest)
    # "o da mel e da lola de sexta … mel 9h e lola 10h": the mention a time follows
    timed = [s for s in segments if re.search(r"\d", s)]
    chosen = timed or segments
    return chosen[0] if chosen else None
