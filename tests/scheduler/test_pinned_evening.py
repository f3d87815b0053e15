"""The scheduled publication keeps coordinators' pins, as publishing on demand does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from data.database import make_session_factory
from data.models import Need, Person, StoredPlan
from data.services.access import SYSTEM
from data.services.pins import PinFields, create_pin
from data.services.publication import REPUBLISHED, publish_night
from routing.plan_file import read_plan
from routing.problem_file import read_problem
from routing.validate import check_plan
from scheduler import evening as evening_module
from scheduler.evening import publish_area_night
from tests.conftest import DATABASES, drop_database, new_database
from tests.data.services.test_publication import an_area_with_calls

NIGHT = date(2026, 3, 3)  # GMT: the plan's ISO times read as local times
SECONDS = 0.5


@pytest.fixture(params=DATABASES)
def west(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, str, int]]:
    """A fresh database with one committed area of two crews and six calls (23:00-01:00)."""
    engine, url = new_database(request.param, tmp_path)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        url = f"{url}?options=-csearch_path%3D{schema}"
    with make_session_factory(engine)() as session, session.begin():
        area_id = an_area_with_calls(session, name="West", west=-3.0).id
    yield engine, url, area_id
    evening_module._engine_of_process.cache_clear()
    drop_database(engine)


def _published(engine: Engine, area_id: int) -> StoredPlan:
    with make_session_factory(engine, read_only=True)() as session:
        return session.scalars(
            select(StoredPlan).where(
                StoredPlan.area_id == area_id,
                StoredPlan.night == NIGHT,
                StoredPlan.status == "published",
            )
        ).one()


def _crew_and_start(stored: StoredPlan, call: str) -> tuple[str, str]:
    for route in stored.plan["routes"]:
        for visit in route["visits"]:
            if visit["call"] == call:
                return route["crew"], visit["start"][11:16]
    raise AssertionError(f"{call} is not on the plan: {stored.plan['unassigned']}")


def test_the_scheduled_run_keeps_a_pin_made_after_an_earlier_publication(
    west: tuple[Engine, str, int],
) -> None:
    """Published on demand; a call pinned to the other crew at 23:40; the evening's own run
    (read, solve and write in separate sessions) has it there, and the validator agrees."""
    engine, url, area_id = west
    with make_session_factory(engine)() as session, session.begin():
        publish_night(
            session, area_id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
        )
        need_id = session.scalars(
            select(Need.id).join(Person).where(Person.area_id == area_id).order_by(Need.id)
        ).first()
    call = f"n{need_id}"
    crew, _ = _crew_and_start(_published(engine, area_id), call)
    other = 2 if crew.endswith("-car-1") else 1
    with make_session_factory(engine)() as session, session.begin():
        create_pin(
            session,
            SYSTEM,
            area_id,
            NIGHT,
            PinFields(call=call, crew_number=other, start="23:40"),
        )

    outcome = publish_area_night(url, area_id, NIGHT, SECONDS)

    assert outcome.status == "published", outcome.describe()
    stored = _published(engine, area_id)
    assert stored.trigger == "scheduled"
    assert _crew_and_start(stored, call) == (f"west-car-{other}", "23:40")
    night = read_problem(stored.problem)
    assert check_plan(night, read_plan(stored.plan, night)) == []
