"""The evening jobs: per area, close the night's needs at cut-off and publish its plan.

`nightcare scheduler` runs these with APScheduler (3.x) in a process of its own: one cron job
per area at its publish time and one at its cut-off time, both in the area's timezone, so they
stay right across clock changes. A publish job hands the area to a worker process (a
`ProcessPoolExecutor`, two by default) that reads the night in a read-only session, solves it
within its own time limit and publishes it under the database's (area, night) lock (see
`data.services.publication`). Any number of schedulers may run: the database, not this
process, decides that a night is published once. Each area is on its own: a failure is
logged, recorded against the area and emailed to its coordinators, the last good plan stays
published, the others go on.

On start-up, a cut-off or a publication missed while no scheduler ran is made at once if its
night has not started yet (a late cut-off is recorded at its own time and marked late); a
night already started or over is left alone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor as JobThreads
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.database import make_engine, make_session_factory
from data.models import Area
from data.services.access import SYSTEM
from data.services.notifications import notify_committed_publication, notify_recorded_failure
from data.services.publication import (
    SCHEDULED,
    cutoff_recorded,
    prepare_night,
    record_cutoff,
    record_publication_failure,
    scheduled_publication_exists,
    solve_prepared,
    write_publication,
)
from data.settings import get_settings
from routing.solver import usable_cores

log = logging.getLogger("nightcare.scheduler")

Clock = Callable[[], datetime]
# A late publish job still runs within this many seconds of its time (the process was busy or
# suspended); later than that, start-up catch-up or a coordinator takes over. Runs that pile
# up are coalesced into one: publishing is idempotent anyway.
MISFIRE_GRACE_SECONDS = 3600
# A worker that has not answered in its time limit plus this is given up on and recorded.
WORKER_MARGIN_SECONDS = 60.0
# Areas added or changed while the scheduler runs are picked up this often.
AREA_REFRESH_MINUTES = 10


def utc_clock() -> datetime:
    """The real current instant, UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class AreaTimes:
    """An area's evening: when needs close, when the plan is published, when the shift starts."""

    area_id: int
    name: str
    timezone: str
    cutoff: time
    publish: time
    shift_start: time

    @classmethod
    def of(cls, area: Area) -> AreaTimes:
        """The times of a stored area."""
        return cls(
            area.id,
            area.name,
            area.timezone,
            time.fromisoformat(area.cutoff_time),
            time.fromisoformat(area.publish_time),
            time.fromisoformat(area.shift_start),
        )

    def night_of(self, now: datetime) -> date:
        """The night whose evening `now` falls in: the area's local date."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def local(self, night: date, at: time) -> datetime:
        """`at` on the evening of `night`, in the area's timezone."""
        return datetime.combine(night, at, tzinfo=ZoneInfo(self.timezone))

    def publish_trigger(self) -> CronTrigger:
        """Every day at the publish time, local to the area."""
        return CronTrigger(
            hour=self.publish.hour, minute=self.publish.minute, timezone=self.timezone
        )

    def cutoff_trigger(self) -> CronTrigger:
        """Every day at the cut-off time, local to the area."""
        return CronTrigger(hour=self.cutoff.hour, minute=self.cutoff.minute, timezone=self.timezone)

    def next_runs(self, now: datetime) -> str:
        """When this area's cut-off and publication next run after `now`, local and UTC, as
        the scheduler logs it on start-up, e.g. "North (area 1): next cut-off Thu 26 Nov 2026
        18:00 GMT, next publication Thu 26 Nov 2026 20:00 GMT (20:00 UTC)"."""
        zone = ZoneInfo(self.timezone)
        cutoff = self.cutoff_trigger().get_next_fire_time(None, now).astimezone(zone)
        publish = self.publish_trigger().get_next_fire_time(None, now).astimezone(zone)
        return (
            f"{self.name} (area {self.area_id}): next cut-off {cutoff:%a %d %b %Y %H:%M %Z}, "
            f"next publication {publish:%a %d %b %Y %H:%M %Z} ({publish.astimezone(UTC):%H:%M} UTC)"
        )


@dataclass(frozen=True)
class AreaOutcome:
    """What one area's publication came to: published, already published, or failed (why)."""

    area_id: int
    night: date
    status: str
    version: int | None = None
    reason: str | None = None

    def describe(self) -> str:
        """One line for the log, e.g. "published (version 2)" or "failed: Invalid: ..."."""
        if self.version is not None:
            return f"{self.status} (version {self.version})"
        return f"{self.status}: {self.reason}" if self.reason else self.status


def _engine(database_url: str) -> Engine:
    """This process's engine for `database_url`: a forked worker must not use its parent's
    pooled connections, so engines are kept per process id."""
    return _engine_of_process(database_url, os.getpid())


@cache
def _engine_of_process(database_url: str, pid: int) -> Engine:
    return make_engine(database_url)


def publish_area_night(
    database_url: str, area_id: int, night: date, seconds: float, searches: int | None = None
) -> AreaOutcome:
    """Publish one area's night (a worker process's job): read, solve, then lock and write.
    `searches` is how many searches the solve may run at once (see `solve_prepared`).

    The reading session is read-only, so on SQLite no write lock is held while the solver
    runs; the writing transaction is short. A failure is recorded against the area and given
    back as a "failed" outcome; nothing is written to the plans then.
    """
    engine = _engine(database_url)
    try:
        with make_session_factory(engine, read_only=True)() as reading:
            prepared = prepare_night(reading, area_id, night)
        if prepared.already_published:
            return AreaOutcome(area_id, night, "already published")
        plan = solve_prepared(prepared, seconds, searches=searches)
        with make_session_factory(engine)() as writing, writing.begin():
            result = write_publication(writing, prepared, plan, trigger=SCHEDULED, actor=SYSTEM)
    except Exception as error:  # one area's failure must not stop the evening
        log.exception("area %s night %s: publication failed", area_id, night)
        record_failure(database_url, area_id, night, f"{type(error).__name__}: {error}")
        return AreaOutcome(area_id, night, "failed", reason=f"{type(error).__name__}: {error}")
    if not result.published:
        return AreaOutcome(area_id, night, "already published")
    log.info(
        "area %s night %s: published version %s (%s unassigned, %.1f s)",
        area_id,
        night,
        result.version,
        result.unassigned,
        result.solve_seconds,
    )
    try:  # committed: telling carers and providers can no longer undo or fail it
        notify_committed_publication(
            make_session_factory(engine, read_only=True), get_settings(), result
        )
    except Exception:
        log.exception("area %s night %s: notifications not sent", area_id, night)
    return AreaOutcome(area_id, night, "published", version=result.version)


def record_failure(database_url: str, area_id: int, night: date, reason: str) -> None:
    """Record a failed publication in a transaction of its own (logged if even that fails),
    then email the area's coordinators the reason and the version that stays published."""
    engine = _engine(database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            record_publication_failure(session, area_id, night, reason)
    except Exception:
        log.exception("area %s night %s: could not record the failure", area_id, night)
    try:  # never let telling coordinators stop the evening's other areas
        notify_recorded_failure(
            make_session_factory(engine, read_only=True),
            get_settings(),
            area_id,
            night,
            reason,
        )
    except Exception:
        log.exception("area %s night %s: coordinators not told of the failure", area_id, night)


class Evening:
    """The evening's named jobs over one database, a pool of solver workers and a clock."""

    def __init__(
        self,
        database_url: str,
        *,
        seconds: float,
        workers: Executor | None = None,
        searches_per_area: int | None = None,
        now: Clock = utc_clock,
    ) -> None:
        self.database_url = database_url
        self.seconds = seconds
        self.workers = workers or ProcessPoolExecutor(max_workers=2)
        self.searches_per_area = searches_per_area
        self.now = now

    def areas(self) -> list[AreaTimes]:
        """The areas whose contract covers today (UTC date, give or take a day)."""
        today = self.now().date()
        with make_session_factory(_engine(self.database_url), read_only=True)() as session:
            rows = session.scalars(select(Area).order_by(Area.id)).all()
        areas = []
        for area in rows:
            if area.start_date > today + timedelta(days=1):
                continue
            if area.end_date is not None and area.end_date < today - timedelta(days=1):
                continue
            try:
                areas.append(AreaTimes.of(area))
            except ValueError:  # stored times are checked on the way in; never stop the rest
                log.exception("area %s: its times do not read, not scheduled", area.id)
        return areas

    def publish_tonight(self, area: AreaTimes) -> AreaOutcome:
        """Publish `area`'s night of today (its local date) unless that night has started."""
        now = self.now()
        night = area.night_of(now)
        if now >= area.local(night, area.shift_start):
            log.warning("area %s night %s: started already, not published", area.area_id, night)
            return AreaOutcome(area.area_id, night, "started")
        return self.publish(area.area_id, night)

    def publish(self, area_id: int, night: date) -> AreaOutcome:
        """Hand one area's night to a worker process and wait for it within its time limit."""
        future = self.workers.submit(
            publish_area_night,
            self.database_url,
            area_id,
            night,
            self.seconds,
            self.searches_per_area,
        )
        try:
            outcome = self._answer(future)
        except FutureTimeout:
            reason = f"no answer within {self.seconds + WORKER_MARGIN_SECONDS:.0f} s of starting"
        except Exception as error:  # a worker process that died (BrokenProcessPool) and such
            reason = f"{type(error).__name__}: {error}"
        else:
            log.info("area %s night %s: %s", area_id, night, outcome.describe())
            return outcome
        log.error("area %s night %s: publication failed: %s", area_id, night, reason)
        record_failure(self.database_url, area_id, night, reason)
        return AreaOutcome(area_id, night, "failed", reason=reason)

    def _answer(self, future: Future[AreaOutcome]) -> AreaOutcome:
        """The worker's answer; the time limit counts from when a worker took the area, not
        from when it was queued behind the evening's other areas."""
        limit = self.seconds + WORKER_MARGIN_SECONDS
        started: float | None = None
        while True:
            try:
                return future.result(timeout=1.0)
            except FutureTimeout:
                if not future.running():
                    continue
                started = started if started is not None else monotonic()
                if monotonic() - started > limit:
                    future.cancel()
                    raise

    def cutoff(self, area: AreaTimes) -> None:
        """Record that tonight's needs of `area` closed."""
        now = self.now()
        night = area.night_of(now)
        with make_session_factory(_engine(self.database_url))() as session, session.begin():
            recorded = record_cutoff(session, area.area_id, night, now)
        if recorded:
            log.info("area %s night %s: needs closed at cut-off", area.area_id, night)
        else:
            log.info("area %s night %s: cut-off recorded already", area.area_id, night)

    def _overdue(
        self,
        areas: list[AreaTimes],
        due_at: Callable[[AreaTimes], time],
        done: Callable[[Session, int, date], bool],
    ) -> list[tuple[AreaTimes, date]]:
        """Areas whose step at `due_at` tonight has passed, whose night has not started, and
        for which `done` finds nothing in the database."""
        now = self.now()
        due = []
        with make_session_factory(_engine(self.database_url), read_only=True)() as session:
            for area in areas:
                night = area.night_of(now)
                if not area.local(night, due_at(area)) <= now < area.local(night, area.shift_start):
                    continue
                if not done(session, area.area_id, night):
                    due.append((area, night))
        return due

    def missed_cutoffs(self, areas: list[AreaTimes]) -> list[tuple[AreaTimes, date]]:
        """Cut-offs due before now whose night has not started and that were not recorded."""
        return self._overdue(areas, lambda area: area.cutoff, cutoff_recorded)

    def catch_up_cutoffs(self, areas: list[AreaTimes]) -> int:
        """Record the missed cut-offs at the time each was due, marked late; answers how many
        this scheduler recorded (another starting at the same time may have recorded some)."""
        recorded = 0
        for area, night in self.missed_cutoffs(areas):
            due = area.local(night, area.cutoff).astimezone(UTC)
            try:
                with (
                    make_session_factory(_engine(self.database_url))() as session,
                    session.begin(),
                ):
                    if not record_cutoff(session, area.area_id, night, due, late=True):
                        continue
            except Exception:  # one area's failure must not stop the others' catch-up
                log.exception("area %s night %s: missed cut-off not recorded", area.area_id, night)
                continue
            recorded += 1
            log.info(
                "area %s night %s: cut-off missed at %s, recorded late",
                area.area_id,
                night,
                due.isoformat(),
            )
        return recorded

    def missed(self, areas: list[AreaTimes]) -> list[tuple[AreaTimes, date]]:
        """Publications due before now whose night has not started and was not published."""
        return self._overdue(areas, lambda area: area.publish, scheduled_publication_exists)

    def catch_up(self, areas: list[AreaTimes]) -> list[AreaOutcome]:
        """Make the missed publications now (in parallel, each area on its own)."""
        missed = self.missed(areas)
        for area, night in missed:
            log.info("area %s night %s: publication missed, making it now", area.area_id, night)
        if not missed:
            return []
        with ThreadPoolExecutor(max_workers=len(missed)) as threads:
            return list(threads.map(lambda due: self.publish(due[0].area_id, due[1]), missed))


def schedule_evening(scheduler: BaseScheduler, evening: Evening, areas: list[AreaTimes]) -> None:
    """Add each area's cut-off and publish jobs to `scheduler`."""
    for area in areas:
        scheduler.add_job(
            evening.publish_tonight,
            area.publish_trigger(),
            args=[area],
            id=f"publish-area-{area.area_id}",
            name=f"publish {area.name}",
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        scheduler.add_job(
            evening.cutoff,
            area.cutoff_trigger(),
            args=[area],
            id=f"cutoff-area-{area.area_id}",
            name=f"cut-off {area.name}",
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )


def refresh_areas(scheduler: BaseScheduler, evening: Evening) -> None:
    """Schedule the areas as stored now: new areas and changed times are picked up, the jobs
    of areas gone (or out of contract) are removed."""
    areas = evening.areas()
    schedule_evening(scheduler, evening, areas)
    wanted = {f"{kind}-area-{a.area_id}" for a in areas for kind in ("publish", "cutoff")}
    for job in scheduler.get_jobs():
        if job.id.startswith(("publish-area-", "cutoff-area-")) and job.id not in wanted:
            job.remove()


def run_scheduler(database_url: str, *, seconds: float, workers: int) -> None:
    """Catch up on missed cut-offs and publications, then run the evening jobs until
    stopped."""
    # Spawned, not forked: this process runs scheduler threads and holds pooled connections.
    spawn = multiprocessing.get_context("spawn")
    # The pool already solves areas side by side: each solve gets its share of the cores.
    searches = max(1, usable_cores() // workers)
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        evening = Evening(database_url, seconds=seconds, workers=pool, searches_per_area=searches)
        areas = evening.areas()
        log.info("scheduling %s areas", len(areas))
        now = utc_clock()
        for area in areas:
            log.info("%s", area.next_runs(now))
        evening.catch_up_cutoffs(areas)
        evening.catch_up(areas)
        # Publish jobs of areas with the same publish time run side by side, each waiting on
        # the worker pool; threads enough that no job waits for a thread.
        scheduler = BlockingScheduler(
            executors={"default": JobThreads(max_workers=max(4, 2 * len(areas)))},
            timezone="UTC",
        )
        schedule_evening(scheduler, evening, areas)
        scheduler.add_job(
            refresh_areas,
            IntervalTrigger(minutes=AREA_REFRESH_MINUTES),
            args=[scheduler, evening],
            id="refresh-areas",
            coalesce=True,
            max_instances=1,
        )
        scheduler.start()


def next_runs(trigger: CronTrigger, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times of `trigger` after `after` (what the scheduler would do)."""
    runs: list[datetime] = []
    previous: Any = None
    current = after
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, current)
        runs.append(fire)
        previous = fire
        current = fire + timedelta(seconds=1)
    return runs
