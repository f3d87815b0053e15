"""Keyword-only factories for stored records: two neighbouring square areas in Shropshire.

"West" spans longitudes -3.0 to -2.8 and "East" -2.8 to -2.6, both latitudes 52.4 to 52.6;
the night shift is 22:00-07:00 in Europe/London.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from data.models import Area, Carer, Need, Person
from data.services.access import COMMISSIONER, COORDINATOR, SYSTEM, Actor
from data.services.areas import AreaFields, create_area
from data.services.carers import CarerFields, create_carer
from data.services.needs import NeedFields, create_need
from data.services.people import PersonFields, create_person

START = date(2026, 1, 1)


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A GeoJSON Polygon of the box between these longitudes and latitudes."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def area_fields(*, name: str = "West", west: float = -3.0, **overrides: Any) -> AreaFields:
    """Fields of a square area 0.2° wide with its base in the middle."""
    values: dict[str, Any] = {
        "name": name,
        "provider": "Hills Care Ltd",
        "boundary": square(west, 52.4, west + 0.2, 52.6),
        "base_lat": 52.5,
        "base_lon": west + 0.1,
        "crews_per_night": 2,
        "shift_start": "22:00",
        "shift_end": "07:00",
        "cutoff_time": "14:00",
        "publish_time": "17:00",
        "timezone": "Europe/London",
        "start_date": START,
    }
    values.update(overrides)
    return AreaFields(**values)


def an_area(session: Session, *, name: str = "West", west: float = -3.0, **overrides: Any) -> Area:
    """A stored area (see `area_fields`)."""
    return create_area(session, SYSTEM, area_fields(name=name, west=west, **overrides))


def a_carer(
    session: Session, *, area: Area, name: str = "Anne", gender: str = "F", **overrides: Any
) -> Carer:
    """A stored active carer of `area`."""
    return create_carer(
        session, SYSTEM, CarerFields(area_id=area.id, name=name, gender=gender, **overrides)
    )


def a_person(
    session: Session,
    *,
    lat: float = 52.5,
    lon: float = -2.9,
    name: str = "Mr Evans",
    **overrides: Any,
) -> Person:
    """A stored person living at (lat, lon) (by default inside West)."""
    values: dict[str, Any] = {"address": "1 High Street", "start_date": START}
    values.update(overrides)
    fields = PersonFields(name=name, lat=lat, lon=lon, **values)
    return create_person(session, SYSTEM, fields)


def need_fields(*, person: Person, **overrides: Any) -> NeedFields:
    """Fields of a 30-minute reposition every night, starting 23:00-23:30."""
    values: dict[str, Any] = {
        "person_id": person.id,
        "label": "reposition",
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "start_date": START,
        "earliest": "23:00",
        "latest": "23:30",
        "minutes": 30,
    }
    values.update(overrides)
    return NeedFields(**values)


def a_need(session: Session, *, person: Person, **overrides: Any) -> Need:
    """A stored recurring need (see `need_fields`)."""
    return create_need(session, SYSTEM, need_fields(person=person, **overrides))


def commissioner(user_id: int | None = None) -> Actor:
    """A commissioner (all areas)."""
    return Actor(user_id=user_id, role=COMMISSIONER)


def coordinator_of(*areas: Area, user_id: int | None = None) -> Actor:
    """A coordinator of `areas`."""
    return Actor(user_id=user_id, role=COORDINATOR, area_ids=frozenset(a.id for a in areas))
