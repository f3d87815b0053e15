"""Recurring night calls (needs), one-off calls for a night, and cancellations for a night."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.common import (
    ClockTime,
    Id,
    Minutes,
    ReadSchema,
    RequestSchema,
    Skills,
    UpdateSchema,
)

Priority = Literal["critical", "standard", "optional"]
Weekdays = Annotated[
    list[Annotated[int, Field(ge=0, le=6)]],
    Field(min_length=1, max_length=7, description="0 Monday .. 6 Sunday", examples=[[0, 2, 4]]),
]
Gap = Annotated[int, Field(ge=0, le=24 * 60)]

_NEED_EXAMPLE: dict[str, Any] = {
    "person_id": 12,
    "label": "reposition",
    "weekdays": [0, 1, 2, 3, 4, 5, 6],
    "start_date": "2026-11-01",
    "end_date": None,
    "earliest": "02:00",
    "latest": "03:00",
    "minutes": 20,
    "priority": "standard",
    "skills": [],
    "after_need_id": 30,
    "min_gap_minutes": 150,
    "max_gap_minutes": 240,
    "paused": False,
}
_ONE_OFF_EXAMPLE: dict[str, Any] = {
    "person_id": 12,
    "night": "2026-12-01",
    "label": "eye drops (new prescription)",
    "earliest": "23:00",
    "latest": "23:30",
    "minutes": 10,
    "priority": "critical",
    "skills": ["medication"],
    "note": "GP started drops today",
}
_CANCELLATION_EXAMPLE: dict[str, Any] = {
    "person_id": 12,
    "night": "2026-12-01",
    "reason": "in hospital",
    "note": "admitted to RSH, ward 22",
}


class NeedCreate(RequestSchema):
    """A recurring call: on these weekdays from `start_date`, starting between earliest and latest.

    `after_need_id` links it to another need of the same person: it then starts between
    `min_gap_minutes` and `max_gap_minutes` after that call starts.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [_NEED_EXAMPLE]})

    person_id: Id
    label: str = Field(max_length=120)
    weekdays: Weekdays
    start_date: date
    earliest: ClockTime
    latest: ClockTime
    minutes: Minutes
    priority: Priority = "standard"
    skills: Skills = Field(default_factory=list)
    end_date: date | None = None
    after_need_id: Id | None = None
    min_gap_minutes: Gap | None = None
    max_gap_minutes: Gap | None = None
    paused: bool = False


class NeedUpdate(UpdateSchema):
    """Some of a need's fields; those left out stay as they are."""

    NULLABLE = frozenset({"end_date", "after_need_id", "min_gap_minutes", "max_gap_minutes"})
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"paused": True}, {"latest": "03:30", "minutes": 30}]}
    )

    label: str | None = Field(default=None, max_length=120)
    weekdays: Weekdays | None = None
    start_date: date | None = None
    earliest: ClockTime | None = None
    latest: ClockTime | None = None
    minutes: Minutes | None = None
    priority: Priority | None = None
    skills: Skills | None = None
    end_date: date | None = None
    after_need_id: Id | None = None
    min_gap_minutes: Gap | None = None
    max_gap_minutes: Gap | None = None
    paused: bool | None = None


class NeedRead(ReadSchema):
    """A stored recurring call."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 31, **_NEED_EXAMPLE}]})

    id: int
    person_id: int
    label: str
    weekdays: list[int]
    start_date: date
    end_date: date | None
    earliest: str
    latest: str
    minutes: int
    priority: str
    skills: list[str]
    after_need_id: int | None
    min_gap_minutes: int | None
    max_gap_minutes: int | None
    paused: bool


class OneOffCallCreate(RequestSchema):
    """A call for one night only."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ONE_OFF_EXAMPLE]})

    person_id: Id
    night: date
    label: str = Field(max_length=120)
    earliest: ClockTime
    latest: ClockTime
    minutes: Minutes
    priority: Priority = "standard"
    skills: Skills = Field(default_factory=list)
    note: str | None = Field(default=None, max_length=2000)


class OneOffCallUpdate(UpdateSchema):
    """Some of a one-off call's fields; those left out stay as they are."""

    NULLABLE = frozenset({"note"})
    model_config = ConfigDict(json_schema_extra={"examples": [{"earliest": "23:15"}]})

    night: date | None = None
    label: str | None = Field(default=None, max_length=120)
    earliest: ClockTime | None = None
    latest: ClockTime | None = None
    minutes: Minutes | None = None
    priority: Priority | None = None
    skills: Skills | None = None
    note: str | None = Field(default=None, max_length=2000)


class OneOffCallRead(ReadSchema):
    """A stored one-off call."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 8, **_ONE_OFF_EXAMPLE}]})

    id: int
    person_id: int
    night: date
    label: str
    earliest: str
    latest: str
    minutes: int
    priority: str
    skills: list[str]
    note: str | None


class CancellationCreate(RequestSchema):
    """No calls for the person on this night (in hospital, respite, family staying...)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CANCELLATION_EXAMPLE]})

    person_id: Id
    night: date
    reason: str = Field(max_length=200, examples=["in hospital", "respite", "family staying"])
    note: str | None = Field(default=None, max_length=2000)


class CancellationRead(ReadSchema):
    """A stored cancellation."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 2, **_CANCELLATION_EXAMPLE}]})

    id: int
    person_id: int
    night: date
    reason: str
    note: str | None
