"""A night: what was left out of its problem, and its stored draft plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import RequestSchema

_VISIT: dict[str, Any] = {
    "call": "n31",
    "arrive": "2026-12-01T22:58:00+00:00",
    "start": "2026-12-01T23:00:00+00:00",
    "end": "2026-12-01T23:30:00+00:00",
}
_ROUTE: dict[str, Any] = {
    "crew": "north-shropshire-car-1",
    "depart": "2026-12-01T22:00:00+00:00",
    "return": "2026-12-02T06:41:00+00:00",
    "visits": [_VISIT],
    "break": {"start": "2026-12-02T01:10:00+00:00", "end": "2026-12-02T01:40:00+00:00"},
}
_SUMMARY: dict[str, Any] = {
    "id": 7,
    "area_id": 1,
    "night": "2026-12-01",
    "version": 2,
    "status": "draft",
    "created_at": "2026-12-01T15:02:11Z",
    "created_by": 2,
    "trigger": "requested",
    "travel_minutes": 187.5,
    "unassigned_count": 1,
    "solve_seconds": 4.9,
}
_UNASSIGNED: dict[str, Any] = {"call": "o8", "reason": "every crew is busy 02:00-03:00"}
# The longest search a request may ask for: a caller waits for the answer, and nobody should
# be able to hold a worker and the solver's cores for minutes.
MAX_SOLVE_SECONDS = 60
_LEFT_OUT: dict[str, Any] = {"call_id": "n40", "person_id": 12, "reason": "cancelled: in hospital"}


class LeftOutRead(BaseModel):
    """A stored need or one-off call that is not in the night, and why."""

    model_config = ConfigDict(json_schema_extra={"examples": [_LEFT_OUT]})

    call_id: str
    person_id: int
    reason: str


class PlanSolve(RequestSchema):
    """How long the solver may search for the draft."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"seconds": 5}]})

    seconds: float = Field(
        default=5.0,
        gt=0,
        le=MAX_SOLVE_SECONDS,
        description=f"the solver's time limit: up to {MAX_SOLVE_SECONDS} s (more is refused, 422)",
    )


class UnassignedRead(BaseModel):
    """A call no crew takes, and why, in words a coordinator can act on."""

    model_config = ConfigDict(json_schema_extra={"examples": [_UNASSIGNED]})

    call: str
    reason: str


class PlanSummaryRead(BaseModel):
    """A stored plan of a night, without its routes."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_SUMMARY]})

    id: int
    area_id: int
    night: date
    version: int
    status: str
    created_at: datetime
    created_by: int | None
    trigger: str
    travel_minutes: float
    unassigned_count: int
    solve_seconds: float


class PlanRead(PlanSummaryRead):
    """A stored plan with its routes (a carer sees only their own crew's) and unassigned calls."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_SUMMARY, "routes": [_ROUTE], "unassigned": [_UNASSIGNED]}]
        }
    )

    routes: list[dict[str, Any]] = Field(description="as in the nightcare-plan/1 file")
    unassigned: list[UnassignedRead]
    changed_since_last_night: int | None = Field(
        default=None,
        description="visits that changed crew or moved over 30 min against the night before's "
        "published plan (null for a version never published)",
    )


class PlanCreated(PlanRead):
    """A new draft plan, and the stored needs and calls that were not in the night."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SUMMARY,
                    "routes": [_ROUTE],
                    "unassigned": [_UNASSIGNED],
                    "left_out": [_LEFT_OUT],
                }
            ]
        }
    )

    left_out: list[LeftOutRead]


class CrewSheetRead(BaseModel):
    """One crew's round on a night from its current plan, with the calls in visiting order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plan_id": 7,
                    "version": 2,
                    "status": "draft",
                    "area_id": 1,
                    "night": "2026-12-01",
                    "crew_id": "north-shropshire-car-1",
                    "route": _ROUTE,
                    "calls": [
                        {
                            "id": "n31",
                            "client": "p12",
                            "lat": 52.9075,
                            "lon": -2.893,
                            "earliest": "23:00",
                            "latest": "23:30",
                            "minutes": 30,
                        }
                    ],
                }
            ]
        }
    )

    plan_id: int
    version: int
    status: str
    area_id: int
    night: date
    crew_id: str
    route: dict[str, Any] = Field(description="the crew's route as in the nightcare-plan/1 file")
    calls: list[dict[str, Any]] = Field(description="the problem's calls, in visiting order")
