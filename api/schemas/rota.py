"""The rota: the standing weekly pattern of crews, and changes for a given night."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from api.schemas.common import Id, ReadSchema, RequestSchema


class RotaCrewSet(RequestSchema):
    """The two carers of a crew on every one of a weekday's nights."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"carer_a_id": 4, "carer_b_id": 7}]})

    carer_a_id: Id
    carer_b_id: Id


class RotaCrewRead(ReadSchema):
    """A crew of the standing pattern (weekday 0 is Monday)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "area_id": 1,
                    "weekday": 1,
                    "crew_number": 2,
                    "carer_a_id": 4,
                    "carer_b_id": 7,
                }
            ]
        }
    )

    id: int
    area_id: int
    weekday: int
    crew_number: int
    carer_a_id: int
    carer_b_id: int


class RotaChangeSet(RequestSchema):
    """One night's crew instead of the pattern's; both carers null stands the crew down."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"carer_a_id": 4, "carer_b_id": 9, "note": "Beth off sick; Iona covers"},
                {"carer_a_id": None, "carer_b_id": None, "note": "car in for repair"},
            ]
        }
    )

    carer_a_id: Id | None
    carer_b_id: Id | None
    note: str | None = Field(default=None, max_length=2000)


class RotaChangeRead(ReadSchema):
    """A stored change for one night."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "area_id": 1,
                    "night": "2026-12-01",
                    "crew_number": 2,
                    "carer_a_id": 4,
                    "carer_b_id": 9,
                    "note": "Beth off sick; Iona covers",
                }
            ]
        }
    )

    id: int
    area_id: int
    night: date
    crew_number: int
    carer_a_id: int | None
    carer_b_id: int | None
    note: str | None


class NightCrewRead(ReadSchema):
    """A crew as it stands on one night, and whether that comes from the pattern or a change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "crew_number": 1,
                    "carer_a_id": 4,
                    "carer_b_id": 7,
                    "source": "pattern",
                    "on": True,
                }
            ]
        }
    )

    crew_number: int
    carer_a_id: int | None
    carer_b_id: int | None
    source: str
    on: bool
