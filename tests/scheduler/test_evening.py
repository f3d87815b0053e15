"""The evening jobs on a controlled clock: local times across clock changes, catching up after
downtime, areas isolated from each other, and two schedulers publishing once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time as time_module
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, func, select, update

from data.database import make_session_factory
from data.models import Area, AuditEvent, StoredPlan
from data.services.access import SYSTEM
from data.services.publication import REPUBLISHED, SCHEDULED, evening_runs, publish_night
from scheduler import evening as evening_module
from scheduler.evening import (
    MISFIRE_GRACE_SECONDS,
    AreaTimes,
    Evening,
    next_runs,
    refresh_areas,
    schedule_evening,
)
from tests.conftest import DATABASES, drop_database, new_database
from tests.data.services.test_publication import an_area_with_calls

NIGHT = date(2026, 3, 3)  # GMT: local time is UTC
SECONDS = 0.5


def _area_times(publish: str = "20:00") -> AreaTimes:
    return AreaTimes(
        1, "West", "Europe/London", time(14, 0), time.fromisoformat(publish), time(22, 0)
    )


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_publication_at_20_00_london_moves_in_utc_when_the_clocks_go_forward() -> None:
    """20:00 in London is 20:00Z on 27 March 2027 and 19:00Z the next evening (BST)."""
    runs = next_runs(_area_times().publish_trigger(), _utc("2027-03-27T12:00:00"), 2)
    assert runs == [_utc("2027-03-27T20:00:00"), _utc("2027-03-28T19:00:00")]


def test_publication_at_20_00_london_moves_in_utc_when_the_clocks_go_back() -> None:
    """20:00 in London is 19:00Z on 30 October 2027 (BST) and 20:00Z the next evening."""
    runs = next_runs(_area_times().publish_trigger(), _utc("2027-10-30T12:00:00"), 2)
    assert runs == [_utc("2027-10-30T19:00:00"), _utc("2027-10-31T20:00:00")]


def test_the_next_runs_read_in_local_time_with_the_publication_in_utc() -> None:
    """At noon on 30 October 2027 both run that evening in BST; after 20:00 the next
    publication is the following evening, in GMT again."""
    area = _area_times()
    assert area.next_runs(_utc("2027-10-30T12:00:00")) == (
        "West (area 1): next cut-off Sat 30 Oct 2027 14:00 BST, "
        "next publication Sat 30 Oct 2027 20:00 BST (19:00 UTC)"
    )
    assert area.next_runs(_utc("2027-10-30T19:30:00")) == (
        "West (area 1): next cut-off Sun 31 Oct 2027 14:00 GMT, "
        "next publication Sun 31 Oct 2027 20:00 GMT (20:00 UTC)"
    )


def test_each_area_gets_a_publish_and_a_cutoff_job_that_survive_lateness() -> None:
    """The jobs are per area, coalesced, one at a time, with a deliberate misfire grace."""
    scheduler = BackgroundScheduler(timezone="UTC")
    with ThreadPoolExecutor(1) as workers:
        schedule_evening(
            scheduler, Evening("sqlite://", seconds=SECONDS, workers=workers), [_area_times()]
        )
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"publish-area-1", "cutoff-area-1"}
    for job in jobs.values():
        assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS
        assert job.coalesce and job.max_instances == 1
    assert str(jobs["publish-area-1"].trigger.timezone) == "Europe/London"


# --- with committed data ------------------------------------------------------------------


@pytest.fixture(params=DATABASES)
def county(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Engine, str, list[int]]]:
    """A fresh database with two committed areas (publish 17:00, shift 22:00, London)."""
    engine, url = new_database(request.param, tmp_path)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        url = f"{url}?options=-csearch_path%3D{schema}"
    with make_session_factory(engine)() as session, session.begin():
        ids = [
            an_area_with_calls(session, name="West", west=-3.0).id,
            an_area_with_calls(session, name="East", west=-2.8).id,
        ]
    yield engine, url, ids
    evening_module._engine_of_process.cache_clear()
    drop_database(engine)


def _clock(text: str) -> Callable[[], datetime]:
    return lambda: _utc(text)


def _published(engine: Engine, area_id: int, night: date = NIGHT) -> list[tuple[int, str]]:
    with make_session_factory(engine, read_only=True)() as session:
        return [
            (p.version, p.trigger)
            for p in session.scalars(
                select(StoredPlan).where(
                    StoredPlan.area_id == area_id,
                    StoredPlan.night == night,
                    StoredPlan.status == "published",
                )
            )
        ]


def test_a_publication_missed_before_the_night_starts_is_made_on_start_up(
    county: tuple[Engine, str, list[int]],
) -> None:
    """Started at 18:00, after the 17:00 publish time and before the 22:00 shift: published."""
    engine, url, ids = county
    with ThreadPoolExecutor(2) as workers:
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T18:00"))
        outcomes = evening.catch_up(evening.areas())
        assert sorted(o.status for o in outcomes) == ["published", "published"]
        assert evening.catch_up(evening.areas()) == []
    assert all(_published(engine, i) == [(1, SCHEDULED)] for i in ids)


@pytest.mark.parametrize("now", ["2026-03-03T16:59", "2026-03-03T22:00", "2026-03-04T03:00"])
def test_no_catch_up_before_the_publish_time_or_once_the_night_has_started(
    county: tuple[Engine, str, list[int]], now: str
) -> None:
    """Before 17:00 the job will come; from 22:00 (and the small hours) the night is left alone."""
    engine, url, ids = county
    with ThreadPoolExecutor(2) as workers:
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock(now))
        assert evening.catch_up(evening.areas()) == []
    assert all(_published(engine, i) == [] for i in ids)


def test_a_publish_job_running_after_the_shift_started_publishes_nothing(
    county: tuple[Engine, str, list[int]],
) -> None:
    """A publish job that only gets to run at 22:05 leaves the night alone."""
    engine, url, ids = county
    with ThreadPoolExecutor(1) as workers:
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T22:05"))
        assert evening.publish_tonight(evening.areas()[0]).status == "started"
    assert _published(engine, ids[0]) == []


def test_a_publish_job_on_time_publishes_tonight_and_a_cutoff_is_recorded(
    county: tuple[Engine, str, list[int]],
) -> None:
    """At 17:00 the job publishes the night of that local date; at 14:00 the cut-off is noted."""
    engine, url, ids = county
    with ThreadPoolExecutor(1) as workers:
        cutoff = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T14:00"))
        cutoff.cutoff(cutoff.areas()[0])
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T17:00"))
        assert evening.publish_tonight(evening.areas()[0]).status == "published"
    assert _published(engine, ids[0]) == [(1, SCHEDULED)]
    with make_session_factory(engine, read_only=True)() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "cutoff")).all()
    assert [(e.entity_id, e.after) for e in events] == [
        (ids[0], {"night": NIGHT.isoformat(), "at": "2026-03-03T14:00:00+00:00"})
    ]


def test_one_areas_failure_is_recorded_and_the_others_publish(
    county: tuple[Engine, str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """East's solver fails: East keeps its coordinator's plan and the failure is recorded;
    West is published all the same."""
    engine, url, (west, east) = county
    with make_session_factory(engine)() as session, session.begin():
        publish_night(
            session, east, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
        )
    real_solve = evening_module.solve_prepared

    def solve_failing_in_east(
        prepared: object, seconds: float, *, searches: int | None = None
    ) -> object:
        if prepared.build.area_id == east:  # type: ignore[attr-defined]
            raise RuntimeError("solver crashed")
        return real_solve(prepared, seconds, searches=searches)  # type: ignore[arg-type]

    monkeypatch.setattr(evening_module, "solve_prepared", solve_failing_in_east)
    with ThreadPoolExecutor(2) as workers:
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T18:00"))
        outcomes = {o.area_id: o for o in evening.catch_up(evening.areas())}
    assert outcomes[west].status == "published"
    assert outcomes[east].status == "failed" and "solver crashed" in (outcomes[east].reason or "")
    assert _published(engine, west) == [(1, SCHEDULED)]
    assert _published(engine, east) == [(1, REPUBLISHED)]
    with make_session_factory(engine, read_only=True)() as session:
        failures = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "publish_failed", AuditEvent.entity_id == east
            )
        ).all()
    assert [f.after["night"] for f in failures if f.after] == [NIGHT.isoformat()]


def test_an_area_with_bad_data_fails_alone_in_a_worker_process(
    county: tuple[Engine, str, list[int]],
) -> None:
    """West's stored travel speed is refused: West fails, East is published, by worker
    processes."""
    engine, url, (west, east) = county
    with make_session_factory(engine)() as session, session.begin():
        session.execute(update(Area).where(Area.id == west).values(speed_kmh=-1.0))
    with ProcessPoolExecutor(2) as workers:
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T18:00"))
        outcomes = {o.area_id: o.status for o in evening.catch_up(evening.areas())}
    assert outcomes == {west: "failed", east: "published"}
    assert _published(engine, west) == []


def test_an_area_whose_worker_does_not_answer_in_time_fails_alone(
    county: tuple[Engine, str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """West's worker hangs past its time limit: West is recorded as failed, East publishes."""
    engine, url, (west, east) = county
    real_publish = evening_module.publish_area_night

    def hanging_in_west(
        database_url: str, area_id: int, night: date, seconds: float, searches: int | None
    ) -> object:
        if area_id == west:
            time_module.sleep(2.5)
        return real_publish(database_url, area_id, night, seconds, searches)

    monkeypatch.setattr(evening_module, "publish_area_night", hanging_in_west)
    monkeypatch.setattr(evening_module, "WORKER_MARGIN_SECONDS", 0.5)
    with ThreadPoolExecutor(2) as workers:
        evening = Evening(url, seconds=SECONDS, workers=workers, now=_clock("2026-03-03T18:00"))
        outcomes = {o.area_id: o for o in evening.catch_up(evening.areas())}
    assert outcomes[east].status == "published"
    assert outcomes[west].status == "failed" and "no answer" in (outcomes[west].reason or "")


def test_each_area_is_solved_with_the_searches_the_evening_gives_it(
    county: tuple[Engine, str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool that already solves areas side by side gives each solve one search, and the
    plan published is still the area's own."""
    engine, url, (west, east) = county
    real_publish = evening_module.publish_area_night
    asked: dict[int, int | None] = {}

    def counting(
        database_url: str, area_id: int, night: date, seconds: float, searches: int | None
    ) -> object:
        asked[area_id] = searches
        return real_publish(database_url, area_id, night, seconds, searches)

    monkeypatch.setattr(evening_module, "publish_area_night", counting)
    with ThreadPoolExecutor(2) as workers:
        evening = Evening(
            url,
            seconds=SECONDS,
            workers=workers,
            searches_per_area=1,
            now=_clock("2026-03-03T18:00"),
        )
        outcomes = {o.area_id: o.status for o in evening.catch_up(evening.areas())}
    assert outcomes == {west: "published", east: "published"}
    assert asked == {west: 1, east: 1}
    assert len(_published(engine, west)) == 1


def test_refreshing_the_areas_schedules_new_ones_and_drops_areas_gone(
    county: tuple[Engine, str, list[int]],
) -> None:
    """An area added after start-up gets its jobs; an area whose contract ended loses them."""
    engine, url, (west, east) = county
    scheduler = BackgroundScheduler(timezone="UTC")
    evening = Evening(
        url, seconds=SECONDS, workers=ThreadPoolExecutor(1), now=_clock("2026-03-03T12:00")
    )
    schedule_evening(scheduler, evening, [a for a in evening.areas() if a.area_id == west])
    with make_session_factory(engine)() as session, session.begin():
        session.execute(update(Area).where(Area.id == west).values(end_date=date(2026, 2, 1)))
    refresh_areas(scheduler, evening)
    assert {job.id for job in scheduler.get_jobs()} == {
        f"publish-area-{east}",
        f"cutoff-area-{east}",
    }


SCHEDULER_START = """
import sys
from datetime import datetime
from concurrent.futures import ProcessPoolExecutor
from scheduler.evening import Evening
now = datetime.fromisoformat(sys.argv[2])
with ProcessPoolExecutor(2) as workers:
    evening = Evening(sys.argv[1], seconds=0.5, workers=workers, now=lambda: now)
    print(sorted(o.status for o in evening.catch_up(evening.areas())))
"""


def test_two_schedulers_starting_together_publish_each_area_once(
    county: tuple[Engine, str, list[int]],
) -> None:
    """Two scheduler processes catch up on the same evening: one plan per area and night."""
    engine, url, ids = county
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCHEDULER_START, url, "2026-03-03T18:00:00+00:00"],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    assert "failed" not in "".join(outputs)
    with make_session_factory(engine, read_only=True)() as session:
        counts = dict(
            session.execute(
                select(StoredPlan.area_id, func.count()).group_by(StoredPlan.area_id)
            ).all()
        )
    assert counts == {ids[0]: 1, ids[1]: 1}
    assert all(_published(engine, i) == [(1, SCHEDULED)] for i in ids)


def _cutoffs(engine: Engine) -> list[tuple[int, dict[str, object] | None]]:
    with make_session_factory(engine, read_only=True)() as session:
        return [
            (e.entity_id, e.after)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "cutoff").order_by(AuditEvent.id)
            )
        ]


@pytest.mark.parametrize("now", ["2026-03-03T15:30", "2026-03-03T18:00"])
def test_a_cutoff_missed_before_the_night_starts_is_recorded_late_at_its_time(
    county: tuple[Engine, str, list[int]], now: str
) -> None:
    """Started after the 14:00 cut-off and before the 22:00 shift: each area's cut-off is
    recorded once, at 14:00 and marked late, and the evening's runs list it at 14:00."""
    engine, url, ids = county
    evening = Evening(url, seconds=SECONDS, workers=ThreadPoolExecutor(1), now=_clock(now))
    assert evening.catch_up_cutoffs(evening.areas()) == 2
    assert evening.catch_up_cutoffs(evening.areas()) == 0
    at = {"night": NIGHT.isoformat(), "at": "2026-03-03T14:00:00+00:00", "recorded_late": True}
    assert _cutoffs(engine) == [(ids[0], at), (ids[1], at)]
    with make_session_factory(engine, read_only=True)() as session:
        runs = evening_runs(session, SYSTEM, ids[0], NIGHT)
    assert [(run.event, run.at) for run in runs] == [("cutoff", _utc("2026-03-03T14:00"))]


def test_a_cutoff_recorded_on_time_is_not_recorded_again_on_start_up(
    county: tuple[Engine, str, list[int]],
) -> None:
    """West's cut-off ran at 14:00; a scheduler started at 15:00 records only East's."""
    engine, url, (west, east) = county
    on_time = Evening(
        url, seconds=SECONDS, workers=ThreadPoolExecutor(1), now=_clock("2026-03-03T14:00")
    )
    on_time.cutoff([a for a in on_time.areas() if a.area_id == west][0])
    later = Evening(
        url, seconds=SECONDS, workers=ThreadPoolExecutor(1), now=_clock("2026-03-03T15:00")
    )
    assert later.catch_up_cutoffs(later.areas()) == 1
    assert [area_id for area_id, _ in _cutoffs(engine)] == [west, east]


@pytest.mark.parametrize(
    "now", ["2026-03-03T13:59", "2026-03-03T22:00", "2026-03-03T23:30", "2026-03-04T03:00"]
)
def test_no_cutoff_catch_up_before_the_cutoff_or_once_the_night_has_started(
    county: tuple[Engine, str, list[int]], now: str
) -> None:
    """Before 14:00 the job will come; from 22:00 (and the small hours) the night is left
    alone."""
    engine, url, _ = county
    evening = Evening(url, seconds=SECONDS, workers=ThreadPoolExecutor(1), now=_clock(now))
    assert evening.missed_cutoffs(evening.areas()) == []
    assert evening.catch_up_cutoffs(evening.areas()) == 0
    assert _cutoffs(engine) == []


def test_two_evenings_catching_up_the_same_cutoffs_record_each_once(
    county: tuple[Engine, str, list[int]],
) -> None:
    """Both schedulers find the cut-offs missing before either records one; the database's
    night lock lets one record each and the other find it recorded."""
    engine, url, ids = county
    both_looked = threading.Barrier(2)

    class RacingEvening(Evening):
        def missed_cutoffs(self, areas: list[AreaTimes]) -> list[tuple[AreaTimes, date]]:
            due = super().missed_cutoffs(areas)
            both_looked.wait(timeout=30)
            return due

    evenings = [
        RacingEvening(
            url, seconds=SECONDS, workers=ThreadPoolExecutor(1), now=_clock("2026-03-03T16:00")
        )
        for _ in range(2)
    ]
    with ThreadPoolExecutor(2) as threads:
        counts = list(threads.map(lambda e: e.catch_up_cutoffs(e.areas()), evenings))
    assert sum(counts) == 2
    assert sorted(area_id for area_id, _ in _cutoffs(engine)) == sorted(ids)
