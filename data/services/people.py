"""People receiving care: where they live (and so their area), their requests and secrets.

The area is never chosen by hand: it is the contract area whose boundary holds the person's
home. Access notes, the key-safe code and the household's phone (with who answers it) are
encrypted at rest; they are shown only to the area's coordinators and to the crew assigned to
the person that night, and every read is audited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from shapely import Point
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data.errors import Conflict, Forbidden, Invalid, NotFound
from data.models import Area, Cancellation, Need, OneOffCall, Person, StoredPlan
from data.services import checks
from data.services.access import CARER, COORDINATOR, Actor, area_filter, require_area
from data.services.areas import boundary_shape
from data.services.audit import record_event, snapshot
from data.services.listing import Page, page_of
from data.services.naming import client_ref, crew_ref
from data.services.needs import call_outside_shift, require_stored_nights_in_care
from data.services.pins import remove_pins_of_calls
from data.services.publication import published_plan
from data.services.rota import resolve_crews
from data.settings import Settings


class Geocoder(Protocol):
    """Finds the coordinates of an address."""

    def locate(self, address: str) -> tuple[float, float] | None:
        """(lat, lon) of `address`, or None when it cannot be found."""
        ...


class GeopyGeocoder:
    """A geocoder backed by geopy (Nominatim), rate-limited to its one request a second."""

    def __init__(self, user_agent: str) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        self._geocode = RateLimiter(Nominatim(user_agent=user_agent).geocode, min_delay_seconds=1)

    def locate(self, address: str) -> tuple[float, float] | None:
        """(lat, lon) of `address` from Nominatim, or None when it finds nothing."""
        found = self._geocode(address)
        return None if found is None else (float(found.latitude), float(found.longitude))


def geocoder_from_settings(settings: Settings) -> Geocoder | None:
    """The configured geocoder, or None when none is (then people need lat and lon)."""
    if settings.geocoder == "nominatim":
        return GeopyGeocoder(settings.geocoder_user_agent)
    return None


@dataclass(frozen=True)
class PersonFields:
    """Everything stored about a person; lat/lon may be left out when a geocoder is set."""

    name: str
    address: str
    start_date: date
    lat: float | None = None
    lon: float | None = None
    gender_request: str | None = None
    access_notes: str | None = None
    key_safe_code: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    risk_notes: str | None = None
    end_date: date | None = None


SECRET_FIELDS = ("access_notes", "key_safe_code", "phone", "contact_name")


@dataclass(frozen=True)
class PersonSecrets:
    """A person's access notes, key-safe code, phone and who answers it, as read (and
    audited) for one actor."""

    person_id: int
    access_notes: str | None
    key_safe_code: str | None
    phone: str | None = None
    contact_name: str | None = None


def area_containing(
    session: Session, lat: float, lon: float, areas: Sequence[Area] | None = None
) -> Area | None:
    """The contract area whose boundary holds (lat, lon); the lowest id when boundaries overlap."""
    candidates = areas if areas is not None else session.scalars(select(Area).order_by(Area.id))
    point = Point(lon, lat)
    for area in candidates:
        if boundary_shape(area.boundary).covers(point):
            return area
    return None


def _locate(fields: PersonFields, geocoder: Geocoder | None) -> tuple[float, float]:
    if fields.lat is not None and fields.lon is not None:
        lat, lon = fields.lat, fields.lon
    elif fields.lat is not None or fields.lon is not None:
        raise Invalid("give both lat and lon, or neither", "lon" if fields.lon is None else "lat")
    elif geocoder is None:
        raise Invalid("give lat and lon: no geocoder is configured to find the address", "lat")
    else:
        found = geocoder.locate(fields.address)
        if found is None:
            raise Invalid("the geocoder cannot find this address; give lat and lon", "address")
        lat, lon = found
    if not -90 <= lat <= 90:
        raise Invalid("must be a latitude from -90 to 90", "lat")
    if not -180 <= lon <= 180:
        raise Invalid("must be a longitude from -180 to 180", "lon")
    return lat, lon


def _check(
    session: Session,
    actor: Actor,
    fields: PersonFields,
    geocoder: Geocoder | None,
    areas: Sequence[Area] | None = None,
) -> tuple[PersonFields, Area]:
    name = checks.text_required(fields.name, "name")
    address = checks.text_required(fields.address, "address", 500)
    lat, lon = _locate(fields, geocoder)
    area = area_containing(session, lat, lon, areas)
    if area is None:
        raise Invalid(
            f"this home ({lat:.5f}, {lon:.5f}) lies outside every contract area's boundary",
            "lat" if fields.lat is not None else "address",
        )
    if actor.role == COORDINATOR and area.id not in actor.area_ids:
        raise Invalid(f"this home lies in {area.name}, which you do not coordinate", "lat")
    checks.gender(fields.gender_request, "gender_request", optional=True)
    phone = checks.phone(fields.phone, "phone")
    contact_name = checks.text_optional(fields.contact_name, "contact_name")
    checks.date_range(fields.start_date, fields.end_date)
    checked = PersonFields(
        name=name,
        address=address,
        start_date=fields.start_date,
        lat=lat,
        lon=lon,
        gender_request=fields.gender_request,
        access_notes=fields.access_notes or None,
        key_safe_code=fields.key_safe_code or None,
        phone=phone,
        contact_name=contact_name,
        risk_notes=fields.risk_notes or None,
        end_date=fields.end_date,
    )
    return checked, area


def create_person(
    session: Session,
    actor: Actor,
    fields: PersonFields,
    *,
    geocoder: Geocoder | None = None,
    areas: Sequence[Area] | None = None,
) -> Person:
    """Add a person; their area is the one whose boundary holds their home, found among
    `areas` when given (every area, read once by a caller adding many people), else among
    every stored area."""
    area_filter(actor)
    checked, area = _check(session, actor, fields, geocoder, areas)
    person = Person(area_id=area.id, **checked.__dict__)
    session.add(person)
    session.flush()
    record_event(
        session,
        actor,
        action="create",
        entity="person",
        entity_id=person.id,
        after=snapshot(person),
    )
    return person


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    """One person in an area the actor reaches (their secrets stay unread and unaudited)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} not found")
    require_area(actor, person.area_id, f"person {person_id}")
    return person


def list_people(
    session: Session,
    actor: Actor,
    *,
    area_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Person]:
    """People in the areas the actor reaches (or in one of them), by name."""
    reachable = area_filter(actor)
    query = select(Person).order_by(Person.name, Person.id)
    if reachable is not None:
        query = query.where(Person.area_id.in_(reachable))
    if area_id is not None:
        require_area(actor, area_id, f"area {area_id}")
        query = query.where(Person.area_id == area_id)
    return page_of(session, query, offset=offset, limit=limit)


def update_person(
    session: Session,
    actor: Actor,
    person_id: int,
    changes: Mapping[str, Any],
    *,
    geocoder: Geocoder | None = None,
) -> Person:
    """Change some of a person's fields; a new address without coordinates is geocoded."""
    person = get_person(session, actor, person_id)
    before = snapshot(person)
    current = PersonFields(**{n: getattr(person, n) for n in PersonFields.__dataclass_fields__})
    if "address" in changes and "lat" not in changes and "lon" not in changes and geocoder:
        changes = {**changes, "lat": None, "lon": None}
    checked, area = _check(session, actor, checks.merge_changes(current, changes), geocoder)
    if area.id != person.area_id:
        window = checks.ShiftWindow(area.shift_start, area.shift_end)
        misfit = call_outside_shift(session, window, person_id=person.id)
        if misfit is not None:
            raise Conflict(f"moving to {area.name}: {misfit}; change it first", "lat")
    if (checked.start_date, checked.end_date) != (person.start_date, person.end_date):
        require_stored_nights_in_care(session, person, checked.start_date, checked.end_date)
    for name, value in checked.__dict__.items():
        setattr(person, name, value)
    person.area_id = area.id
    session.flush()
    record_event(
        session,
        actor,
        action="update",
        entity="person",
        entity_id=person.id,
        before=before,
        after=snapshot(person),
    )
    return person


def delete_person(session: Session, actor: Actor, person_id: int) -> None:
    """Remove a person with all their needs, one-off calls and cancellations."""
    person = get_person(session, actor, person_id)
    before = snapshot(person)
    needs = session.scalars(select(Need).where(Need.person_id == person_id)).all()
    one_off_calls = session.scalars(
        select(OneOffCall).where(OneOffCall.person_id == person_id)
    ).all()
    remove_pins_of_calls(
        session,
        actor,
        need_ids=[n.id for n in needs],
        one_off_call_ids=[c.id for c in one_off_calls],
    )
    for entity, records in (
        ("need", needs),
        ("one_off_call", one_off_calls),
        (
            "cancellation",
            session.scalars(select(Cancellation).where(Cancellation.person_id == person_id)).all(),
        ),
    ):
        for record in records:
            record_event(
                session,
                actor,
                action="delete",
                entity=entity,
                entity_id=record.id,
                before=snapshot(record),
            )
    # Links between the person's own needs must go before the needs themselves.
    for need in needs:
        need.after_need_id = None
    session.flush()
    for model in (Need, OneOffCall, Cancellation):
        session.execute(delete(model).where(model.person_id == person_id))
    session.delete(person)
    session.flush()
    record_event(
        session, actor, action="delete", entity="person", entity_id=person_id, before=before
    )


def current_night(area: Area, now: datetime | None = None) -> date:
    """The night under way (or about to start) in the area at `now`: before the shift ends in
    the morning, that is the night that began the day before."""
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(area.timezone))
    minutes = local.hour * 60 + local.minute
    start = checks.clock_minutes(area.shift_start, "shift_start")
    end = checks.clock_minutes(area.shift_end, "shift_end")
    if end < start and minutes < end:
        return local.date() - timedelta(days=1)
    return local.date()


def night_end(area: Area, night: date) -> datetime:
    """The moment the area's shift of `night` ends (the next morning for an overnight shift)."""
    start = checks.clock_minutes(area.shift_start, "shift_start")
    end = checks.clock_minutes(area.shift_end, "shift_end")
    day = night + timedelta(days=1) if end <= start else night
    return datetime.combine(day, time(end // 60, end % 60), tzinfo=ZoneInfo(area.timezone))


def crew_secrets_plan(session: Session, area: Area, night: date) -> StoredPlan:
    """The plan whose rounds say which households' access notes, key-safe codes and phones a
    carer may read on `night`: the night's published plan, and only that.

    A draft does not count: its coordinator may still give the household to another crew, or
    to none. Before publication the carer is refused (Forbidden on `night`); part of
    `require_crew_secrets`, the rule for `/people/{id}/secrets` and a carer's route sheet.
    """
    plan = published_plan(session, area.id, night)
    if plan is None:
        raise Forbidden(
            f"the plan of the night of {night.isoformat()} is not published yet: access notes, "
            "key-safe codes and phones are shown to the crew only from the published plan",
            "night",
        )
    return plan


def _carer_crew_number(session: Session, carer_id: int, area: Area, night: date) -> int | None:
    return next(
        (
            c.crew_number
            for c in resolve_crews(session, area, night)
            if carer_id in (c.carer_a_id, c.carer_b_id)
        ),
        None,
    )


def _crew_visits_person(plan: StoredPlan, area: Area, crew_number: int, person_id: int) -> bool:
    client = client_ref(person_id)
    calls = {c.get("id") for c in plan.problem.get("calls", []) if c.get("client") == client}
    crew_id = crew_ref(area, crew_number)
    for route in plan.plan.get("routes", []):
        if route.get("crew") == crew_id:
            return any(v.get("call") in calls for v in route.get("visits", []))
    return False


def require_crew_secrets(
    session: Session,
    area: Area,
    night: date,
    crew_number: int,
    person_ids: Collection[int],
    now: datetime,
) -> None:
    """Whether crew `crew_number` of `night` may read the access notes, key-safe codes and
    phones of `person_ids` at `now`: returns when it may, raises when it may not.

    The one rule for a carer's `/people/{id}/secrets` and for the codes on their route sheet.
    Forbidden on `night` while the night has no published plan (`crew_secrets_plan`), before
    the day of the night (a code is no use days ahead, and a lost phone would carry it) and
    once its shift has ended; NotFound when the published plan's round of the crew visits one
    of the people not at all (so other crews' households stay hidden).
    """
    plan = crew_secrets_plan(session, area, night)
    for person_id in person_ids:
        if not _crew_visits_person(plan, area, crew_number, person_id):
            raise NotFound(f"person {person_id} not found")
    if night > current_night(area, now):
        raise Forbidden(
            f"the night of {night.isoformat()} has not come: access notes, key-safe codes and "
            f"phones appear on the day of the night, {night.isoformat()}",
            "night",
        )
    if now >= night_end(area, night):
        raise Forbidden(
            f"the shift of the night of {night.isoformat()} is over: access notes, key-safe "
            "codes and phones are shown to the crew only until it ends",
            "night",
        )


def read_person_secrets(
    session: Session,
    actor: Actor,
    person_id: int,
    *,
    night: date | None = None,
    now: datetime | None = None,
) -> PersonSecrets:
    """The person's access notes, key-safe code, phone and contact, for their area's
    coordinators and for a carer whose crew visits them on `night` (default: the night under
    way at `now`, by default the real time) in that night's published plan, from that night's
    day until its shift ends; audited.

    Commissioners are refused (Forbidden): they oversee the contract, they do not open doors.
    A carer is refused by `require_crew_secrets`, the rule their route sheet follows too:
    Forbidden on `night` while the night has only drafts, for a night to come and after its
    shift.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} not found")
    if actor.role == CARER:
        area = session.get(Area, person.area_id)
        if area is None or actor.carer_id is None:
            raise NotFound(f"person {person_id} not found")
        at = now or datetime.now(UTC)
        visited = night or current_night(area, at)
        crew_number = _carer_crew_number(session, actor.carer_id, area, visited)
        if crew_number is None:
            raise NotFound(f"person {person_id} not found")
        require_crew_secrets(session, area, visited, crew_number, (person_id,), at)
    elif actor.role == COORDINATOR:
        require_area(actor, person.area_id, f"person {person_id}")
    else:
        raise Forbidden(
            "access notes, key-safe codes and phones are shown only to coordinators and the crew"
        )
    record_event(
        session,
        actor,
        action="read-secret",
        entity="person",
        entity_id=person_id,
        after={"fields": list(SECRET_FIELDS)},
    )
    session.flush()
    return PersonSecrets(
        person_id,
        person.access_notes,
        person.key_safe_code,
        phone=person.phone,
        contact_name=person.contact_name,
    )
