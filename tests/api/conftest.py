"""The API on a database built from the migrations, on SQLite and PostgreSQL, rolled back per test.

`client` is FastAPI's TestClient (httpx over the ASGI app, lifespan included). Every request's
session joins one outer transaction on one connection, so a test sees what its requests
committed and nothing survives it. `world` holds two areas (north, south) and a user of each
role, signed in with tokens written straight into the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.security import issue_token
from data.models import (
    ApiToken,
    Area,
    Cancellation,
    Carer,
    Need,
    OneOffCall,
    Person,
    Pin,
    RotaChange,
    RotaCrew,
    StoredPlan,
    User,
    UserArea,
)
from data.settings import get_settings

PASSWORD = "correct horse battery staple"
# argon2 is slow on purpose; fixture users get a cheap hash (verification reads the cost
# from the hash itself) so sign-in tests stay fast. Real users are hashed by `hash_password`.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture(scope="module")
def api_connection(db_engine: Engine) -> Iterator[Connection]:
    """One connection per test module, in an outer transaction rolled back at the end."""
    connection = db_engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


def _sessions_on(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def api_sessions(api_connection: Connection, world: World) -> Iterator[sessionmaker[Session]]:
    """Sessions whose commits are savepoints inside a savepoint the test rolls back.

    The module's `world` is built once, outside it; what a test's requests change is undone.
    """
    savepoint = api_connection.begin_nested()
    try:
        yield _sessions_on(api_connection)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


@pytest.fixture(scope="module")
def module_client(api_connection: Connection) -> Iterator[TestClient]:
    """The app through the real HTTP stack (httpx to ASGI), lifespan and all, per module."""
    app = create_app(get_settings(), sessions=_sessions_on(api_connection))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def client(module_client: TestClient, api_sessions: sessionmaker[Session]) -> TestClient:
    """The module's client, with this test's requests rolled back afterwards."""
    module_client.cookies.clear()
    return module_client


def square(lat: float, lon: float, half: float = 0.1) -> dict[str, object]:
    """A GeoJSON Polygon: a square of `half` degrees either side of (lat, lon)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def add_area(session: Session, *, name: str, lat: float, lon: float) -> Area:
    """A stored area: a square around its base, two crews, 22:00-07:00 in London."""
    area = Area(
        name=name,
        provider="Marches Night Care Ltd",
        boundary=square(lat, lon),
        base_lat=lat,
        base_lon=lon,
        crews_per_night=2,
        shift_start="22:00",
        shift_end="07:00",
        cutoff_time="16:00",
        publish_time="18:00",
        speed_kmh=48.0,
        circuity=1.3,
        stop_minutes=3.0,
        timezone="Europe/London",
        start_date=date(2026, 1, 1),
        end_date=None,
    )
    session.add(area)
    session.flush()
    return area


def add_carer(session: Session, *, area: Area, name: str, gender: str = "F") -> Carer:
    """A stored active carer of `area`."""
    carer = Carer(area_id=area.id, name=name, gender=gender, skills=["medication"], active=True)
    session.add(carer)
    session.flush()
    return carer


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    areas: tuple[Area, ...] = (),
    carer: Carer | None = None,
) -> User:
    """A stored active user whose password is `PASSWORD`."""
    user = User(
        username=username,
        password_hash=_PASSWORD_HASH,
        role=role,
        carer_id=carer.id if carer is not None else None,
        active=True,
        failed_sign_ins=0,
    )
    session.add(user)
    session.flush()
    for area in areas:
        session.add(UserArea(user_id=user.id, area_id=area.id))
    session.flush()
    return user


def bearer_for(session: Session, user: User, *, minutes: int = 60) -> dict[str, str]:
    """An Authorization header with a fresh token of `user`, valid for `minutes`."""
    issued = issue_token(minutes)
    session.add(ApiToken(user_id=user.id, token_hash=issued.digest, expires_at=issued.expires_at))
    session.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def eye_drops(person_id: int, night: date) -> OneOffCall:
    """A critical one-off call for eye drops, 01:00–01:30 on `night` (not yet added)."""
    return OneOffCall(
        person_id=person_id,
        night=night,
        label="eye drops",
        earliest="01:00",
        latest="01:30",
        minutes=10,
        priority="critical",
        skills=[],
    )


def add_person(session: Session, *, area: Area, name: str, key_safe_code: str) -> Person:
    """A stored person living at the area's base, with a key-safe code and access notes."""
    person = Person(
        area_id=area.id,
        name=name,
        address=f"1 High Street, {area.name}",
        lat=area.base_lat,
        lon=area.base_lon,
        gender_request=None,
        access_notes="side door",
        key_safe_code=key_safe_code,
        risk_notes=None,
        start_date=date(2026, 1, 1),
        end_date=None,
    )
    session.add(person)
    session.flush()
    return person


def add_need(session: Session, *, person: Person, earliest: str = "23:00") -> Need:
    """A stored nightly 20-minute call starting between `earliest` and half an hour later."""
    hour, minute = (int(part) for part in earliest.split(":"))
    latest = f"{hour:02d}:{minute + 30:02d}" if minute < 30 else f"{(hour + 1) % 24:02d}:00"
    need = Need(
        person_id=person.id,
        label="reposition",
        weekdays=list(range(7)),
        start_date=date(2026, 1, 1),
        end_date=None,
        earliest=earliest,
        latest=latest,
        minutes=20,
        priority="standard",
        skills=[],
        paused=False,
    )
    session.add(need)
    session.flush()
    return need


def add_plan(session: Session, *, area: Area, crew: str, person: Person, need: Need) -> StoredPlan:
    """A stored draft plan of `NIGHT` in which `crew` visits `person` for `need`."""
    call = f"n{need.id}"
    plan = StoredPlan(
        area_id=area.id,
        night=NIGHT,
        version=1,
        status="draft",
        trigger="test",
        problem={"calls": [{"id": call, "client": f"p{person.id}"}]},
        plan={
            "routes": [
                {"crew": crew, "visits": [{"call": call}]},
                {"crew": "someone-else-car-9", "visits": []},
            ],
            "unassigned": [],
        },
        travel_minutes=12.0,
        unassigned_count=0,
        solve_seconds=0.1,
    )
    session.add(plan)
    session.flush()
    return plan


# A Tuesday: the rota puts Anne (the signed-in carer) and Beth in north's crew 1.
NIGHT = date(2026, 12, 1)
WORLD_TOKEN_MINUTES = 5 * 366 * 24 * 60
# The world's people's key-safe code. Tests check it is absent from whole responses, so it
# holds a "#", which no id, time, token or PDF offset can: a digits-only code once matched
# a timestamp's microseconds.
KEY_SAFE_CODE = "47#11"


@dataclass
class World:
    """Two areas with carers, people, needs, calls, a rota and a plan; a user of each role.

    `headers[role]` authenticates as that role; `records` holds the ids tests refer to.
    """

    north: Area
    south: Area
    north_carers: list[Carer]
    south_carers: list[Carer]
    users: dict[str, User]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)


ROLES = ("commissioner", "coordinator", "other_coordinator", "carer", "anonymous")


@pytest.fixture(scope="module")
def world(api_connection: Connection) -> World:
    """North (coordinated by `coordinator`, whose carer is `carer`) and south (`other_...`).

    Built once per test module and database; each test's changes are rolled back.
    """
    with _sessions_on(api_connection)() as session:
        north = add_area(session, name="North Shropshire", lat=52.9, lon=-2.9)
        south = add_area(session, name="South Shropshire", lat=52.4, lon=-2.8)
        north_carers = [
            add_carer(session, area=north, name=name) for name in ("Anne", "Beth", "Cara", "Dee")
        ]
        south_carers = [add_carer(session, area=south, name=name) for name in ("Eve", "Fay")]
        users = {
            "commissioner": add_user(session, username="commissioner", role="commissioner"),
            "coordinator": add_user(
                session, username="north-coordinator", role="coordinator", areas=(north,)
            ),
            "other_coordinator": add_user(
                session, username="south-coordinator", role="coordinator", areas=(south,)
            ),
            "carer": add_user(session, username="anne", role="carer", carer=north_carers[0]),
        }
        # Valid for years: tests that must run on NIGHT (a carer's key-safe code) travel
        # there with time-machine, before or after the real clock.
        headers = {
            role: bearer_for(session, user, minutes=WORLD_TOKEN_MINUTES)
            for role, user in users.items()
        }
        headers["anonymous"] = {}
        records = {"north": north.id, "south": south.id, "missing": 999_999}
        records["north_carer"] = north_carers[3].id
        records["south_carer"] = south_carers[1].id
        for name, area, pair in (
            ("north", north, north_carers[:2]),
            ("south", south, south_carers[:2]),
        ):
            person = add_person(
                session, area=area, name=f"{name} person", key_safe_code=KEY_SAFE_CODE
            )
            need = add_need(session, person=person)
            one_off = eye_drops(person.id, NIGHT)
            cancellation = Cancellation(
                person_id=person.id, night=date(2026, 12, 24), reason="family staying"
            )
            session.add_all(
                [
                    one_off,
                    cancellation,
                    RotaCrew(
                        area_id=area.id,
                        weekday=NIGHT.weekday(),
                        crew_number=1,
                        carer_a_id=pair[0].id,
                        carer_b_id=pair[1].id,
                    ),
                    RotaChange(
                        area_id=area.id,
                        night=date(2026, 12, 2),
                        crew_number=2,
                        carer_a_id=None,
                        carer_b_id=None,
                        note="car in for repair",
                    ),
                ]
            )
            session.flush()
            slug = "north-shropshire" if area is north else "south-shropshire"
            plan = add_plan(session, area=area, crew=f"{slug}-car-1", person=person, need=need)
            pin = Pin(area_id=area.id, night=NIGHT, need_id=need.id, crew_number=1)
            session.add(pin)
            session.flush()
            records.update(
                {
                    f"{name}_pin": pin.id,
                    f"{name}_person": person.id,
                    f"{name}_need": need.id,
                    f"{name}_one_off": one_off.id,
                    f"{name}_cancellation": cancellation.id,
                    f"{name}_plan": plan.id,
                }
            )
        session.commit()
    return World(north, south, north_carers, south_carers, users, headers, records)


def expired_bearer(sessions: sessionmaker[Session], user: User) -> dict[str, str]:
    """An Authorization header whose token expired a minute ago."""
    issued = issue_token(1, now=datetime.now(UTC) - timedelta(minutes=2))
    with sessions() as session:
        session.add(
            ApiToken(user_id=user.id, token_hash=issued.digest, expires_at=issued.expires_at)
        )
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}
