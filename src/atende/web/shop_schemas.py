"""Shapes of the shop's setup in the admin API (``web/shop_api.py``): the shop file's
own specs (``domain/shopfile.py``) plus what the API adds — partial changes, answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from atende.domain.shopfile import (
    CalendarSpec,
    Money,
    Name,
    Note,
    RuleSpec,
    ServiceSpec,
    Week,
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceIn(ServiceSpec):
    done_by: Annotated[list[Name], Field(max_length=50)] = Field(
        default_factory=list, description="resources that do it (by name)"
    )


class ServicePatch(_Body):
    name: Name | None = None
    price: Money | None = None
    duration: Annotated[int, Field(ge=1, le=24 * 60)] | None = None
    gender: Literal["m", "f"] | None = None
    plural: bool | None = None
    cleanup: Annotated[int, Field(ge=0, le=240)] | None = None
    return_days: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        None, description="0: no follow-ups"
    )
    by_size: Annotated[list[RuleSpec], Field(max_length=20)] | None = Field(
        None, description="replaces every rule by size and coat"
    )


class ServiceDetail(BaseModel):
    id: int
    name: str
    price: str
    duration: int
    gender: Literal["m", "f"]
    plural: bool
    cleanup: int
    return_days: int | None
    by_size: list[RuleSpec]
    done_by: list[str]


class Moved(BaseModel):
    """A booking of a removed resource, now on another one."""

    booking: int
    to: str  # the resource it moved to


class Removed(BaseModel):
    id: int
    removed: bool = True
    cancelled: list[int] = Field(default_factory=list)
    moved: list[Moved] = Field(default_factory=list)


class ResourcePatch(_Body):
    name: Name | None = None
    kind: Literal["person", "station"] | None = None
    does: Annotated[list[Name], Field(max_length=100)] | None = None


class ResourceOut(BaseModel):
    id: int
    name: str
    kind: str
    does: list[str]


class DayOut(BaseModel):
    weekday: str
    closed: bool
    open: str | None = None
    close: str | None = None
    breaks: list[str] = Field(default_factory=list)


class SpecialDayIn(_Body):
    closed: bool = False
    open: bool = False
    hours: Annotated[list[str], Field(max_length=6)] = Field(default_factory=list)
    note: Note = ""


class CalendarPatch(_Body):
    state: Annotated[str, Field(max_length=10)] | None = Field(None, description="'' for none")
    open_holidays: Annotated[list[Name], Field(max_length=40)] | None = None
    min_notice_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    horizon_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class CalendarOut(CalendarSpec):
    country: str
    cancelled: list[int] = Field(default_factory=list)


class HolidayOut(BaseModel):
    date: date
    name: str
    open: bool


class WeekIn(_Body):
    days: Week = Field(
        description="weekday (seg…dom) → {open, close, breaks} or null (closed), or the "
        "compact '08:00-18:00, almoço 12:00-13:00'; weekdays left out stay as they are"
    )
