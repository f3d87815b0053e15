"""The demo county: four contract areas on the Shropshire / Powys border, filled with synthetic
carers, a rota, about 120 people and their night needs, and the users who sign in to it.

Everything goes in through the same services the API uses, so the demo obeys every rule a
coordinator's input does (boundaries, shifts, after-links, crews of two). The towns are real,
at approximate coordinates; the boundaries are simplified and tile the county without
overlapping; every person, address, code and note is invented. The same seed always gives the
same county; tonight's rota change, one-off calls and cancellations go on the night it is
loaded for.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shapely import Point, Polygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid
from data.models import Area, Carer, Need, OneOffCall, Person
from data.services.access import SYSTEM
from data.services.areas import AreaFields, create_area
from data.services.carers import CarerFields, create_carer
from data.services.needs import (
    CancellationFields,
    NeedFields,
    OneOffFields,
    create_cancellation,
    create_need,
    create_one_off_call,
)
from data.services.people import PersonFields, create_person
from data.services.rota import set_rota_change, set_rota_crew
from data.services.users import SHORTEST_PASSWORD, add_user, set_password, user_by_username
from routing.rural_night import SHIFT_END, SHIFT_START, TOWNS, Town, generate_night

DEMO_SEED = 2026
# The most earlier nights `nightcare demo --history` publishes: the demo contracts start at
# least this many nights before the night the county is loaded for, so each can be planned.
DEMO_HISTORY_NIGHTS = 30
COMMISSIONER_USERNAME = "commissioner"
ALL_NIGHTS = [0, 1, 2, 3, 4, 5, 6]
SKILLS = ("catheter", "hoist", "medication", "peg")
# Every demo crew rests half an hour, starting between 01:00 and 04:00.
DEMO_BREAK_MINUTES = 30
DEMO_BREAK_EARLIEST = "01:00"
DEMO_BREAK_LATEST = "04:00"
# Homes are kept this far (degrees, about 300 m) inside their area, never on a shared edge.
_EDGE_MARGIN = 0.003

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class DemoArea:
    """One contract area of the demo county: where it is, who runs it, how big it is."""

    key: str
    name: str
    provider: str
    base: str
    towns: tuple[str, ...]
    boundary: Ring
    crews: int
    people: int
    base_address: str

    def polygon(self) -> Polygon:
        """The boundary as a shapely polygon (lon, lat)."""
        return Polygon(self.boundary)

    def geojson(self) -> dict[str, Any]:
        """The boundary as a GeoJSON Polygon, ring closed."""
        ring = [[lon, lat] for lon, lat in self.boundary]
        return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}

    @property
    def coordinator(self) -> str:
        """The username of the area's coordinator."""
        return f"coordinator-{self.key}"


# Shared vertices (lon, lat): each edge between two areas is written identically in both rings.
_NW, _NE = (-3.14, 53.05), (-2.25, 53.05)
_NORTH_EDGE = ((-2.25, 52.78), (-2.60, 52.78), (-2.78, 52.83), (-2.90, 52.83), (-3.14, 52.80))
_WELSH_EDGE_NORTH = ((-3.14, 52.80), (-3.03, 52.70), (-3.03, 52.60))
_SOUTH_EDGE = ((-3.03, 52.60), (-2.85, 52.60), (-2.68, 52.58), (-2.56, 52.48), (-2.25, 52.46))
_WELSH_EDGE_SOUTH = ((-3.03, 52.60), (-3.08, 52.53), (-3.12, 52.47), (-3.16, 52.40), (-3.16, 52.20))

DEMO_AREAS: tuple[DemoArea, ...] = (
    DemoArea(
        key="north",
        name="North Shropshire",
        provider="Meres and Mosses Night Care Ltd",
        base="Wem",
        towns=("Whitchurch", "Market Drayton", "Wem", "Ellesmere", "Oswestry"),
        boundary=(_NW, _NE, *_NORTH_EDGE),
        crews=3,
        people=30,
        base_address="Meres and Mosses night base, High Street, Wem",
    ),
    DemoArea(
        key="shrewsbury",
        name="Shrewsbury and Severn",
        provider="Severn Vale Home Support",
        base="Shrewsbury",
        towns=("Shrewsbury", "Shifnal", "Much Wenlock", "Bridgnorth", "Pontesbury", "Baschurch"),
        boundary=(
            *reversed(_NORTH_EDGE),
            *reversed(_SOUTH_EDGE),
            *_WELSH_EDGE_NORTH[1:-1],
        ),
        crews=4,
        people=38,
        base_address="Severn Vale night base, Castle Street, Shrewsbury",
    ),
    DemoArea(
        key="south",
        name="South Shropshire",
        provider="Teme and Clun Night Care",
        base="Craven Arms",
        towns=(
            "Ludlow",
            "Church Stretton",
            "Craven Arms",
            "Bishop's Castle",
            "Clun",
            "Cleobury Mortimer",
            "Knighton",
            "Presteigne",
        ),
        boundary=(*_SOUTH_EDGE, (-2.25, 52.20), *reversed(_WELSH_EDGE_SOUTH[1:])),
        crews=3,
        people=30,
        base_address="Teme and Clun night base, Market Street, Craven Arms",
    ),
    DemoArea(
        key="montgomeryshire",
        name="Montgomeryshire",
        provider="Gofal Nos Hafren",
        base="Newtown",
        towns=("Newtown", "Welshpool", "Llanidloes", "Montgomery", "Llanfyllin"),
        boundary=(
            (-3.65, 53.05),
            _NW,
            *_WELSH_EDGE_NORTH,
            *_WELSH_EDGE_SOUTH[1:],
            (-3.65, 52.20),
        ),
        crews=2,
        people=22,
        base_address="Gofal Nos Hafren night base, Broad Street, Newtown",
    ),
)

_WOMEN = (
    "Anne Beryl Carol Dilys Edna Freda Gwyneth Hilda Irene Joan Kathleen Lilian Margaret Nancy"
    " Olive Peggy Rita Sheila Thelma Valerie Winifred Audrey Brenda Doreen Elsie Glenys Iris"
    " Jean Maureen Pauline"
).split()
_MEN = "Albert Bernard Cyril Dennis Emlyn Frank Gwilym Harold Idris Kenneth Leonard Trevor".split()
_SURNAMES = (
    "Baxter Bevan Corbett Davies Edwards Evans Griffiths Hughes Jarvis Jones Kynaston Lloyd"
    " Meredith Morgan Owen Parry Powell Price Pugh Rees Roberts Rowlands Thomas Tudor Vaughan"
    " Watkins Williams Wynne"
).split()
_CARER_WOMEN = (
    "Alys Bethan Catrin Delyth Eira Ffion Gemma Hannah Jade Kerry Lowri Megan Nia Rhian Sian"
    " Tegan Zoe Amy Chloe Dawn"
).split()
_CARER_MEN = "Dafydd Gareth Huw Owen Rhys Tom".split()
_STREETS = (
    "Church Street",
    "Mill Lane",
    "High Street",
    "Castle View",
    "Station Road",
    "Orchard Close",
    "The Green",
    "Brook Lane",
    "Severn Way",
    "Chapel Row",
    "Meadow Rise",
    "Old School Lane",
)
_ACCESS_NOTES = (
    "Key safe left of the front door; please ring the bell before letting yourselves in.",
    "Use the back door (side gate, no latch). Dog is shut in the kitchen at night.",
    "Daughter leaves the porch light on; key safe behind the water butt.",
    "Ground-floor flat, entry by the communal door: key safe opens both doors.",
    "Farm track for the last half mile; park in the yard, not the lane.",
    "Bungalow at the end of the cul-de-sac; key safe on the garage wall.",
)
# Who answers the phone when it is not the person's own: next of kin, on a mobile.
_NEXT_OF_KIN = (
    "daughter, Sue",
    "son, David",
    "husband, Alan",
    "niece, Priya",
    "neighbour, Mrs Evans",
)
# Ofcom's numbers for drama (01632 960000-960999, 07700 900000-900999): they ring no one.
_PEOPLE_PER_AREA_NUMBERS = 200


def demo_person_phone(area_index: int, number: int) -> tuple[str, str | None]:
    """The made-up phone of the `number`th person of the `area_index`th demo area and who
    answers it: every third a next of kin's mobile, the others the home's own line."""
    serial = area_index * _PEOPLE_PER_AREA_NUMBERS + number
    if number % 3 == 2:
        return f"07700 900{serial:03d}", _NEXT_OF_KIN[serial % len(_NEXT_OF_KIN)]
    return f"01632 960{serial:03d}", None


def demo_on_call_phone(area_index: int) -> str:
    """The made-up night line of the `area_index`th demo area (above every person's number)."""
    return f"01632 960{990 + area_index:03d}"


_RISK_NOTES = (
    "Lives alone; history of falls at night.",
    "Oxygen in use: no naked flames.",
    "Pressure area on the left heel: check and record.",
    "Can be confused on waking; speak before touching.",
    None,
    None,
)
_ONE_OFF_CALLS = (
    ("welfare check after hospital discharge", "23:00", "00:30", 20, "standard", ()),
    ("eye drops (new prescription)", "22:30", "23:15", 10, "critical", ("medication",)),
    (
        "check catheter bag after district nurse visit",
        "00:00",
        "01:00",
        15,
        "standard",
        ("catheter",),
    ),
)
_CANCELLATIONS = (
    ("in hospital", "admitted to the Royal Shrewsbury this afternoon"),
    ("family staying", "son staying for the week and doing the night calls"),
    ("in hospital", "admitted after a fall; ward to call when discharged"),
    ("respite", "respite week at a care home in Welshpool"),
)


@dataclass(frozen=True)
class DemoSignIn:
    """A user made for the demo and the password they sign in with (shown once)."""

    username: str
    role: str
    areas: tuple[str, ...]
    password: str


@dataclass(frozen=True)
class DemoCounty:
    """What the demo county holds, and whether this call loaded it or found it loaded.

    `sign_ins` is empty when the county was already loaded and no new password was given:
    passwords are shown only once.
    """

    area_ids: tuple[int, ...]
    newly_loaded: bool
    sign_ins: tuple[DemoSignIn, ...] = ()


@dataclass(frozen=True)
class DemoCountySize:
    """How many carers, people, recurring needs and one-off calls the given areas hold."""

    carers: int
    people: int
    needs: int
    one_off_calls: int


def demo_county_size(session: Session, area_ids: Sequence[int]) -> DemoCountySize:
    """Count the carers, people, needs and one-off calls of `area_ids` (four queries)."""
    ids = list(area_ids)

    def count_of_people(model: type[Need] | type[OneOffCall]) -> int:
        query = (
            select(func.count())
            .select_from(model)
            .join(Person, Person.id == model.person_id)
            .where(Person.area_id.in_(ids))
        )
        return session.scalar(query) or 0

    return DemoCountySize(
        carers=session.scalar(select(func.count()).where(Carer.area_id.in_(ids))) or 0,
        people=session.scalar(select(func.count()).where(Person.area_id.in_(ids))) or 0,
        needs=count_of_people(Need),
        one_off_calls=count_of_people(OneOffCall),
    )


def town(name: str) -> Town:
    """The county town called `name`."""
    return next(t for t in TOWNS if t.name == name)


def loaded_demo_area_ids(session: Session) -> tuple[int, ...] | None:
    """The ids of the demo areas (in DEMO_AREAS order) when loaded, None when none is.

    Raises Conflict when only some of the demo areas' names are taken: that database holds
    other areas with those names, and the demo must not be mixed into it.
    """
    names = [a.name for a in DEMO_AREAS]
    query = select(Area.id, Area.name).where(Area.name.in_(names))
    found = {name: area_id for area_id, name in session.execute(query)}
    if not found:
        return None
    if len(found) < len(names):
        missing = ", ".join(n for n in names if n not in found)
        raise Conflict(
            f"this database has some of the demo county's areas but not {missing}; "
            "load the demo into an empty database",
            "database",
        )
    return tuple(found[n] for n in names)


def load_demo_county(
    session: Session, *, night: date, password: str | None = None, seed: int = DEMO_SEED
) -> DemoCounty:
    """Load the demo county, with tonight's changes on `night`, unless it is loaded already.

    Users get `password`, or each a random one (returned in `sign_ins`, stored only hashed).
    When the county is loaded already, a `password` is given to its demo users instead (so a
    lost password can be replaced), and nothing else changes.
    Flushes, never commits: the caller owns the transaction.
    """
    if password is not None and len(password) < SHORTEST_PASSWORD:
        raise Invalid(f"must be at least {SHORTEST_PASSWORD} characters", "password")
    existing = loaded_demo_area_ids(session)
    if existing is not None:
        if password is None:
            return DemoCounty(area_ids=existing, newly_loaded=False)
        return DemoCounty(
            area_ids=existing,
            newly_loaded=False,
            sign_ins=_new_demo_passwords(session, password),
        )
    rng = random.Random(seed)
    area_ids = []
    crew_one_leads = []
    for index, spec in enumerate(DEMO_AREAS):
        area_id, crew_one_lead = _load_area(session, spec, index, night, rng)
        area_ids.append(area_id)
        crew_one_leads.append(crew_one_lead)
    sign_ins = [
        DemoSignIn(
            COMMISSIONER_USERNAME,
            "commissioner",
            tuple(a.name for a in DEMO_AREAS),
            password or secrets.token_urlsafe(12),
        )
    ]
    sign_ins += [
        DemoSignIn(
            spec.coordinator, "coordinator", (spec.name,), password or secrets.token_urlsafe(12)
        )
        for spec in DEMO_AREAS
    ]
    for sign_in, user_area in zip(sign_ins, (None, *area_ids), strict=True):
        add_user(
            session,
            username=sign_in.username,
            password=sign_in.password,
            role=sign_in.role,
            area_ids=() if user_area is None else (user_area,),
            email=None if user_area is None else f"{sign_in.username}@example.org",
        )
    # One carer per area signs in to see a route sheet: the lead of tonight's crew 1.
    for spec, carer_id in zip(DEMO_AREAS, crew_one_leads, strict=True):
        carer_sign_in = DemoSignIn(
            f"carer-{spec.key}", "carer", (spec.name,), password or secrets.token_urlsafe(12)
        )
        add_user(
            session,
            username=carer_sign_in.username,
            password=carer_sign_in.password,
            role=carer_sign_in.role,
            carer_id=carer_id,
        )
        sign_ins.append(carer_sign_in)
    return DemoCounty(area_ids=tuple(area_ids), newly_loaded=True, sign_ins=tuple(sign_ins))


def _new_demo_passwords(session: Session, password: str) -> tuple[DemoSignIn, ...]:
    """Give the loaded demo users still there `password`; their sign-ins."""
    names = tuple(a.name for a in DEMO_AREAS)
    wanted = [DemoSignIn(COMMISSIONER_USERNAME, "commissioner", names, password)]
    wanted += [DemoSignIn(a.coordinator, "coordinator", (a.name,), password) for a in DEMO_AREAS]
    wanted += [DemoSignIn(f"carer-{a.key}", "carer", (a.name,), password) for a in DEMO_AREAS]
    changed = []
    for sign_in in wanted:
        user = user_by_username(session, sign_in.username)
        if user is not None:
            set_password(session, user, password)
            changed.append(sign_in)
    return tuple(changed)


def demo_area_fields(spec: DemoArea, index: int, night: date) -> AreaFields:
    """The stored settings of demo area `spec` (the `index`-th), open since before `night`'s
    history of published nights."""
    base = town(spec.base)
    return AreaFields(
        name=spec.name,
        provider=spec.provider,
        boundary=spec.geojson(),
        base_lat=base.lat,
        base_lon=base.lon,
        crews_per_night=spec.crews,
        shift_start=SHIFT_START,
        shift_end=SHIFT_END,
        cutoff_time="18:00",
        publish_time="20:00",
        timezone="Europe/London",
        start_date=min(date(2024, 4, 1), night - timedelta(days=DEMO_HISTORY_NIGHTS)),
        speed_kmh=50.0,
        circuity=1.35,
        stop_minutes=3.0,
        break_minutes=DEMO_BREAK_MINUTES,
        break_earliest=DEMO_BREAK_EARLIEST,
        break_latest=DEMO_BREAK_LATEST,
        on_call_phone=demo_on_call_phone(index),
        base_address=spec.base_address,
    )


def _load_area(
    session: Session, spec: DemoArea, index: int, night: date, rng: random.Random
) -> tuple[int, int]:
    """Load one area with its carers, rota, people and tonight's changes; returns the area's
    id and the carer who leads crew 1 on `night`."""
    area = create_area(session, SYSTEM, demo_area_fields(spec, index, night))
    carers = _load_carers(session, spec, area.id, rng)
    _load_rota(session, spec, area.id, carers, night)
    person_ids = _load_people(session, spec, index, night, rng)
    _load_tonight(session, index, night, person_ids, rng)
    return area.id, weekday_pairs(list(carers), spec.crews, night.weekday())[0][0]


def _load_carers(
    session: Session, spec: DemoArea, area_id: int, rng: random.Random
) -> dict[int, str]:
    """Two carers per crew plus two spares. Carers at even places lead a crew and hold every
    skill; a man only ever sits at an odd place, so each night most crews are two women and
    a request for women carers can be met."""
    count = 2 * spec.crews + 2
    women = rng.sample(_CARER_WOMEN, count)
    men = iter(rng.sample(_CARER_MEN, 2))
    names: dict[int, str] = {}
    for place in range(count):
        is_man = place in (3, 7)
        first = next(men) if is_man else women[place]
        surname = rng.choice(_SURNAMES)
        if place % 2 == 0:
            skills = list(SKILLS)
        else:
            skills = [s for s, p in (("medication", 0.7), ("hoist", 0.6)) if rng.random() < p]
        carer = create_carer(
            session,
            SYSTEM,
            CarerFields(
                area_id=area_id,
                name=f"{first} {surname}",
                gender="M" if is_man else "F",
                skills=skills,
                phone=f"07700 9{rng.randrange(10000, 99999)}",
                email=f"{first.lower()}.{surname.lower()}@example.org",
            ),
        )
        names[carer.id] = carer.name
    return names


def weekday_pairs(carer_ids: Sequence[int], crews: int, weekday: int) -> list[tuple[int, int]]:
    """The standing pattern: the pool turns by one pair each weekday, so everyone gets nights
    off; pairs are always (lead, second), and no carer is in two crews on a night."""
    offset = (2 * weekday) % len(carer_ids)
    return [
        (
            carer_ids[(offset + 2 * n) % len(carer_ids)],
            carer_ids[(offset + 2 * n + 1) % len(carer_ids)],
        )
        for n in range(crews)
    ]


def _load_rota(
    session: Session, spec: DemoArea, area_id: int, carers: dict[int, str], night: date
) -> None:
    carer_ids = list(carers)
    for weekday in range(7):
        for number, (a, b) in enumerate(weekday_pairs(carer_ids, spec.crews, weekday), start=1):
            set_rota_crew(
                session,
                SYSTEM,
                area_id,
                weekday=weekday,
                crew_number=number,
                carer_a_id=a,
                carer_b_id=b,
            )
    if spec.crews < 4:
        return
    # Tonight crew 2's second carer is off sick; the second carer who is off tonight covers.
    pairs = weekday_pairs(carer_ids, spec.crews, night.weekday())
    on_tonight = {c for pair in pairs for c in pair}
    cover = next(c for i, c in enumerate(carer_ids) if i % 2 == 1 and c not in on_tonight)
    set_rota_change(
        session,
        SYSTEM,
        area_id,
        night=night,
        crew_number=2,
        carer_a_id=pairs[1][0],
        carer_b_id=cover,
        note=f"{carers[pairs[1][1]]} off sick; {carers[cover]} covers",
    )


def _care_plans(spec: DemoArea, index: int, night: date) -> list[list[dict[str, Any]]]:
    """Each person's calls for a night, drawn by routing.rural_night's care patterns."""
    generated = generate_night(
        calls=2 * spec.people, crews=1, seed=DEMO_SEED + index, night=night, base=spec.base
    )
    plans: dict[str, list[dict[str, Any]]] = {}
    for call in generated["calls"]:
        plans.setdefault(call["client"], []).append(call)
    return list(plans.values())[: spec.people]


def home_near(place: Town, inside: Polygon, rng: random.Random) -> tuple[float, float]:
    """A home in the town (most people) or a village a few km out, inside the area."""
    for _ in range(50):
        km = rng.uniform(0.2, 1.8) if rng.random() < 0.8 else rng.uniform(2.5, 5.0)
        bearing = rng.uniform(0.0, 2 * math.pi)
        lat = round(place.lat + km * math.cos(bearing) / 111.2, 5)
        lon = round(
            place.lon + km * math.sin(bearing) / (111.32 * math.cos(math.radians(place.lat))), 5
        )
        if inside.contains(Point(lon, lat)):
            return lat, lon
    return place.lat, place.lon


def _load_people(
    session: Session, spec: DemoArea, index: int, night: date, rng: random.Random
) -> list[int]:
    inside = spec.polygon().buffer(-_EDGE_MARGIN)
    towns = [town(name) for name in spec.towns]
    person_ids = []
    for number, calls in enumerate(_care_plans(spec, index, night)):
        place = rng.choices(towns, weights=[t.weight for t in towns])[0]
        lat, lon = home_near(place, inside, rng)
        woman = rng.random() < 0.7
        first = rng.choice(_WOMEN if woman else _MEN)
        surname = rng.choice(_SURNAMES)
        started = night - timedelta(days=rng.randint(14, 700))
        if index == 1 and number == 0:
            started = night + timedelta(days=3)  # a new package of care starting next week
        has_key_safe = rng.random() < 0.85
        phone, contact_name = demo_person_phone(index, number)
        person = create_person(
            session,
            SYSTEM,
            PersonFields(
                name=f"{first} {surname}",
                address=f"{rng.randint(1, 60)} {rng.choice(_STREETS)}, {place.name}",
                start_date=started,
                lat=lat,
                lon=lon,
                gender_request=calls[0].get("gender"),
                access_notes=rng.choice(_ACCESS_NOTES)
                if has_key_safe
                else "No key safe: wife opens the door; knock twice.",
                key_safe_code=f"{rng.randrange(10000):04d}" if has_key_safe else None,
                phone=phone,
                contact_name=contact_name,
                risk_notes=rng.choice(_RISK_NOTES),
            ),
        )
        person_ids.append(person.id)
        # One person in ten has family staying at weekends: their calls are Monday to Friday.
        weekdays = [0, 1, 2, 3, 4] if rng.random() < 0.1 else ALL_NIGHTS
        need_of_call: dict[str, int] = {}
        for call in calls:
            after = call.get("after")
            need = create_need(
                session,
                SYSTEM,
                NeedFields(
                    person_id=person.id,
                    label=_label(call, after is not None),
                    weekdays=weekdays,
                    start_date=started,
                    earliest=call["earliest"],
                    latest=call["latest"],
                    minutes=call["minutes"],
                    priority=call.get("priority", "standard"),
                    skills=list(call.get("skills", [])),
                    after_need_id=need_of_call[after["call"]] if after else None,
                    min_gap_minutes=after["min_minutes"] if after else None,
                    max_gap_minutes=after["max_minutes"] if after else None,
                ),
            )
            need_of_call[call["id"]] = need.id
    return person_ids


def _label(call: dict[str, Any], linked: bool) -> str:
    """A care task name a coordinator would write for a generated call."""
    skills = set(call.get("skills", []))
    if linked or ("hoist" in skills and call["minutes"] >= 20):
        return "reposition"
    if "peg" in skills:
        return "PEG feed"
    if "catheter" in skills:
        return "catheter care"
    if "medication" in skills:
        return "medication"
    hour = int(call["earliest"][:2])
    if 22 <= hour or hour < 1:
        return "settle for the night"
    if 5 <= hour < 8:
        return "getting up"
    return "welfare check" if call["minutes"] <= 15 else "continence care"


def _load_tonight(
    session: Session, index: int, night: date, person_ids: list[int], rng: random.Random
) -> None:
    """Tonight's one-off calls and a cancellation, on people whose care has started."""
    chosen = rng.sample(person_ids[1:], 3)
    reason, note = _CANCELLATIONS[index % len(_CANCELLATIONS)]
    create_cancellation(
        session,
        SYSTEM,
        CancellationFields(person_id=chosen[0], night=night, reason=reason, note=note),
    )
    for person_id, (label, earliest, latest, minutes, priority, skills) in zip(
        chosen[1:], _ONE_OFF_CALLS[index % 2 : index % 2 + 2], strict=True
    ):
        create_one_off_call(
            session,
            SYSTEM,
            OneOffFields(
                person_id=person_id,
                night=night,
                label=label,
                earliest=earliest,
                latest=latest,
                minutes=minutes,
                priority=priority,
                skills=list(skills),
            ),
        )
