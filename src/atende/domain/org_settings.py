"""What an organization configures for itself: the typed form of ``Organization.settings``.

The column stays a JSON object (its secret fields sealed by ``storage/secrets.py``, which
works on the dict and knows nothing of this model); every reader turns it into
:class:`OrgSettings` with :meth:`OrgSettings.load` and every writer stores
:meth:`OrgSettings.dump`.

Two ways in, on purpose:

- ``OrgSettings.load(raw)`` is for workers and readers. It never raises: a value that does
  not validate (a hand-edited row, a row from an older release) is logged — the field's
  name, never its value, which may be a secret — and that one field falls back to its
  default; the rest of the row is kept.
- ``OrgSettings.model_validate(...)`` / :meth:`OrgSettings.change` are for writers (the
  CLI): a bad value raises ``pydantic.ValidationError`` and nothing is stored.

Unknown keys are **kept**: they round-trip through ``load`` → ``dump`` untouched, so a row
written by a newer release (or a key another tool added) is not lost when an older CLI
changes one field. They are not readable as attributes of the typed object.

``None`` in a field means "not set here: the environment's default applies" (``brain``,
``llm_daily_tokens``, ``phone_quiet_minutes``, the ``llm`` overrides); ``dump`` leaves
unset fields out, so the stored JSON holds what the owner chose and nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
)

from atende.domain.opening import subdivisions
from atende.domain.phones import DEFAULT_COUNTRY, country_code, normalize_typed_phone
from atende.domain.text import storable

log = logging.getLogger(__name__)

DEFAULT_SUMMARY_TIME = "19:00"
DEFAULT_REMINDER_HOURS = 24.0
DEFAULT_UNCONFIRMED_ALERT_HOURS = 3.0
DEFAULT_FOLLOWUP_TIME = "10:00"
# what an owner's own "pet ready" text may name: {nome} {pet} {servico} {loja}
PET_READY_FIELDS = ("nome", "pet", "servico", "loja")
_FIELD = re.compile(r"\{([^{}]*)\}")
DEFAULT_LANGUAGE = "pt-BR"
DEFAULT_HORIZON_DAYS = 180
DEFAULT_WAITLIST_HOLD_MINUTES = 30
_HHMM = re.compile(r"^(\d{1,2}):(\d{1,2})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
_MAX_FALLBACKS = 32  # more broken fields than this in one row: all defaults


def _on_off(value: Any) -> Any:
    """'on'/'off' (what older CLIs stored) as booleans; anything else left to pydantic."""
    if isinstance(value, str) and value.strip().lower() in ("on", "off"):
        return value.strip().lower() == "on"
    return value


class _Hidden(BaseModel):
    """Unknown keys are kept (a newer release may have written them) but never shown:
    one of them may be a secret this version does not know to seal."""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        extra = set(self.model_extra or {})
        for name, value in super().__repr_args__():
            if name in extra:
                yield name, "***"
            else:
                yield name, value


class _Part(_Hidden):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


HolidayName = Annotated[str, Field(min_length=2, max_length=100)]


class LlmSettings(_Part):
    """The organization's own model, overriding ``ATENDE_LLM_*`` field by field."""

    base_url: Annotated[str, Field(max_length=500, pattern=r"^https?://")] | None = None
    api_key: SecretStr | None = None
    model: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    fast_path: bool | None = None  # offline answers skip the model

    @field_validator("fast_path", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        return _on_off(value)

    @field_serializer("api_key")
    def _plain_key(self, value: SecretStr | None) -> str | None:
        # stored in the clear here: the column type seals it (storage/secrets.py)
        return None if value is None else value.get_secret_value()

    def key(self) -> str | None:
        return None if self.api_key is None else self.api_key.get_secret_value() or None


class MetaTemplate(_Part):
    name: Annotated[str, Field(min_length=1, max_length=512)]
    language: Annotated[str, Field(min_length=2, max_length=15)] = "pt_BR"


class TwilioTemplate(_Part):
    content_sid: Annotated[str, Field(pattern=r"^HX\w+$")]


class Templates(_Part):
    """Approved templates for messages outside the customer's 24-hour window."""

    meta: MetaTemplate | None = None
    twilio: TwilioTemplate | None = None

    def for_provider(self) -> dict[str, dict[str, str]]:
        """``{"meta": {...}, "twilio": {...}}`` as channel adapters take them."""
        out: dict[str, dict[str, str]] = {}
        for name in ("meta", "twilio"):
            chosen = getattr(self, name)
            if chosen is not None:
                out[name] = {k: str(v) for k, v in chosen.model_dump(exclude_none=True).items()}
        return out


Email = Annotated[
    str, Field(min_length=3, max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
]
_QUIET = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class AlertSettings(_Part):
    """Alerts that reach a person (``pipeline/alerting``): the thresholds of each rule
    and where openings and resolutions are told. Defaults follow the issue's reference
    deployment: failure rate > 10 % over 15 min, backlog > 2 min or > 50 messages."""

    enabled: bool = True  # False: rules still open alerts, nobody is told
    whatsapp: bool = True  # tell the owner's numbers (``atende org owner``)
    emails: Annotated[list[Email], Field(max_length=10)] = Field(default_factory=list)
    # JSON with a Slack-compatible ``text``; sealed in the database (it carries a token)
    webhook_url: SecretStr | None = None
    quiet_hours: str | None = None  # local "22:00-07:00": only critical alerts are told
    max_per_hour: Annotated[int, Field(ge=1, le=1000)] = 6  # openings told, critical apart
    failure_rate: Annotated[float, Field(gt=0, le=1)] = 0.10
    failure_window_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    failure_min_sends: Annotated[int, Field(ge=1, le=10_000)] = 5
    backlog_seconds: Annotated[int, Field(ge=10, le=24 * 3600)] = 120
    backlog_count: Annotated[int, Field(ge=1, le=1_000_000)] = 50
    worker_silence_seconds: Annotated[int, Field(ge=10, le=24 * 3600)] = 60
    llm_failure_rate: Annotated[float, Field(gt=0, le=1)] = 0.25
    llm_min_calls: Annotated[int, Field(ge=1, le=10_000)] = 4
    disk_free_mb: Annotated[int, Field(ge=0, le=10_000_000)] = 500  # SQLite's disk; 0: off

    @field_validator("enabled", "whatsapp", mode="before")
    @classmethod
    def _switches(cls, value: Any) -> Any:
        return _on_off(value)

    @field_validator("emails", mode="before")
    @classmethod
    def _emails(cls, value: Any) -> Any:
        if isinstance(value, str):  # "a@x, b@y" from the command line
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if re.fullmatch(r"https?://[^\s]{3,2000}", value.get_secret_value()) is None:
            raise ValueError("an http(s):// URL")
        return value

    @field_serializer("webhook_url")
    def _plain_url(self, value: SecretStr | None) -> str | None:
        # stored in the clear here: the column type seals it (storage/secrets.py)
        return None if value is None else value.get_secret_value()

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        match = _QUIET.fullmatch(str(value).replace(" ", ""))
        times = [int(g) for g in match.groups()] if match else [99, 99, 99, 99]
        if not (times[0] < 24 and times[2] < 24 and times[1] < 60 and times[3] < 60):
            raise ValueError("HH:MM-HH:MM, e.g. 22:00-07:00")
        return f"{times[0]:02d}:{times[1]:02d}-{times[2]:02d}:{times[3]:02d}"

    def webhook(self) -> str | None:
        return None if self.webhook_url is None else self.webhook_url.get_secret_value()

    def quiet(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """((start hour, minute), (end hour, minute)) of the quiet hours, or None."""
        if self.quiet_hours is None:
            return None
        start, end = self.quiet_hours.split("-")
        (a, b), (c, d) = start.split(":"), end.split(":")
        return (int(a), int(b)), (int(c), int(d))


class OrgSettings(_Hidden):
    """Everything an organization sets for itself. See the module docstring for load/dump."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    country: str = DEFAULT_COUNTRY  # ISO 3166 country of numbers typed without '+'
    language: str = DEFAULT_LANGUAGE  # what customers are answered in (BCP 47: pt-BR)
    brain: Literal["offline", "openai"] | None = None
    llm: LlmSettings = Field(default_factory=LlmSettings)
    llm_daily_tokens: Annotated[int, Field(ge=0)] | None = None  # 0: no limit
    templates: Templates = Field(default_factory=Templates)
    tts: dict[str, str] = Field(default_factory=dict, repr=False)  # may hold an api_key
    voice_replies: bool = False
    summary: bool = True
    summary_time: str = DEFAULT_SUMMARY_TIME  # local HH:MM of the owner's daily summary
    reminders: bool = True
    reminder_hours: Annotated[float, Field(ge=1, le=168)] = DEFAULT_REMINDER_HOURS
    # a booking still unconfirmed this many hours before opens an owner alert; 0: never
    unconfirmed_alert_hours: Annotated[float, Field(ge=0, le=72)] = DEFAULT_UNCONFIRMED_ALERT_HOURS
    pet_ready: bool = True  # staff marking a booking done tells the customer
    pet_ready_text: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    followups: bool = True  # "faz 15 dias do último banho do Thor" (services' return_days)
    followup_time: str = DEFAULT_FOLLOWUP_TIME  # local HH:MM the day's follow-ups go out
    phone_quiet_minutes: Annotated[float, Field(gt=0, le=7 * 24 * 60)] | None = None
    emergency_phone: str | None = None  # E.164, the number the clinic takes emergencies on
    address: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    # the calendar (domain/opening.py): holidays of the country and this state ("SP"),
    # closed except those named here; bookings from a notice on, up to a horizon
    state: str | None = None
    open_holidays: Annotated[list[HolidayName], Field(max_length=40)] = Field(default_factory=list)
    min_notice_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 0
    horizon_days: Annotated[int, Field(ge=1, le=3650)] = DEFAULT_HORIZON_DAYS
    # a full day offers its waitlist; a freed time is held this long for the first in line
    waitlist: bool = True
    waitlist_hold_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = DEFAULT_WAITLIST_HOLD_MINUTES
    alerts: AlertSettings = Field(default_factory=AlertSettings)  # rules, targets, quiet hours

    @field_validator(
        "voice_replies",
        "summary",
        "reminders",
        "pet_ready",
        "followups",
        "waitlist",
        mode="before",
    )
    @classmethod
    def _switches(cls, value: Any) -> Any:
        return _on_off(value)

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return country_code(value) if isinstance(value, str) else value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if _LANGUAGE.fullmatch(value) is None:
            raise ValueError("a language tag such as pt-BR")
        return value

    @field_validator("summary_time", "followup_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        match = _HHMM.fullmatch(value)
        hour, minute = (int(match[1]), int(match[2])) if match else (99, 99)
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError("HH:MM, e.g. 19:00")
        return f"{hour:02d}:{minute:02d}"

    @field_validator("pet_ready_text")
    @classmethod
    def _pet_ready_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = sorted({f for f in _FIELD.findall(value) if f not in PET_READY_FIELDS})
        if unknown:
            known = " ".join("{" + f + "}" for f in PET_READY_FIELDS)
            raise ValueError(f"unknown field {{{unknown[0]}}}: use {known}")
        return storable(value)

    @field_validator("tts", mode="before")
    @classmethod
    def _tts(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): str(v) for k, v in value.items() if v is not None}
        return value

    @field_validator("emergency_phone", mode="before")
    @classmethod
    def _phone(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("a phone number")
        region = info.data.get("country", DEFAULT_COUNTRY)
        return normalize_typed_phone(value, region)  # InvalidPhone is a ValueError

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("a state code such as SP")
        known = subdivisions(info.data.get("country", DEFAULT_COUNTRY))
        chosen = next((k for k in known if k.casefold() == value.strip().casefold()), None)
        if known and chosen is None:
            raise ValueError(f"a state code such as SP (one of {', '.join(known)})")
        return chosen or value.strip().upper()

    @field_validator("address", mode="before")
    @classmethod
    def _address(cls, value: Any) -> Any:
        if isinstance(value, str):
            cleaned = " ".join(storable(value).replace("\ufffd", " ").split())
            return cleaned or None
        return value

    # --- in and out -----------------------------------------------------------------

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None, *, org_id: int | None = None) -> Self:
        """The stored settings, never raising: each invalid field falls back to its default
        (logged by name), at any depth (``llm.fast_path`` alone, not all of ``llm``)."""
        data: dict[str, Any] = _plain(raw) if isinstance(raw, Mapping) else {}
        dropped: list[str] = []
        for _ in range(_MAX_FALLBACKS):
            try:
                loaded = cls.model_validate(data)
                break
            except ValidationError as exc:
                paths = {tuple(e["loc"]) for e in exc.errors() if e["loc"]}
                gone = [p for p in sorted(paths, key=str) if _drop(data, p)]
                if not gone:
                    loaded, dropped = cls(), ["(all)"]
                    break
                dropped += [".".join(str(x) for x in p) for p in gone]
        else:
            loaded, dropped = cls(), ["(all)"]
        if dropped:
            log.warning(
                "organization %s: settings %s invalid, using the defaults for them",
                "?" if org_id is None else org_id,
                ", ".join(dropped),
            )
        return loaded

    def dump(self) -> dict[str, Any]:
        """The JSON object to store: what was set, secrets in the clear (the column seals
        them), unknown keys as they came."""
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=True)

    def change(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied and the whole validated again (raises
        ``ValidationError``). ``llm``/``templates``/``alerts`` changes merge into what is there;
        ``None`` unsets a field; a new ``country`` drops a ``state`` that is not its."""
        data = self.dump()
        for name, value in changes.items():
            if isinstance(value, Mapping) and isinstance(data.get(name), Mapping):
                merged = {**data[name], **value}
                data[name] = {k: v for k, v in merged.items() if v is not None}
            elif value is None:
                data.pop(name, None)
            else:
                data[name] = value
        if "country" in changes and "state" not in changes and "state" in data:
            country = changes["country"]
            if isinstance(country, str) and data["state"] not in _states_of(country):
                del data["state"]  # a state of another country: holidays start afresh
        return type(self).model_validate(data)

    # --- what readers ask -----------------------------------------------------------

    def summary_at(self) -> tuple[int, int]:
        hour, minute = self.summary_time.split(":")
        return int(hour), int(minute)

    def followups_at(self) -> tuple[int, int]:
        hour, minute = self.followup_time.split(":")
        return int(hour), int(minute)


def _states_of(country: str) -> tuple[str, ...]:
    try:
        return subdivisions(country_code(country))
    except ValueError:  # an invalid country: validation says so
        return ()


def _plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _plain(v) if isinstance(v, Mapping) else v for k, v in raw.items()}


def _drop(data: dict[str, Any], path: tuple[int | str, ...]) -> bool:
    """Remove the value at ``path`` (the failing field) from ``data``; False if there was
    nothing to remove there (the error is not about one stored value)."""
    node: Any = data
    for step in path[:-1]:
        if not isinstance(node, dict) or step not in node:
            break
        if not isinstance(node[step], dict):  # the container itself is the bad value
            del node[step]
            return True
        node = node[step]
    else:
        if isinstance(node, dict) and path[-1] in node:
            del node[path[-1]]
            return True
    # a deeper path that no longer exists: drop its top-level field
    top = path[0]
    if isinstance(top, str) and top in data:
        del data[top]
        return True
    return False


def error_fields(exc: ValidationError) -> list[tuple[str, str]]:
    """(dotted field, message) for each error: what the CLI shows."""
    out = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error["loc"] if not isinstance(x, int)) or "settings"
        out.append((where, str(error["msg"]).removeprefix("Value error, ")))
    return out
