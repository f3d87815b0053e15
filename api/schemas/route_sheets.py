"""A crew's route sheet as JSON: the same contents as its HTML page and PDF."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_CHANGE: dict[str, Any] = {
    "kind": "time_changed",
    "was_crew_number": None,
    "was_arrive": "01:10",
    "was_start": "01:15",
    "text": "care start changed from 01:15",
}
_VISIT: dict[str, Any] = {
    "number": 1,
    "call_id": "n31",
    "arrive": "23:12",
    "start": "23:15",
    "end": "23:35",
    "earliest": "23:15",
    "latest": "23:45",
    "person_name": "Mrs Jones",
    "address": "4 Church Street, Wem",
    "lat": 52.855,
    "lon": -2.726,
    "tasks": ["reposition"],
    "care_minutes": 20,
    "drive_minutes": 14,
    "access_notes": "side door; dog is friendly",
    "key_safe_code": "4711",
    "phone": "01632 960123",
    "contact_name": "daughter, Sue",
    "change": _CHANGE,
    "priority": "critical",
    "skills": ["hoist"],
    "risk_notes": "oxygen in use; no naked flames",
}
_REMOVED: dict[str, Any] = {
    "call_id": "o8",
    "person_name": "Mr Price",
    "tasks": ["eye drops"],
    "was_arrive": "00:40",
    "now_crew_number": 2,
    "text": "now crew 2's",
}
_SHEET: dict[str, Any] = {
    "plan_id": 8,
    "version": 2,
    "status": "published",
    "area_id": 1,
    "area_name": "North Shropshire",
    "night": "2026-12-01",
    "crew_number": 1,
    "crew_id": "north-shropshire-car-1",
    "carers": [{"name": "Anne", "phone": "07700 900123"}, {"name": "Beth", "phone": None}],
    "base_lat": 52.9,
    "base_lon": -2.73,
    "base_address": "Night care base, High Street, Wem",
    "shift_start": "22:00",
    "shift_end": "07:00",
    "depart": "22:58",
    "return_at": "06:10",
    "visits": [_VISIT],
    "rest_break": {"start": "02:00", "end": "02:30", "after_visits": 4},
    "drive_minutes": 96,
    "return_drive_minutes": 14,
    "care_minutes": 160,
    "superseded": False,
    "current_plan_id": None,
    "current_sheet": None,
    "secrets_shown": True,
    "secrets_withheld": None,
    "night_over": False,
    "previous_version": 1,
    "removed": [_REMOVED],
    "on_call_phone": "01632 960999",
    "changes_marked": 2,
    "changes_summary": "Changes since version 1: 1 visit marked, 1 taken off this round "
    "(listed below).",
}


class SheetCarerRead(BaseModel):
    """One of the crew's carers."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    phone: str | None


class VisitChangeRead(BaseModel):
    """How a visit differs from the previous version the crew was given."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_CHANGE]})

    kind: Literal["new", "from_crew", "time_changed"] = Field(
        description="new: on no crew's round before; from_crew: another crew's before; "
        "time_changed: the care start moved more than 10 minutes"
    )
    was_crew_number: int | None = Field(description="from_crew: the crew it was on")
    was_arrive: str | None = Field(description="from_crew, time_changed: the arrival it had")
    was_start: str | None = Field(description="time_changed: the care start it had")
    text: str = Field(description="the mark as the sheet prints it")


class SheetVisitRead(BaseModel):
    """One visit on the round, in order; times are local "HH:MM" (with the zone on a night
    across a clock change). Access notes, the key-safe code, the household's phone and who
    answers it are null unless shown."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_VISIT]})

    number: int
    call_id: str
    arrive: str
    start: str
    end: str
    earliest: str
    latest: str
    person_name: str
    address: str
    lat: float
    lon: float
    tasks: list[str]
    care_minutes: int
    drive_minutes: int = Field(description="from the base (first visit) or the previous stop")
    access_notes: str | None
    key_safe_code: str | None
    phone: str | None = Field(description="the household's or next of kin's phone, if shown")
    contact_name: str | None = Field(description='who answers it, e.g. "daughter, Sue"')
    change: VisitChangeRead | None = Field(description="null when unchanged or first version")
    priority: str = Field(description="critical, standard or optional")
    skills: list[str] = Field(description='what the call takes, e.g. ["hoist", "medication"]')
    risk_notes: str | None = Field(description="the person's risk notes, null when none")


class SheetBreakRead(BaseModel):
    """The crew's rest, and after how many visits it falls."""

    model_config = ConfigDict(from_attributes=True)

    start: str
    end: str
    after_visits: int


class RemovedVisitRead(BaseModel):
    """A visit the previous version had on this crew's round and this one has not."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_REMOVED]})

    call_id: str
    person_name: str
    tasks: list[str]
    was_arrive: str
    now_crew_number: int | None = Field(description="the crew that has it now; null: none")
    text: str


class RouteSheetRead(BaseModel):
    """A crew's round on one night from one plan version: crew, carers, base, shift, visits,
    break, totals, and the changes since the previous published version."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_SHEET]})

    plan_id: int
    version: int
    status: str
    area_id: int
    area_name: str
    night: date
    crew_number: int
    crew_id: str
    carers: list[SheetCarerRead]
    base_lat: float
    base_lon: float
    base_address: str | None = Field(
        default=None,
        description="the base's name and address (null: the area gives none, or the plan's "
        "base is no longer the area's; see base_lat, base_lon)",
    )
    shift_start: str
    shift_end: str
    depart: str
    return_at: str
    visits: list[SheetVisitRead]
    rest_break: SheetBreakRead | None
    drive_minutes: int = Field(description="all the round's driving, the way back included")
    return_drive_minutes: int
    care_minutes: int
    superseded: bool
    current_plan_id: int | None = Field(description="superseded: the version to read instead")
    current_sheet: str | None = Field(
        default=None, description="superseded: the path of the current version's JSON sheet"
    )
    secrets_shown: bool = Field(
        description="access notes, key-safe codes and households' phones are included (only "
        "for the crew and the area's coordinators, on the current version, until the shift "
        "ends)"
    )
    secrets_withheld: str | None = Field(
        default=None,
        description="why a carer's sheet of the current version holds none: the night's plan "
        "is not published yet, the night has not come (saying the day they appear) or its "
        "shift is over (null otherwise)",
    )
    night_over: bool
    previous_version: int | None = Field(
        description="the published version changes are marked against (null: none before)"
    )
    removed: list[RemovedVisitRead]
    on_call_phone: str | None = Field(
        description="the area's night line a crew rings when something is wrong"
    )
    changes_marked: int
    changes_summary: str | None = Field(description="one sentence; null for the first version")
