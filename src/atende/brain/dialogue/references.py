"""Which booking, pet or service a message means when it names several: the ones said to
stay ('o banho continua', 'o do cachorro mantém') are left out, and in a move the part
before 'pra'/'pode ser' names the booking being left, the part after it the new time.

Customers name what they keep right beside what they change; reading every name in the
message as a target cancels or moves the wrong booking."""

from __future__ import annotations

import re
from datetime import datetime

from atende.brain.dialogue.normalize import expand
from atende.brain.dialogue.when import extract_when
from atende.domain.text import fold

_CLAUSES = re.compile(
    r"[,.;!?\n]+|\s+(?:mas|porem)\s+|\s+e\s+(?=(?:mantem|mantenha|deixa|o|a|os|as)\b)"
)
_KEEPS = re.compile(
    r"\b(continua\w*|(fica|ficam)(\s+(como|assim|igual|mantid\w*|normal|mesmo))?\s*$"
    r"|fica (como|assim|igual|mantid\w*|normal)|mantem|mantenha|mantido|mantida|pode manter"
    r"|segue|permanece"
    r"|vai (normal\w*|sim|mesmo)|esta (mantido|mantida|ok|otimo|certo|confirmado|confirmada)"
    r"|nao mexe|ja (tomou|fez|tem|teve|foi|esta marcad\w*|ta marcad\w*))\b"
)
_CHANGES = re.compile(
    r"\b(cancel\w*|desmarc\w*|remarc\w*|troc\w*|mud[ae]\w*|pass(a|ar|e|o|ou)|adia\w*)\b"
)
_NEW_MARK = re.compile(
    r"\b(?:pra|pro|para|p/|pras|pros|pode ser|podia ser|que tal|prefiro|melhor|consegue"
    r"|conseguem|daria|tem|teria)\s+",
    re.IGNORECASE,
)


def meant_text(text: str) -> str:
    """``text`` without the clauses that say something stays as it is: 'cancela a vacina
    da Nina, o banho continua' → 'cancela a vacina da Nina'."""
    clauses = [c for c in _CLAUSES.split(text) if c and c.strip()]
    kept = [
        c for c in clauses if not (_KEEPS.search(expand(fold(c))) and not _CHANGES.search(fold(c)))
    ]
    return ", ".join(c.strip() for c in kept) if kept else text


def new_part_start(text: str, now: datetime) -> int | None:
    """Where the new day or time of a move starts: after the last 'pra', 'pode ser', 'que
    tal'… that a day or time follows ('o de sexta passa pra sábado 9h' → 'sábado 9h')."""
    found = [m for m in _NEW_MARK.finditer(text) if not extract_when(_soon(text, m), now).empty]
    return found[-1].end() if found else None


def _soon(text: str, mark: re.Match[str]) -> str:
    """The few words right after a marker: 'pra quinta 11h', 'pro mesmo horário na quinta'
    — not 'da pra atrasar o banho do Thor 1h', whose time is no new one."""
    return " ".join(text[mark.end() :].split()[:4])


def old_part(text: str, now: datetime) -> str:
    """The words of a move that name the booking being left: what comes before its new
    day or time ('o banho de sexta do Bidu passa pra sábado' → 'o banho de sexta do Bidu
    passa'), or all of it when no new day or time is named."""
    start = new_part_start(text, now)
    if start is None:
        return text
    marker = list(_NEW_MARK.finditer(text[:start]))[-1]
    return text[: marker.start()]
