"""Prices and durations by pet size and coat.

A service has a default price and duration and, optionally, rules for a size, a coat or
both ("Banho, porte G: R$ 80, 90 min"; "pelo longo: R$ 70"). For a pet, the most specific
rule that matches wins — size and coat, then size, then coat — and the default fills in
what no rule sets.

When the size (or the coat) is not known yet, every size (coat) it may turn out to be
counts: a quote gives the lowest price as "a partir de" when they differ, and a booking
holds the resource for the longest duration, so whatever the pet is, it fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from atende.domain.entities import ServiceInfo, SizeRule
from atende.domain.sizes import COATS, SIZES, Coat, Size

T = TypeVar("T")


def _specificity(rule: SizeRule, size: Size | None, coat: Coat | None) -> int | None:
    """How well ``rule`` fits (higher is more specific), or None when it does not apply."""
    if rule.size is not None and rule.size != size:
        return None
    if rule.coat is not None and rule.coat != coat:
        return None
    return (2 if rule.size is not None else 0) + (1 if rule.coat is not None else 0)


def _pick(
    rules: tuple[SizeRule, ...],
    size: Size | None,
    coat: Coat | None,
    field: Callable[[SizeRule], T | None],
) -> T | None:
    best: tuple[int, T] | None = None
    for rule in rules:
        value = field(rule)
        rank = _specificity(rule, size, coat)
        if value is None or rank is None:
            continue
        if best is None or rank > best[0]:
            best = (rank, value)
    return None if best is None else best[1]


def price_for(service: ServiceInfo, size: Size | None, coat: Coat | None = None) -> Decimal:
    """The price for a pet of ``size`` and ``coat``; the default when no rule matches."""
    found = _pick(service.rules, size, coat, lambda r: r.price)
    return service.price if found is None else found


def duration_for(service: ServiceInfo, size: Size | None, coat: Coat | None = None) -> int:
    """The duration in minutes for a pet of ``size`` and ``coat``; the default when no
    rule matches."""
    found = _pick(service.rules, size, coat, lambda r: r.duration_minutes)
    return service.duration_minutes if found is None else found


def _cases(size: Size | None, coat: Coat | None) -> list[tuple[Size, Coat]]:
    sizes = SIZES if size is None else (size,)
    coats = COATS if coat is None else (coat,)
    return [(s, c) for s in sizes for c in coats]


def price_range(
    service: ServiceInfo, size: Size | None = None, coat: Coat | None = None
) -> tuple[Decimal, Decimal]:
    """The lowest and highest price a pet may pay, given what is known of it."""
    if not service.rules:
        return service.price, service.price
    prices = [price_for(service, s, c) for s, c in _cases(size, coat)]
    return min(prices), max(prices)


def hold_minutes(service: ServiceInfo, size: Size | None = None, coat: Coat | None = None) -> int:
    """How long a booking holds its resource (cleanup aside): the duration for the pet,
    or the longest it may take while its size or coat is unknown."""
    if not service.rules:
        return service.duration_minutes
    return max(duration_for(service, s, c) for s, c in _cases(size, coat))


def by_size(service: ServiceInfo) -> tuple[tuple[Size, Decimal], ...]:
    """The price for each size (coat unknown, the lowest), when it depends on the size;
    empty when it does not."""
    table = tuple((size, price_range(service, size)[0]) for size in SIZES)
    return table if len({price for _, price in table}) > 1 else ()


def varies(service: ServiceInfo) -> bool:
    """True when the price or the duration depends on the pet's size or coat."""
    cases = _cases(None, None)
    prices = {price_for(service, s, c) for s, c in cases}
    durations = {duration_for(service, s, c) for s, c in cases}
    return len(prices) > 1 or len(durations) > 1


@dataclass(frozen=True, slots=True)
class Quote:
    """What to tell a customer: ``amount``, exact or the lowest ("a partir de")."""

    amount: Decimal
    from_lowest: bool = False


def quote(service: ServiceInfo, size: Size | None = None, coat: Coat | None = None) -> Quote:
    """The price to quote for what is known of the pet."""
    low, high = price_range(service, size, coat)
    return Quote(low, from_lowest=low != high)
