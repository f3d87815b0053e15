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
from data.models import ApiToken, Area, Carer, User, UserArea
from data.settings import get_settings

PASSWORD = "correct horse battery staple"
# argon2 is slow on purpose; fixture users get a cheap hash (verification reads the cost
# from the hash itself) so sign-in tests stay fast. Real users are hashed by `hash_password`.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def api_connection(db_engine: Engine) -> Iterator[Connection]:
    """One connection in an outer transaction that is rolled back after the test."""
    connection = db_engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def api_sessions(api_connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits are savepoints inside the test's outer transaction."""
    return sessionmaker(
        bind=api_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def client(api_sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app through the real HTTP stack (httpx to ASGI), lifespan and all."""
    app = create_app(get_settings(), sessions=api_sessions)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


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


@dataclass
class World:
    """Two areas and a signed-in user of each role; `headers[role]` authenticates as them."""

    north: Area
    south: Area
    north_carers: list[Carer]
    south_carers: list[Carer]
    users: dict[str, User]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


ROLES = ("commissioner", "coordinator", "other_coordinator", "carer", "anonymous")


@pytest.fixture
def world(api_sessions: sessionmaker[Session]) -> World:
    """North (coordinated by `coordinator`, whose carer is `carer`) and south (`other_...`)."""
    with api_sessions() as session:
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
        headers = {role: bearer_for(session, user) for role, user in users.items()}
        headers["anonymous"] = {}
        session.commit()
    return World(north, south, north_carers, south_carers, users, headers)


def expired_bearer(sessions: sessionmaker[Session], user: User) -> dict[str, str]:
    """An Authorization header whose token expired a minute ago."""
    issued = issue_token(1, now=datetime.now(UTC) - timedelta(minutes=2))
    with sessions() as session:
        session.add(
            ApiToken(user_id=user.id, token_hash=issued.digest, expires_at=issued.expires_at)
        )
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}
