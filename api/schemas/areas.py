"""Contract areas: what a commissioner sends to add or change one, and what is read back."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas.common import ClockTime, ReadSchema, RequestSchema, UpdateSchema

_BOUNDARY_EXAMPLE = {
    "type": "Polygon",
    "coordinates": [
        [[-3.2, 52.7], [-2.7, 52.7], [-2.7, 53.0], [-3.2, 53.0], [-3.2, 52.7]],
    ],
}
_EXAMPLE: dict[str, Any] = {
    "name": "North Shropshire",
    "provider": "Marches Night Care Ltd",
    "boundary": _BOUNDARY_EXAMPLE,
    "base_lat": 52.8587,
    "base_lon": -3.0538,
    "base_address": "Night care base, Station Road, Ellesmere",
    "crews_per_night": 3,
    "shift_start": "22:00",
    "shift_end": "07:00",
    "cutoff_time": "16:00",
    "publish_time": "18:00",
    "timezone": "Europe/London",
    "start_date": "2026-04-01",
    "end_date": None,
    "speed_kmh": 48,
    "circuity": 1.3,
    "stop_minutes": 3,
    "break_minutes": 30,
    "break_earliest": "01:00",
    "break_latest": "04:00",
    "on_call_phone": "01632 960123",
}

Boundary = dict[str, Any]


class AreaCreate(RequestSchema):
    """A new contract area; the base must lie inside the boundary (GeoJSON, lon/lat order)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    name: str = Field(max_length=120)
    provider: str = Field(max_length=200)
    boundary: Boundary = Field(description="GeoJSON Polygon or MultiPolygon")
    base_lat: float = Field(ge=-90, le=90)
    base_lon: float = Field(ge=-180, le=180)
    base_address: str | None = Field(
        default=None,
        max_length=300,
        description="the base's name and address as crews know it; route sheets show it in "
        "place of the coordinates",
    )
    crews_per_night: int = Field(ge=1, le=50)
    shift_start: ClockTime
    shift_end: ClockTime
    cutoff_time: ClockTime = Field(description="needs for tonight close at this time")
    publish_time: ClockTime = Field(description="tonight's plan is published at this time")
    timezone: str = Field(max_length=64, examples=["Europe/London"])
    start_date: date
    end_date: date | None = None
    speed_kmh: float = Field(default=48.0, gt=0, le=200)
    circuity: float = Field(default=1.3, ge=1, le=5)
    stop_minutes: float = Field(default=3.0, ge=0, le=120)
    break_minutes: int | None = Field(
        default=None, ge=1, le=180, description="each crew rests this long; none for no break"
    )
    break_earliest: ClockTime | None = Field(
        default=None, description="the break starts no earlier than this"
    )
    break_latest: ClockTime | None = Field(
        default=None, description="the break starts no later than this"
    )
    on_call_phone: str | None = Field(
        default=None,
        max_length=40,
        description="the provider's night line a crew rings when something is wrong: digits, "
        "spaces, +, - and brackets, 7 to 20 digits",
    )


class AreaUpdate(UpdateSchema):
    """Some of an area's fields; those left out stay as they are."""

    NULLABLE = frozenset(
        {
            "end_date",
            "break_minutes",
            "break_earliest",
            "break_latest",
            "on_call_phone",
            "base_address",
        }
    )
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"crews_per_night": 4, "publish_time": "18:30"}]}
    )

    name: str | None = Field(default=None, max_length=120)
    provider: str | None = Field(default=None, max_length=200)
    boundary: Boundary | None = Field(default=None)
    base_lat: float | None = Field(default=None, ge=-90, le=90)
    base_lon: float | None = Field(default=None, ge=-180, le=180)
    base_address: str | None = Field(default=None, max_length=300)
    crews_per_night: int | None = Field(default=None, ge=1, le=50)
    shift_start: ClockTime | None = Field(default=None)
    shift_end: ClockTime | None = Field(default=None)
    cutoff_time: ClockTime | None = Field(default=None)
    publish_time: ClockTime | None = Field(default=None)
    timezone: str | None = Field(default=None, max_length=64)
    start_date: date | None = Field(default=None)
    end_date: date | None = None
    speed_kmh: float | None = Field(default=None, gt=0, le=200)
    circuity: float | None = Field(default=None, ge=1, le=5)
    stop_minutes: float | None = Field(default=None, ge=0, le=120)
    break_minutes: int | None = Field(default=None, ge=1, le=180)
    break_earliest: ClockTime | None = Field(default=None)
    break_latest: ClockTime | None = Field(default=None)
    on_call_phone: str | None = Field(default=None, max_length=40)


class AreaRead(ReadSchema):
    """A stored contract area."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 1, **_EXAMPLE}]})

    id: int
    name: str
    provider: str
    boundary: Boundary
    base_lat: float
    base_lon: float
    base_address: str | None
    crews_per_night: int
    shift_start: str
    shift_end: str
    cutoff_time: str
    publish_time: str
    timezone: str
    start_date: date
    end_date: date | None
    speed_kmh: float
    circuity: float
    stop_minutes: float
    break_minutes: int | None
    break_earliest: str | None
    break_latest: str | None
    on_call_phone: str | None
