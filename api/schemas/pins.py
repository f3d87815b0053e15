"""Pins: what a coordinator sends to pin a call of a night, and the stored pin read back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas.common import ClockTime, ReadSchema, RequestSchema

_EXAMPLE: dict[str, Any] = {"call": "n31", "crew_number": 2, "start": "23:30"}


class PinCreate(RequestSchema):
    """A call of the night pinned to a crew, to an exact start time, or to both."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    call: str = Field(
        max_length=12,
        description='the call as the night\'s plan names it: "n<need id>" or "o<one-off call id>"',
        examples=["n31"],
    )
    crew_number: int | None = Field(
        default=None, ge=1, le=50, description="the crew that must do the call"
    )
    start: ClockTime | None = Field(
        default=None,
        description="the local time care must start at, inside the call's window (exact)",
    )


class PinRead(ReadSchema):
    """A stored pin, with the call and crew as the night's plan names them."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "area_id": 1,
                    "night": "2026-12-01",
                    **_EXAMPLE,
                    "crew": "north-shropshire-car-2",
                    "created_at": "2026-12-01T15:20:00Z",
                    "created_by": 2,
                }
            ]
        },
    )

    id: int
    area_id: int
    night: date
    call: str
    crew_number: int | None
    crew: str | None
    start: str | None
    created_at: datetime
    created_by: int | None
