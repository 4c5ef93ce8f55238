"""The shop's setup as data: services with prices and durations by size, resources and
what they do, weekly hours with breaks, special days, holidays, notice and horizon.

One pydantic model per part, strict (an unknown key is a mistake, not ignored), shared
by the shop file (``atende shop import``, YAML), the CLI and the admin API, so the same
input is refused the same way everywhere. ``problems`` turns a ``ValidationError`` into
lines that say where: ``services[2].price: …``.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 (pydantic needs these on 3.11)

from atende.domain.hours_text import WEEKDAY_KEYS, clock_time, day_line, hhmm, span, span_text
from atende.domain.hours_text import weekday as weekday_of
from atende.domain.opening import WorkDay
from atende.domain.sizes import Coat, Size, parse_coat, parse_size
from atende.domain.text import fold, storable

MAX_PRICE = 1_000_000
Money = Annotated[Decimal, Field(ge=0, le=MAX_PRICE, decimal_places=2, allow_inf_nan=False)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
# text as every database can store it (NUL and lone surrogates → U+FFFD), then bounded
Name = Annotated[
    str,
    BeforeValidator(lambda v: storable(v) if isinstance(v, str) else v),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
]
Note = Annotated[
    str,
    BeforeValidator(lambda v: storable(v) if isinstance(v, str) else v),
    StringConstraints(strip_whitespace=True, max_length=200),
]
FIRST_YEAR, LAST_YEAR = 2000, 2100  # dates a shop's calendar may name


def bounded_day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a date between {FIRST_YEAR} and {LAST_YEAR}")
    return value


Day = Annotated[date, AfterValidator(bounded_day)]


def _size(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        return parse_size(value) or value  # 'P', 'médio' → the size; else pydantic says
    return value


def _coat(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        return parse_coat(value) or value
    return value


def _clock(value: Any) -> Any:
    if isinstance(value, time):
        return hhmm(value)
    return hhmm(clock_time(str(value))) if isinstance(value, str | int) else value


def _span(value: Any) -> Any:
    return span_text(span(value)) if isinstance(value, str) else value


Clock = Annotated[str, BeforeValidator(_clock)]
SpanText = Annotated[str, BeforeValidator(_span)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class RuleSpec(Spec):
    """A price and/or duration for a size and/or coat ("grande: R$ 80, 90 min")."""

    size: Annotated[Size | None, BeforeValidator(_size)] = None
    coat: Annotated[Coat | None, BeforeValidator(_coat)] = None
    price: Money | None = None
    duration: Minutes | None = None

    @model_validator(mode="after")
    def _says_something(self) -> RuleSpec:
        if self.size is None and self.coat is None:
            raise ValueError("a rule needs a size or a coat (the default is the service's)")
        if self.price is None and self.duration is None:
            raise ValueError("a rule needs a price or a duration")
        return self


class ServiceSpec(Spec):
    """A service; ``gender`` and ``plural`` are its name's grammar (guessed when left out)."""

    name: Name
    price: Money
    duration: Minutes
    gender: Literal["m", "f"] | None = None
    plural: bool | None = None
    cleanup: Annotated[int, Field(ge=0, le=240)] = 0
    return_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    by_size: Annotated[list[RuleSpec], Field(max_length=20)] = Field(default_factory=list)

    @field_validator("by_size")
    @classmethod
    def _once_each(cls, rules: list[RuleSpec]) -> list[RuleSpec]:
        seen: set[tuple[str | None, str | None]] = set()
        for rule in rules:
            if (rule.size, rule.coat) in seen:
                raise ValueError(f"two rules for size {rule.size} and coat {rule.coat}")
            seen.add((rule.size, rule.coat))
        return rules


class ResourceSpec(Spec):
    """A person or station and the services it does (by name)."""

    name: Name
    kind: Literal["person", "station"] = "station"
    does: Annotated[list[Name], Field(max_length=100)] = Field(default_factory=list)


class DaySpec(Spec):
    """A day's hours: ``open`` to ``close`` with ``breaks`` ("12:00-13:00")."""

    open: Clock
    close: Clock
    breaks: Annotated[list[SpanText], Field(max_length=6)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fits(self) -> DaySpec:
        self.workday().spans()  # InvalidInput (a ValueError) when the hours make no sense
        return self

    def workday(self) -> WorkDay:
        breaks = tuple(span(b) for b in self.breaks)
        return WorkDay(clock_time(self.open), clock_time(self.close), breaks)

    @classmethod
    def of(cls, day: WorkDay) -> DaySpec:
        return cls(
            open=hhmm(day.opens),
            close=hhmm(day.closes),
            breaks=[span_text(b) for b in day.breaks],
        )


def _week(value: Any) -> Any:
    """Keys as weekdays ('seg', 'sábado', 'mon'); values a day, 'fechado', or the
    compact form '08:00-18:00, almoço 12:00-13:00'."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, day in value.items():
        name = WEEKDAY_KEYS[weekday_of(str(key))]
        if name in out:
            raise ValueError(f"{key}: the weekday {name} is given twice")
        if isinstance(day, str) or day is None:
            try:
                line = day_line(f"{name} {day or 'fechado'}")
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
            day = None if line.hours is None else DaySpec.of(line.hours)
        out[name] = day
    return out


Week = Annotated[dict[str, DaySpec | None], BeforeValidator(_week)]


def week_of(spec: dict[str, DaySpec | None]) -> dict[int, WorkDay | None]:
    """Weekday number → its hours (None: closed); days left out are closed too."""
    return {WEEKDAY_KEYS.index(k): (d.workday() if d else None) for k, d in spec.items()}


class SpecialDaySpec(Spec):
    """A date off the weekly hours: ``closed``, ``open`` (a holiday the shop works), or
    ``hours`` of its own."""

    date: Day
    closed: bool = False
    open: bool = False
    hours: Annotated[list[SpanText], Field(max_length=6)] = Field(default_factory=list)
    note: Note = ""

    @model_validator(mode="after")
    def _one_kind(self) -> SpecialDaySpec:
        kinds = [self.closed, self.open, bool(self.hours)]
        if sum(kinds) != 1:
            raise ValueError("say one of: closed: true, open: true, or hours: [09:00-12:00]")
        if self.hours:
            WorkDay.from_spans([span(h) for h in self.hours])
        return self

    @property
    def kind(self) -> Literal["closed", "open", "hours"]:
        return "closed" if self.closed else "open" if self.open else "hours"


class CalendarSpec(Spec):
    """Holidays of the country and ``state``, closed except ``open_holidays`` (names);
    bookings from ``min_notice_minutes`` ahead, up to ``horizon_days``."""

    state: Annotated[str, Field(max_length=10)] | None = None
    open_holidays: Annotated[list[Name], Field(max_length=40)] = Field(default_factory=list)
    min_notice_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 0
    horizon_days: Annotated[int, Field(ge=1, le=3650)] = 180


class ProfileSpec(Spec):
    name: Annotated[
        str,
        BeforeValidator(lambda v: storable(v) if isinstance(v, str) else v),
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    ]
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "America/Sao_Paulo"
    owner_phones: Annotated[list[str], Field(max_length=10)] = Field(default_factory=list)


class ShopFile(Spec):
    """The whole setup in one document (``atende shop export`` writes it)."""

    version: Literal[1] = 1
    shop: ProfileSpec
    settings: dict[str, Any] = Field(default_factory=dict)
    calendar: CalendarSpec = Field(default_factory=CalendarSpec)
    hours: Week = Field(default_factory=dict)
    services: Annotated[list[ServiceSpec], Field(max_length=200)] = Field(default_factory=list)
    resources: Annotated[list[ResourceSpec], Field(max_length=200)] = Field(default_factory=list)
    special_days: Annotated[list[SpecialDaySpec], Field(max_length=1000)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _references(self) -> ShopFile:
        _unique("services", [s.name for s in self.services])
        _unique("resources", [r.name for r in self.resources])
        names = {fold(s.name) for s in self.services}
        for i, resource in enumerate(self.resources):
            for j, service in enumerate(resource.does):
                if fold(service) not in names:
                    raise ValueError(
                        f"resources[{i}].does[{j}]: no service {service!r} in this file"
                    )
        days = [d.date.isoformat() for d in self.special_days]
        _unique("special_days", days, "date")
        return self


def _unique(where: str, names: list[str], field: str = "name") -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = fold(name)
        if key in seen:
            raise ValueError(f"{where}[{i}].{field}: {name!r} is already {where}[{seen[key]}]")
        seen[key] = i


def problems(exc: ValidationError) -> list[str]:
    """'services[2].price: Input should be greater than or equal to 0', one per error."""
    out = []
    for error in exc.errors():
        where = ""
        for part in error["loc"]:
            if isinstance(part, int):
                where += f"[{part}]"
            elif not _union_tag(part):
                where += f".{part}" if where else str(part)
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return list(dict.fromkeys(out))


def _union_tag(part: str) -> bool:
    """pydantic names the member of a union it tried ('DaySpec', 'str'): not a place."""
    return part[:1].isupper() or part in ("str", "none", "function-before[_week(), dict]")


# --- the document ``atende shop export`` writes -----------------------------------------
# (what ``ShopFile`` reads back; typed dicts, because they are what YAML and JSON dump)


class ProfileDoc(TypedDict):
    name: str
    timezone: str
    owner_phones: list[str]


class CalendarDoc(TypedDict):
    state: str | None
    open_holidays: list[str]
    min_notice_minutes: int
    horizon_days: int


class SizeRuleDoc(TypedDict, total=False):
    size: str
    coat: str
    price: str  # "60.00": money is written exactly
    duration: int


class ServiceDoc(TypedDict):
    name: str
    price: str
    duration: int
    gender: str | None
    plural: bool | None
    cleanup: NotRequired[int]
    return_days: NotRequired[int]
    by_size: NotRequired[list[SizeRuleDoc]]


class ResourceDoc(TypedDict):
    name: str
    kind: str
    does: list[str]


class SpecialDayDoc(TypedDict):
    date: date
    closed: NotRequired[bool]
    open: NotRequired[bool]
    hours: NotRequired[list[str]]
    note: NotRequired[str]


class ShopDoc(TypedDict):
    version: int
    shop: ProfileDoc
    settings: dict[str, Any]  # the organization's settings as stored (JSON), secrets left out
    calendar: CalendarDoc
    hours: dict[str, str]
    services: list[ServiceDoc]
    resources: list[ResourceDoc]
    special_days: list[SpecialDayDoc]
