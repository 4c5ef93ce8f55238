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
    "qto": "quanto",
    "qnto": "quanto",
    "qnt": "quanto",
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
    "seg": "segunda",
}


def fold_chat(text: str) -> str:
    """``fold`` plus WhatsApp abbreviations: 'vcs abrem hj?' -> 'voces abrem hoje?'."""
    return re.sub(r"\w+", lambda m: ABBREVIATIONS.get(m.group(0), m.group(0)), fold(text))
