"""Publishing a night again on demand, and the night's published versions with what changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import RequestSchema
from api.schemas.nights import MAX_SOLVE_SECONDS, PlanSummaryRead, UnassignedRead

_CREW_CHANGE: dict[str, Any] = {"added": ["o8"], "removed": [], "moved": ["n31"]}
_CHANGES: dict[str, Any] = {
    "superseded_version": 1,
    "crews": {"north-shropshire-car-1": _CREW_CHANGE},
    "changed_since_last_night": 2,
    "left_out": [{"call": "n40", "reason": "cancelled: in hospital"}],
    "pins": [{"call": "n31", "crew": "north-shropshire-car-2", "start": "23:30", "note": None}],
}
_SUMMARY: dict[str, Any] = {
    "id": 8,
    "area_id": 1,
    "night": "2026-12-01",
    "version": 2,
    "status": "published",
    "created_at": "2026-12-01T19:02:11Z",
    "created_by": 2,
    "trigger": "republished",
    "travel_minutes": 187.5,
    "unassigned_count": 1,
    "solve_seconds": 4.9,
}
_UNASSIGNED: dict[str, Any] = {"call": "o8", "reason": "every crew is busy 02:00-03:00"}


class PublishRequest(RequestSchema):
    """How long the solver may search before the night is published again."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"seconds": 5}]})

    seconds: float = Field(
        default=5.0,
        ge=1,
        le=MAX_SOLVE_SECONDS,
        description=f"the solver's time limit: 1 to {MAX_SOLVE_SECONDS} s (more is refused, 422)",
    )


class CrewChangeRead(BaseModel):
    """One crew's round against the superseded version: calls added, removed, moved."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CREW_CHANGE]})

    added: list[str]
    removed: list[str]
    moved: list[str] = Field(
        description="still this crew's, but at another place in the round or over 30 min away"
    )


class LeftOutCallRead(BaseModel):
    """A stored need or one-off call that was not in the published night, and why."""

    call: str
    reason: str


class PinHeldRead(BaseModel):
    """A coordinator's pin the publication was solved with."""

    call: str
    crew: str | None = Field(description="the crew id the call is pinned to, if any")
    start: str | None = Field(description="the local HH:MM the visit is pinned to start at")
    note: str | None = Field(
        default=None, description="why the pinned start was not applied, when it was not"
    )


class PublicationChangesRead(BaseModel):
    """What a publication changed: per crew against the version it superseded, and overall
    how many visits changed crew or moved over 30 minutes against the night before."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CHANGES]})

    superseded_version: int | None
    crews: dict[str, CrewChangeRead] = Field(description="crews whose rounds changed, by crew id")
    changed_since_last_night: int
    left_out: list[LeftOutCallRead]
    pins: list[PinHeldRead] = Field(
        default_factory=list, description="the night's pins this version was solved with"
    )


class PublicationRead(PlanSummaryRead):
    """A stored version of the night: status, trigger, who, when, figures, and (when it was
    published) what its publication changed."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [{**_SUMMARY, "changes": _CHANGES}]}
    )

    changes: PublicationChangesRead | None = Field(
        default=None, description="null for a version that was never published (a draft)"
    )


class PublicationCreated(PublicationRead):
    """The newly published version, its unassigned calls and why, and what changed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_SUMMARY, "changes": _CHANGES, "unassigned": [_UNASSIGNED]}]
        }
    )

    unassigned: list[UnassignedRead]


_RUNS: list[dict[str, Any]] = [
    {"at": "2026-12-01T18:00:00Z", "event": "cutoff"},
    {
        "at": "2026-12-01T20:00:41Z",
        "event": "failed",
        "reason": "Invalid: crew 2 has no carers",
        "kept_version": 1,
    },
    {"at": "2026-12-01T20:10:02Z", "event": "published", "version": 2},
]


class EveningRunRead(BaseModel):
    """What the evening did for the night: its needs closed, the schedule published it, or the
    scheduled publication failed (why, and which version stayed published)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_RUNS[1]]})

    at: datetime
    event: Literal["cutoff", "published", "failed"]
    version: int | None = Field(default=None, description="published: the version it published")
    reason: str | None = Field(default=None, description="failed: why")
    kept_version: int | None = Field(
        default=None,
        description="failed: the version that stayed published (null when none was published)",
    )
