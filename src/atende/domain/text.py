"""Text normalization shared by rules that compare what people type."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Amanhã às 10h' -> 'amanha as 10h'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


ABBREVIATIONS = {
    "vc": "voce",
    "vcs": "voces",
    "hj": "hoje",
    "amn": "amanha",
    "amnh": "amanha",
    "amnha": "amanha",
    "amanh": "amanha",
    "amanhaa": "amanha",
    "dps": "depois",
    "dpois": "depois",
    "qto": "quanto",
    "qnto": "quanto",
    "qnt": "quanto",
    "qnts": "quantos",
    "q": "que",
    "tb": "tambem",
    "tbm": "tambem",
    "obg": "obrigado",
    "obgd": "obrigado",
    "obgda": "obrigada",
    "td": "tudo",
    "agr": "agora",
    "pfv": "por favor",
    "pf": "por favor",
    "sab": "sabado",
    "sxta": "sexta",
    "sesta": "sexta",
    "qnta": "quinta",
    "qinta": "quinta",
    "qrta": "quarta",
    "sgnda": "segunda",
    "seg": "segunda",
    "vlw": "valeu",
    "blz": "beleza",
    "msm": "mesmo",
    "pq": "porque",
    "tmj": "tamo junto",
    "vdd": "verdade",
    "mt": "muito",
    "mto": "muito",
    "qro": "quero",
    "qria": "queria",
    "ctz": "certeza",
    "pls": "por favor",
    "cmg": "comigo",
    "tds": "todos",
}


def fold_chat(text: str) -> str:
    """``fold`` plus WhatsApp abbreviations: 'vcs abrem hj?' -> 'voces abrem hoje?'."""
    return re.sub(r"\w+", lambda m: ABBREVIATIONS.get(m.group(0), m.group(0)), fold(text))


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """Text every database can hold: NUL (which PostgreSQL ``text`` refuses) and lone
    UTF-16 surrogates (which no UTF-8 column can encode, yet JSON's ``\\ud83d`` escapes
    produce) become U+FFFD. Applied once at the boundary — provider payloads, operator
    replies, API parameters — so a message is stored and answered the same on SQLite and
    PostgreSQL instead of being lost to a 500."""
    return _UNSTORABLE.sub("\ufffd", text)


def name_key(name: str) -> str:
    """A shop's name for a service or resource as compared: case, accents and runs of
    blanks aside ('Banho  e Tosa' is 'banho e tosa'), so one cannot be added twice."""
    return fold(" ".join(name.split()))
