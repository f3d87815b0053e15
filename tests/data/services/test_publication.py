"""Publishing a night: versions that supersede each other, change lists, and exactly once."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.database import make_session_factory
from data.models import Area, StoredPlan
from data.services.access import SYSTEM
from data.services.publication import (
    REPUBLISHED,
    SCHEDULED,
    changed_since_last_night,
    crew_changes,
    hint_plan,
    planned_visits,
    prepare_night,
    publication_changes,
    publish_night,
    seconds_between,
    solve_prepared,
)
from data.services.rota import set_rota_crew
from routing.plan import Plan
from routing.plan_file import plan_to_json
from tests.conftest import DATABASES, drop_database, new_database
from tests.data.factories import a_carer, a_need, a_person, an_area

NIGHT = date(2026, 3, 3)
SECONDS = 0.5


def an_area_with_calls(session: Session, *, name: str = "West", west: float = -3.0) -> Area:
    """An area with two crews every night and six people with a call each (23:00-01:00)."""
    area = an_area(session, name=name, west=west)
    for number in (1, 2):
        first = a_carer(session, area=area, name=f"{name} A{number}")
        second = a_carer(session, area=area, name=f"{name} B{number}")
        for weekday in range(7):
            set_rota_crew(
                session,
                SYSTEM,
                area.id,
                weekday=weekday,
                crew_number=number,
                carer_a_id=first.id,
                carer_b_id=second.id,
            )
    for i in range(6):
        person = a_person(session, lat=52.42 + 0.03 * i, lon=west + 0.03 + 0.02 * i, name=f"P{i}")
        a_need(session, person=person, earliest="23:00", latest="01:00", minutes=20)
    return area


def _plans(session: Session, area_id: int, night: date) -> list[StoredPlan]:
    return list(
        session.scalars(
            select(StoredPlan)
            .where(StoredPlan.area_id == area_id, StoredPlan.night == night)
            .order_by(StoredPlan.version)
        )
    )


def test_a_first_publication_stores_version_1_published_with_its_figures(
    db_session: Session,
) -> None:
    """The first publication of a night is version 1, published, with who/what and figures."""
    area = an_area_with_calls(db_session)
    result = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    plans = _plans(db_session, area.id, NIGHT)
    assert result.published and result.version == 1
    assert [(p.version, p.status, p.trigger, p.created_by) for p in plans] == [
        (1, "published", SCHEDULED, None)
    ]
    assert plans[0].unassigned_count == len(plans[0].plan["unassigned"])
    assert plans[0].travel_minutes > 0
    changes = publication_changes(db_session, plans[0].id)
    assert changes is not None and changes["superseded_version"] is None
    visited = {c for crew in changes["crews"].values() for c in crew["added"]}
    assert visited == {v["call"] for r in plans[0].plan["routes"] for v in r["visits"]}


def test_publishing_again_supersedes_the_published_version_and_lists_the_changes(
    db_session: Session,
) -> None:
    """A coordinator's second publication is version 2; version 1 becomes superseded."""
    area = an_area_with_calls(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    person = a_person(db_session, lat=52.55, lon=-2.85, name="Late addition")
    a_need(db_session, person=person, earliest="02:00", latest="03:00", minutes=20)
    result = publish_night(
        db_session, area.id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    plans = _plans(db_session, area.id, NIGHT)
    assert [(p.version, p.status) for p in plans] == [(1, "superseded"), (2, "published")]
    assert result.superseded_version == 1
    new_call = f"n{max(int(c['id'][1:]) for c in plans[1].problem['calls'])}"
    added = [c for crew in result.changes["crews"].values() for c in crew["added"]]
    assert new_call in added


def test_a_scheduled_run_after_the_schedule_published_does_nothing(db_session: Session) -> None:
    """A second scheduled publication of the same night stores no new version."""
    area = an_area_with_calls(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    again = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    assert not again.published
    assert len(_plans(db_session, area.id, NIGHT)) == 1


def test_tonight_starts_from_last_nights_plan_and_counts_what_moved(db_session: Session) -> None:
    """With last night's plan as the hint an unchanged night moves no visit."""
    area = an_area_with_calls(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    tomorrow = date(2026, 3, 4)
    result = publish_night(
        db_session, area.id, tomorrow, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    assert result.changes["changed_since_last_night"] == 0


def test_a_stored_plan_that_does_not_read_is_no_hint_and_the_night_still_publishes(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Last night's stored document without its format: tonight is planned from nothing,
    with a warning in the log, instead of failing the publication."""
    area = an_area_with_calls(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    last_night = _plans(db_session, area.id, NIGHT)[0]
    last_night.plan = {key: value for key, value in last_night.plan.items() if key != "format"}
    db_session.commit()
    tomorrow = date(2026, 3, 4)
    assert hint_plan(last_night.plan, prepare_night(db_session, area.id, tomorrow).build) is None
    with caplog.at_level("WARNING", logger="data.services.publication"):
        result = publish_night(
            db_session, area.id, tomorrow, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
        )
    assert result.published
    assert "the plan to start from is unreadable" in caplog.text


def _rounds(plan_json: dict[str, Any]) -> dict[str, list[str]]:
    """crew id -> its calls in order."""
    return {r["crew"]: [v["call"] for v in r["visits"]] for r in plan_json["routes"]}


def _hint_rounds(hint: Plan | None) -> dict[str, list[str]]:
    assert hint is not None
    return {r.crew_id: [v.call_id for v in r.visits] for r in hint.routes}


def _crews_swapped(plan_json: dict[str, Any]) -> dict[str, Any]:
    """The plan document with crew 1's and crew 2's rounds exchanged."""
    swap = {"car-1": "car-2", "car-2": "car-1"}

    def other(crew: str) -> str:
        head, _, number = crew.rpartition("-car-")
        return f"{head}-{swap['car-' + number]}"

    return {**plan_json, "routes": [{**r, "crew": other(r["crew"])} for r in plan_json["routes"]]}


def _moved(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, int]:
    """Of the calls in both plans: how many changed crew, and how many moved (changed crew or
    arrive over 10 minutes earlier or later)."""
    old, new = planned_visits(before), planned_visits(after)
    both = [c for c in old if c in new]
    crew = {c for c in both if old[c].crew != new[c].crew}
    arrival = {c for c in both if seconds_between(old[c].arrive, new[c].arrive) > 600}
    return len(crew), len(crew | arrival)


def test_a_night_not_yet_published_starts_from_last_nights_plan(db_session: Session) -> None:
    """The first publication of a night is hinted with last night's rounds."""
    area = an_area_with_calls(db_session)
    last = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    stored = db_session.get(StoredPlan, last.plan_id)
    assert stored is not None
    prepared = prepare_night(db_session, area.id, date(2026, 3, 4))
    assert _hint_rounds(prepared.hint) == _rounds(stored.plan)
    assert prepared.previous_night_plan == stored.plan


def test_publishing_again_starts_from_the_nights_published_version(db_session: Session) -> None:
    """Once the night is published, its published version is the hint, not last night's plan
    (which is still what "changed since last night" is counted against)."""
    area = an_area_with_calls(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    last_night = _plans(db_session, area.id, NIGHT)[0]
    tonight = date(2026, 3, 4)
    # Last night the crews had each other's rounds, so the two possible hints differ.
    last_night.plan = _crews_swapped(last_night.plan)
    db_session.flush()
    first = publish_night(
        db_session, area.id, tonight, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    published = db_session.get(StoredPlan, first.plan_id)
    assert published is not None
    prepared = prepare_night(db_session, area.id, tonight)
    assert _hint_rounds(prepared.hint) == _rounds(published.plan)
    assert prepared.previous_night_plan == last_night.plan


def test_a_call_added_and_published_again_moves_no_other_visit_to_another_crew(
    db_session: Session,
) -> None:
    """Publish, add one call, publish again: every visit already planned keeps its crew and
    nearly all arrive within 10 minutes of before, though last night's plan had the crews'
    rounds the other way round (a start from it would move more). "Changed since last night"
    still counts against last night."""
    area = an_area_with_calls(db_session)
    tonight = date(2026, 3, 4)
    first = publish_night(
        db_session, area.id, tonight, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    version_1 = db_session.get(StoredPlan, first.plan_id)
    assert version_1 is not None and version_1.unassigned_count == 0
    # Last night: the same rounds, each on the other crew.
    last_night = StoredPlan(
        area_id=area.id,
        night=NIGHT,
        version=1,
        status="published",
        trigger=SCHEDULED,
        problem=version_1.problem,
        plan=_crews_swapped(version_1.plan),
        travel_minutes=version_1.travel_minutes,
        unassigned_count=0,
        solve_seconds=0.0,
    )
    db_session.add(last_night)
    person = a_person(db_session, lat=52.55, lon=-2.85, name="Late addition")
    a_need(db_session, person=person, earliest="02:00", latest="03:00", minutes=20)
    again = publish_night(
        db_session, area.id, tonight, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    version_2 = db_session.get(StoredPlan, again.plan_id)
    assert version_2 is not None and version_2.unassigned_count == 0
    kept = len(planned_visits(version_1.plan))
    crew_moves, moves = _moved(version_1.plan, version_2.plan)
    assert crew_moves == 0
    assert moves <= kept // 3
    from_last_night = prepare_night(db_session, area.id, tonight)
    from_last_night = replace(
        from_last_night, hint=hint_plan(last_night.plan, from_last_night.build)
    )
    alternative = plan_to_json(
        solve_prepared(from_last_night, SECONDS), from_last_night.build.routing_night
    )
    assert _moved(version_1.plan, alternative)[1] >= moves
    assert again.changes["changed_since_last_night"] == changed_since_last_night(
        last_night.plan, version_2.plan
    )
    assert again.changes["changed_since_last_night"] >= kept


def _route(crew: str, *visits: tuple[str, str]) -> dict[str, object]:
    return {"crew": crew, "visits": [{"call": c, "start": s} for c, s in visits]}


def test_crew_changes_name_calls_added_removed_and_moved_per_crew() -> None:
    """A call moving between crews is removed from one and added to the other; a later start
    by more than 30 minutes is a move."""
    before = {
        "routes": [
            _route("car-1", ("a", "2026-03-03T23:00:00+00:00"), ("b", "2026-03-04T00:00:00+00:00")),
            _route("car-2", ("c", "2026-03-04T01:00:00+00:00")),
        ]
    }
    after = {
        "routes": [
            _route("car-1", ("a", "2026-03-03T23:20:00+00:00")),
            _route("car-2", ("c", "2026-03-04T01:45:00+00:00"), ("b", "2026-03-04T02:30:00+00:00")),
        ]
    }
    assert crew_changes(before, after) == {
        "car-1": {"added": [], "removed": ["b"], "moved": []},
        "car-2": {"added": ["b"], "removed": [], "moved": ["c"]},
    }


def test_changes_against_last_night_compare_clock_times_across_a_clock_change() -> None:
    """The same call at 23:00 on both sides of a clock change has not moved; another crew has."""
    last_night = {"routes": [_route("car-1", ("a", "2027-03-27T23:00:00+00:00"))]}
    same = {"routes": [_route("car-1", ("a", "2027-03-28T23:00:00+01:00"))]}
    other_crew = {"routes": [_route("car-2", ("a", "2027-03-28T23:00:00+01:00"))]}
    later = {"routes": [_route("car-1", ("a", "2027-03-28T23:45:00+01:00"))]}
    assert changed_since_last_night(last_night, same) == 0
    assert changed_since_last_night(last_night, other_crew) == 1
    assert changed_since_last_night(last_night, later) == 1


# --- with committed data: concurrent publishers and a killed one ---------------------------


@pytest.fixture(params=DATABASES)
def committed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, str, int]]:
    """A fresh database with one committed area of calls: its engine, URL and area id."""
    engine, url = new_database(request.param, tmp_path)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        url = f"{url}?options=-csearch_path%3D{schema}"
    with make_session_factory(engine)() as session, session.begin():
        area_id = an_area_with_calls(session).id
    yield engine, url, area_id
    drop_database(engine)


def _count(engine: Engine, area_id: int, **where: str) -> int:
    with make_session_factory(engine, read_only=True)() as session:
        query = select(func.count()).select_from(StoredPlan).where(StoredPlan.area_id == area_id)
        for column, value in where.items():
            query = query.where(getattr(StoredPlan, column) == value)
        return session.scalar(query) or 0


def test_two_scheduled_publishers_at_once_publish_one_plan(
    committed: tuple[Engine, str, int],
) -> None:
    """Two threads with their own sessions publish the same night: one plan is stored."""
    engine, _url, area_id = committed
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publisher() -> None:
        try:
            barrier.wait()
            with make_session_factory(engine)() as session, session.begin():
                publish_night(
                    session, area_id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=publisher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _count(engine, area_id) == 1
    assert _count(engine, area_id, status="published") == 1


PUBLISHER = """
import sys
from datetime import date
from data.database import make_engine, make_session_factory
from data.services.publication import publish_night
engine = make_engine(sys.argv[1])
with make_session_factory(engine)() as session, session.begin():
    publish_night(session, int(sys.argv[2]), date.fromisoformat(sys.argv[3]),
                  trigger="republished", actor_user_id=None, seconds=0.5)
"""


def test_a_publisher_killed_at_any_point_leaves_one_whole_plan_published(
    committed: tuple[Engine, str, int],
) -> None:
    """Kill -9 a publishing process at random moments: the night always has exactly one
    published plan, and every stored version is whole (published or superseded, with a plan)."""
    engine, url, area_id = committed
    with make_session_factory(engine)() as session, session.begin():
        publish_night(session, area_id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=0.5)
    rng = random.Random(4)
    finished = 0
    attempts = 4
    for _ in range(attempts):
        process = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, url, str(area_id), NIGHT.isoformat()],
            cwd=Path(__file__).resolve().parents[3],
        )
        time.sleep(rng.uniform(0.5, 3.5))
        process.kill()
        finished += process.wait() == 0
        assert _count(engine, area_id, status="published") == 1
        with make_session_factory(engine, read_only=True)() as session:
            plans = _plans(session, area_id, NIGHT)
        assert [p.version for p in plans] == list(range(1, len(plans) + 1))
        assert {p.status for p in plans[:-1]} <= {"superseded"}
        assert plans[-1].status == "published" and plans[-1].plan["routes"]
    # A process killed after its commit but before it exits has published without exiting 0,
    # so exit codes bound the versions from below only: each run adds at most one.
    assert 1 + finished <= len(plans) <= 1 + attempts


WRITTEN_NOT_COMMITTED = """
import sys, time
from datetime import date
from data.database import make_engine, make_session_factory
from data.services.access import SYSTEM
from data.services.publication import prepare_night, solve_prepared, write_publication
engine = make_engine(sys.argv[1])
with make_session_factory(engine)() as session, session.begin():
    prepared = prepare_night(session, int(sys.argv[2]), date.fromisoformat(sys.argv[3]))
    plan = solve_prepared(prepared, 0.5)
    write_publication(session, prepared, plan, trigger="republished", actor=SYSTEM)
    print("written", flush=True)
    time.sleep(60)
"""


def test_a_publisher_killed_after_writing_and_before_committing_leaves_the_old_plan(
    committed: tuple[Engine, str, int],
) -> None:
    """Killed with the old version superseded and the new one flushed but not committed: the
    old version is still the published one and no new version exists."""
    engine, url, area_id = committed
    with make_session_factory(engine)() as session, session.begin():
        publish_night(session, area_id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=0.5)
    process = subprocess.Popen(
        [sys.executable, "-c", WRITTEN_NOT_COMMITTED, url, str(area_id), NIGHT.isoformat()],
        cwd=Path(__file__).resolve().parents[3],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "written"
    finally:
        process.kill()
        process.wait()
    with make_session_factory(engine, read_only=True)() as session:
        plans = _plans(session, area_id, NIGHT)
    assert [(p.version, p.status) for p in plans] == [(1, "published")]
