"""A professional asked for by name: "com a Ana", "quero a Dra. Paula", "pela veterinária".

Resource choice is automatic (the first capable one free); a customer who names a person
of the shop books that person. Only people (``kind == "person"``) are named this way —
"Banho 1" is a station nobody asks for, and "banho" is a service. A name counts only
after a word that asks for someone ("com", "pela", "quero", "prefiro"…), so "aqui é a
Ana" is the customer introducing herself, not a request for the groomer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from atende.domain.entities import ResourceInfo
from atende.domain.text import fold

_TITLES = {"dra", "dr", "doutora", "doutor", "sra", "sr", "tia", "tio"}
_ASKING = (
    r"(?:com|pel[ao]|quero|queria|prefiro|preferia|prefere|gostaria d[aeo]|seja|ser|"
    r"marca\w*|agenda\w*|atendid[ao] por|atend\w* com)"
)
_ARTICLE = r"(?:(?:a|o|na|no)\s+)?(?:(?:dra|dr|doutora|doutor)\s+)?"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def names_of(resource: ResourceInfo) -> list[str]:
    """How a customer may call a person: 'dra paula', 'paula', and the role in
    parentheses ('veterinaria'), longest first."""
    role = re.search(r"\(([^)]*)\)", resource.name)
    base = _words(re.sub(r"\([^)]*\)", " ", resource.name))
    bare = [w for w in base.split() if w not in _TITLES]
    found = {base, " ".join(bare)}
    if bare:
        found.add(bare[0])
    if role:
        found.add(_words(role.group(1)))
    return sorted((n for n in found if len(n) >= 3), key=len, reverse=True)


def named_resource(text: str, resources: Sequence[ResourceInfo]) -> ResourceInfo | None:
    """The one person of the shop the customer asks for, or None (none, or several)."""
    said = _words(text)
    found = {
        r.id: r
        for r in resources
        if r.kind == "person"
        for name in names_of(r)
        if re.search(rf"\b{_ASKING}\s+{_ARTICLE}{re.escape(name)}\b", said)
    }
    return next(iter(found.values())) if len(found) == 1 else None
