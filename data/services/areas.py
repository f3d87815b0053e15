"""Contract areas: create, read, list, change, remove; the boundary is checked with shapely."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shapely import Point
from shapely.errors import GeometryTypeError, ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid, NotFound
from data.models import Area, Carer, Person, RotaCrew, StoredPlan
from data.services import checks
from data.services.access import COMMISSIONER, Actor, area_filter, require_area, require_role
from data.services.audit import record_event, snapshot
from data.services.listing import Page, page_of
from data.services.needs import call_outside_shift
from data.services.rota import double_booking_with_crews
from data.services.uniqueness import flush_unique


@dataclass(frozen=True)
class AreaFields:
    """Everything stored about a contract area."""

    name: str
    provider: str
    boundary: dict[str, Any]
    base_lat: float
    base_lon: float
    crews_per_night: int
    shift_start: str
    shift_end: str
    cutoff_time: str
    publish_time: str
    timezone: str
    start_date: date
    end_date: date | None = None
    speed_kmh: float = 48.0
    circuity: float = 1.3
    stop_minutes: float = 3.0
    break_minutes: int | None = None
    break_earliest: str | None = None
    break_latest: str | None = None
    on_call_phone: str | None = None
    base_address: str | None = None


LONGEST_BASE_ADDRESS = 300
BREAK_FIELDS = ("break_minutes", "break_earliest", "break_latest")
LONGEST_BREAK_MINUTES = 180


def boundary_shape(boundary: Mapping[str, Any], field: str = "boundary") -> BaseGeometry:
    """The shapely geometry of a GeoJSON Polygon or MultiPolygon that is valid and not empty."""
    kind = boundary.get("type") if isinstance(boundary, Mapping) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise Invalid("must be a GeoJSON Polygon or MultiPolygon", field)
    try:
        geometry = shape(dict(boundary))
    except (GeometryTypeError, ShapelyError, ValueError, TypeError, IndexError, KeyError) as error:
        raise Invalid(f"is not a readable GeoJSON {kind}: {error}", field) from None
    if geometry.is_empty:
        raise Invalid("is empty: it must enclose some ground", field)
    if not geometry.is_valid:
        raise Invalid(f"is not a valid shape ({explain_validity(geometry)})", field)
    if geometry.area == 0:
        raise Invalid("is empty: it must enclose some ground", field)
    west, south, east, north = geometry.bounds
    if not (-180 <= west and east <= 180 and -90 <= south and north <= 90):
        raise Invalid("has points that are not longitude, latitude pairs in degrees", field)
    return geometry


def _require_closed_rings(boundary: Mapping[str, Any]) -> None:
    """GeoJSON rings end where they start, with four positions at least. Shapely closes an
    open ring by itself, but the boundary is stored and handed on as written, to maps and
    files that may not."""
    coordinates = boundary["coordinates"]
    polygons = [coordinates] if boundary["type"] == "Polygon" else coordinates
    for ring in (ring for polygon in polygons for ring in polygon):
        if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
            raise Invalid(
                f"each ring must end where it starts, with 4 positions or more: the ring from "
                f"{list(ring[0])} ends at {list(ring[-1])} after {len(ring)} positions",
                "boundary",
            )


def _check(fields: AreaFields) -> AreaFields:
    name = checks.text_required(fields.name, "name", 120)
    provider = checks.text_required(fields.provider, "provider")
    geometry = boundary_shape(fields.boundary)
    _require_closed_rings(fields.boundary)
    if not -90 <= fields.base_lat <= 90:
        raise Invalid("must be a latitude from -90 to 90", "base_lat")
    if not -180 <= fields.base_lon <= 180:
        raise Invalid("must be a longitude from -180 to 180", "base_lon")
    if not geometry.covers(Point(fields.base_lon, fields.base_lat)):
        raise Invalid("the base must lie inside the area's boundary", "base_lat")
    if not isinstance(fields.crews_per_night, int) or not 1 <= fields.crews_per_night <= 50:
        raise Invalid("must be a whole number from 1 to 50", "crews_per_night")
    for field in ("shift_start", "shift_end", "cutoff_time", "publish_time"):
        checks.clock_minutes(getattr(fields, field), field)
    # The scheduler closes needs and then publishes, both on the night's own date.
    if checks.clock_minutes(fields.publish_time, "publish_time") <= checks.clock_minutes(
        fields.cutoff_time, "cutoff_time"
    ):
        raise Invalid(
            f"must be later in the day than the cut-off ({fields.cutoff_time}): the plan is "
            "published after needs close",
            "publish_time",
        )
    if fields.shift_start == fields.shift_end:
        raise Invalid("the shift must end at a different time from when it starts", "shift_end")
    if not 0 < fields.speed_kmh <= 200:
        raise Invalid("must be more than 0 and at most 200 km/h", "speed_kmh")
    if not 1 <= fields.circuity <= 5:
        raise Invalid(
            "must be from 1 (roads are never shorter than the crow flies) to 5", "circuity"
        )
    if not 0 <= fields.stop_minutes <= 120:
        raise Invalid("must be from 0 to 120 minutes", "stop_minutes")
    checks.timezone_name(fields.timezone)
    checks.date_range(fields.start_date, fields.end_date)
    _check_break(fields)
    return AreaFields(
        **{
            **fields.__dict__,
            "name": name,
            "provider": provider,
            "on_call_phone": checks.phone(fields.on_call_phone, "on_call_phone"),
            "base_address": checks.text_optional(
                fields.base_address, "base_address", LONGEST_BASE_ADDRESS
            ),
            # Only the geometry is kept: other GeoJSON members (properties, bbox) are dropped.
            "boundary": {
                "type": fields.boundary["type"],
                "coordinates": fields.boundary["coordinates"],
            },
        }
    )


def _check_break(fields: AreaFields) -> None:
    """The crews' break: all three fields or none, and it starts and ends inside the shift."""
    minutes, earliest, latest = fields.break_minutes, fields.break_earliest, fields.break_latest
    if minutes is None and earliest is None and latest is None:
        return
    if minutes is None or earliest is None or latest is None:
        missing = next(name for name in BREAK_FIELDS if getattr(fields, name) is None)
        raise Invalid(
            "a break needs break_minutes, break_earliest and break_latest together "
            "(or none of them for no break)",
            missing,
        )
    if not isinstance(minutes, int) or not 1 <= minutes <= LONGEST_BREAK_MINUTES:
        raise Invalid(
            f"must be a whole number of minutes from 1 to {LONGEST_BREAK_MINUTES}", "break_minutes"
        )
    window = checks.ShiftWindow(fields.shift_start, fields.shift_end)
    shift = f"{fields.shift_start}-{fields.shift_end}"
    first = window.offset(earliest, "break_earliest")
    last = window.offset(latest, "break_latest")
    if first >= window.length:
        raise Invalid(f"{earliest} is outside the area's night shift {shift}", "break_earliest")
    if last >= window.length:
        raise Invalid(f"{latest} is outside the area's night shift {shift}", "break_latest")
    if last < first:
        raise Invalid(
            f"the break's latest start ({latest}) is before its earliest ({earliest})",
            "break_latest",
        )
    if last + minutes > window.length:
        raise Invalid(
            f"a {minutes}-minute break starting as late as {latest} would run past "
            f"the end of the shift at {fields.shift_end}",
            "break_latest",
        )


# Ground two boundaries may share without overlapping: floating-point noise along an edge
# they both follow, far smaller than any home.
OVERLAP_TOLERANCE_KM2 = 1e-6
KM_PER_DEGREE = 111.32


def _square_km(geometry: BaseGeometry) -> float:
    """The ground a small lon/lat shape covers, in km², on a flat earth at its latitude."""
    latitude = geometry.centroid.y
    return geometry.area * KM_PER_DEGREE**2 * math.cos(math.radians(latitude))


# PostgreSQL advisory lock taken by every boundary being drawn or redrawn (any number will do,
# so long as nothing else takes it): "nightcar" in ASCII.
BOUNDARY_LOCK_KEY = 0x6E69676874636172


def _lock_boundaries(session: Session) -> None:
    """Wait until no other transaction is drawing a boundary, and hold that till commit.

    Under PostgreSQL's read committed, two commissioners drawing overlapping areas at once
    would each find the other's ground free; SQLite already lets one writer in at a time
    (data/database.py begins every writing transaction IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOUNDARY_LOCK_KEY})


def _require_no_overlap(session: Session, geometry: BaseGeometry, area_id: int | None) -> None:
    """Refuse (Conflict on `boundary`) a boundary whose ground overlaps another area's: a home
    in both would belong to whichever area is older. Sharing an edge is fine."""
    _lock_boundaries(session)
    query = select(Area.id, Area.name, Area.boundary).order_by(Area.id)
    if area_id is not None:
        query = query.where(Area.id != area_id)
    for other in session.execute(query):
        other_shape = boundary_shape(other.boundary)
        if not geometry.intersects(other_shape) or geometry.touches(other_shape):
            continue
        overlap = geometry.intersection(other_shape)
        km2 = _square_km(overlap)
        if km2 <= OVERLAP_TOLERANCE_KM2:
            continue
        # The overlap of two convex areas holds its centroid; of others it may not.
        centre = overlap.centroid
        if not overlap.covers(centre):
            centre = overlap.representative_point()
        size = f"{km2:.2f} km²" if km2 >= 0.01 else f"{km2 * 1_000_000:.0f} m²"
        raise Conflict(
            f"this boundary overlaps {other.name} (area {other.id}) by about {size} "
            f"around {centre.y:.4f}, {centre.x:.4f} (lat, lon); areas may share an edge but "
            "not ground, or a home there would be in both",
            "boundary",
        )


def _fields_of(area: Area) -> AreaFields:
    return AreaFields(**{name: getattr(area, name) for name in AreaFields.__dataclass_fields__})


def _name_taken(session: Session, name: str, other_than: int | None) -> bool:
    query = select(Area.id).where(Area.name == name)
    if other_than is not None:
        query = query.where(Area.id != other_than)
    return session.scalar(query) is not None


def create_area(session: Session, actor: Actor, fields: AreaFields) -> Area:
    """Add a contract area (commissioners only)."""
    require_role(actor, COMMISSIONER)
    checked = _check(fields)
    if _name_taken(session, checked.name, None):
        raise Conflict(f"an area called {checked.name!r} already exists", "name")
    _require_no_overlap(session, boundary_shape(checked.boundary), None)
    area = Area(**checked.__dict__)
    flush_unique(session, area, f"an area called {checked.name!r} already exists", "name")
    record_event(
        session, actor, action="create", entity="area", entity_id=area.id, after=snapshot(area)
    )
    return area


def get_area(session: Session, actor: Actor, area_id: int) -> Area:
    """One area the actor reaches."""
    require_area(actor, area_id, f"area {area_id}")
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def list_areas(session: Session, actor: Actor, *, offset: int = 0, limit: int = 50) -> Page[Area]:
    """The areas the actor reaches, by name."""
    reachable = area_filter(actor)
    query = select(Area).order_by(Area.name, Area.id)
    if reachable is not None:
        query = query.where(Area.id.in_(reachable))
    return page_of(session, query, offset=offset, limit=limit)


def update_area(session: Session, actor: Actor, area_id: int, changes: Mapping[str, Any]) -> Area:
    """Change some of an area's fields (commissioners only)."""
    area = get_area(session, actor, area_id)
    require_role(actor, COMMISSIONER)
    before = snapshot(area)
    checked = _check(checks.merge_changes(_fields_of(area), changes))
    if _name_taken(session, checked.name, area.id):
        raise Conflict(f"an area called {checked.name!r} already exists", "name")
    if checked.boundary != area.boundary:
        geometry = boundary_shape(checked.boundary)
        _require_people_inside(session, area.id, geometry)
        _require_no_overlap(session, geometry, area.id)
    if checked.crews_per_night > area.crews_per_night:
        clash = double_booking_with_crews(session, area, checked.crews_per_night)
        if clash is not None:
            raise Conflict(f"{clash}; change that night's rota first", "crews_per_night")
    if (checked.shift_start, checked.shift_end) != (area.shift_start, area.shift_end):
        window = checks.ShiftWindow(checked.shift_start, checked.shift_end)
        misfit = call_outside_shift(session, window, area_id=area.id)
        if misfit is not None:
            raise Conflict(f"{misfit}; change it first", "shift_start")
    for name, value in checked.__dict__.items():
        setattr(area, name, value)
    flush_unique(session, area, f"an area called {checked.name!r} already exists", "name")
    record_event(
        session,
        actor,
        action="update",
        entity="area",
        entity_id=area.id,
        before=before,
        after=snapshot(area),
    )
    return area


def _require_people_inside(session: Session, area_id: int, geometry: BaseGeometry) -> None:
    """Refuse a boundary that would leave some of the area's people outside it: their homes
    would then lie in no area, or another one, while their calls stayed with this one."""
    homes = session.execute(
        select(Person.id, Person.name, Person.lat, Person.lon)
        .where(Person.area_id == area_id)
        .order_by(Person.id)
    ).all()
    outside = [home for home in homes if not geometry.covers(Point(home.lon, home.lat))]
    if outside:
        first = outside[0]
        others = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
        raise Conflict(
            f"{first.name} (person {first.id}){others} would live outside the new boundary; "
            "move them to another area first",
            "boundary",
        )


def delete_area(session: Session, actor: Actor, area_id: int) -> None:
    """Remove an area that holds no carers, people, rota or plans (commissioners only)."""
    area = get_area(session, actor, area_id)
    require_role(actor, COMMISSIONER)
    for model, what in (
        (Carer, "carers"),
        (Person, "people"),
        (RotaCrew, "a rota"),
        (StoredPlan, "plans"),
    ):
        if session.scalar(select(exists().where(model.area_id == area_id))):
            raise Conflict(f"area {area_id} still has {what}; remove them first")
    before = snapshot(area)
    session.delete(area)
    session.flush()
    record_event(session, actor, action="delete", entity="area", entity_id=area_id, before=before)
