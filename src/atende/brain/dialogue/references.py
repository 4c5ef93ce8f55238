"""Which booking, pet or service a message means when it names several: the ones said to
stay ('o banho continua', 'o do cachorro mantém') are left out, and in a move the part
before 'pra'/'pode ser' names the booking being left, the part after it the new time.

Customers name what they keep right beside what they change; reading every name in the
message as a target cancels or moves the wrong booking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from atende.brain.dialogue.normalize import expand
from atende.brain.dialogue.when import extract_when
from atende.domain.text import fold

_LIKE = re.compile(r"\btipo\s+", re.IGNORECASE)
_CLAUSES = re.compile(
    r"[,.;!?\n]+|\s+(?:mas|porem)\s+|\s+e\s+(?=(?:mantem|mantenha|deixa|o|a|os|as)\b)"
)
_KEEPS = re.compile(
    r"\b(continua\w*|(fica|ficam)(\s+(como|assim|igual|mantid\w*|normal|mesmo))?\s*$"
    r"|fica (como|assim|igual|mantid\w*|normal)|mantem|mantenha|mantido|mantida|pode manter"
    r"|segue|permanece|so vou (conseguir )?(levar|trazer|ir com)"
    r"|(vai|vao)\s*$|(deixa|deixe|pode deixar)\s*$|deixa (quieto|como esta|assim)"
    r"|vai (normal\w*|sim|mesmo)|esta (mantido|mantida|ok|otimo|certo|confirmado|confirmada)"
    r"|nao mexe|ja (tomou|fez|tem|teve|foi|esta marcad\w*|ta marcad\w*))\b"
)
# "8h tá ótimo", "segunda tá ok": a time agreed to, not a booking that stays
_APPROVES_WHEN = re.compile(
    r"\s*(?:(?:as|a|pras|pra|umas)\s+)?(?:\d{1,2}\s*(?:h|:|hs|horas?)|\d{1,2}\s+(?:ta|esta)\b"
    r"|segunda|terca|quarta|quinta|sexta|sabado|domingo|amanha|hoje|meio ?dia)"
)
# what says a booking stays whatever else the clause says: "sexta continua"
_STAYS = re.compile(r"\b(continua\w*|fica\w*|mantem|mantenha|mantid\w*|segue|permanece|deixa)\b")
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
        c
        for c in clauses
        if not (
            _KEEPS.search(expand(fold(c)))
            and not _CHANGES.search(fold(c))
            and not (_APPROVES_WHEN.match(fold(c)) and not _STAYS.search(expand(fold(c))))
        )
    ]
    return ", ".join(c.strip() for c in kept) if kept else text


def new_part_start(text: str, now: datetime) -> int | None:
    """Where the new day or time of a move starts: after the last 'pra', 'pode ser', 'que
    tal'… that a day or time follows ('o de sexta passa pra sábado 9h' → 'sábado 9h')."""
    found = [m for m in _NEW_MARK.finditer(text) if not extract_when(_soon(text, m), now).empty]
    if found:
        return found[-1].end()
    # "hj às 15 dá pra ser mais tarde? tipo 4 e meia": "tipo" only when nothing else marks it
    like = [m for m in _LIKE.finditer(text) if not extract_when(_soon(text, m), now).empty]
    return like[-1].end() if like else None


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
    markers = [*_NEW_MARK.finditer(text[:start]), *_LIKE.finditer(text[:start])]
    marker = max(markers, key=lambda m: m.start())
    return text[: marker.start()]


@dataclass(frozen=True)
class Booked:
    """One of the customer's upcoming bookings, as a message may refer to it."""

    start: datetime  # local time
    service: str
    pet: str | None
    end: datetime | None = None  # local time: "logo depois do banho" starts here


# "no mesmo dia do banho do Bolt", "pro mesmo horário do Tom", "mesmo dia e hora da consulta"
_SAME_AS = re.compile(
    r"\b(?:n[oa]\s+)?(?:mesm[oa]|msm)\s+(dia e (?:horario|hora)|dia|horario|hora)\s+"
    r"(?:d[aeo]s?|que (?:o|a))\s+([^,.;!?\n]*?)(?=\s*(?:[,.;!?\n]|\s+e\s+|\s+(?:as|às)\s+\d|$)"
    r"|\s+(?:na|no|pra|pro|para|amanha|hoje|semana|dia)\b)"
)
SAME_AS_HINT = re.compile(
    r"\b(?:mesm[oa]|msm)\s+(dia|horario|hora)\s+(d[aeo]s?|que)\b|\bjunto com (o|a) d[oa]s? "
)
# "o banho da Nina pode ser junto com o do Thor?": at the same day and time as his
_TOGETHER_WITH = re.compile(r"\bjunto com (o|a) (d[oa]s? )", re.IGNORECASE)


def dated_references(text: str, booked: list[Booked]) -> str:
    """A day or time given as another booking's ('no mesmo dia do banho do Bolt', 'pro
    mesmo horário do Tom') written out as that booking's date or time, when exactly one
    day or time fits what the words name — so the pet and service named only to point
    at it are not read as the new booking's."""
    text = _TOGETHER_WITH.sub(r"no mesmo dia e horario \2", text)  # "junto com o do Thor"
    folded = fold(text)
    if len(folded) != len(text):
        return text  # a character whose folding changes the length: leave it as said
    out, last = [], 0
    after_used = False
    for m in _SAME_AS.finditer(folded):
        what, named = m.group(1), m.group(2)
        fits = [b for b in booked if _names(named, b)]
        # "o banho da Mel": hers, not every bath; "tosa pra Mel, no dia do banho dela": Mel's
        where = folded if re.search(r"\b(dele|dela)\b", named) else named
        by_pet = [b for b in fits if b.pet and re.search(rf"\b{re.escape(fold(b.pet))}\b", where)]
        fits = by_pet or fits
        said_before = folded[: m.start()]
        alike = [b for b in fits if fold(b.service).split()[0][:5] in said_before]
        if len(fits) > 1 and alike:  # "o banho da Nina junto com o do Thor": his bath
            fits = alike
        if not fits:
            continue
        if what == "dia":
            days = {b.start.date() for b in fits}
            if len(days) != 1:
                continue
            written = f"dia {fits[0].start:%d/%m}"
            ends = {b.end for b in fits}
            end = fits[0].end
            if _RIGHT_AFTER.search(folded) and len(ends) == 1 and end is not None:
                written += f" às {end:%H:%M}"  # "no mesmo dia do banho dele, logo depois"
                after_used = True
        else:
            starts = (
                {b.start for b in fits}
                if what.startswith("dia")
                else {b.start.time() for b in fits}
            )
            if len(starts) != 1:
                continue
            start = fits[0].start
            written = (
                f"dia {start:%d/%m} às {start:%H:%M}"
                if what.startswith("dia")
                else (f"{start:%H:%M}")
            )
        out.append(text[last : m.start()] + written)
        last = m.end()
    if not out:
        return text
    written_out = "".join(out) + text[last:]
    if after_used:  # "…, logo depois do banho": said by the time written, not a new bath
        cut = _RIGHT_AFTER.search(fold(written_out))
        if cut is not None:
            written_out = written_out[: cut.start()] + written_out[cut.end() :]
    return written_out


_RIGHT_AFTER = re.compile(
    r"\b((logo )?(depois|apos) d[oa] (banho|tosa|consulta|vacina\w*)|logo depois|logo apos"
    r"|em seguida)\b"
)


def _names(words: str, booking: Booked) -> bool:
    """The words name this booking: its pet and/or its service, at least one of them."""
    pet = booking.pet is not None and re.search(rf"\b{re.escape(fold(booking.pet))}\b", words)
    service = fold(booking.service).split()[0][:5]
    said_service = re.search(rf"\b{re.escape(service)}", words)
    if not pet and not said_service:
        return False
    other_service = re.search(r"\b(banho|tosa|consulta|vacin)", words) and not said_service
    return not other_service
