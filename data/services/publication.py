"""The evening publication: build an area's night, solve it, publish it as the next version.

Exactly once: the write happens under a per-(area, night) database lock held to the end of the
caller's transaction (PostgreSQL `pg_advisory_xact_lock`; on SQLite every writing transaction
starts with BEGIN IMMEDIATE and so holds the database's write lock), and the unique (area,
night, version) key is the backstop. The lock is taken only after the (long) solve, and what
was read before it is checked again under it: a scheduled publication that finds the night
already published by the schedule does nothing, so two schedulers running together publish
one plan. A coordinator's "publish again" always makes a new version.

Each publication is recorded as an audit event ("publish" on the plan) holding what changed
for each crew against the version it superseded, and how many visits changed crew or moved
more than 30 minutes against the previous night's published plan. A failed scheduled run is
recorded as "publish_failed" on the area with the version that stays published, a cut-off as
"cutoff"; `evening_runs` reads them back with the night's scheduled publications.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from data.errors import Invalid, NotFound
from data.models import AuditEvent, StoredPlan
from data.services.access import (
    COMMISSIONER,
    COORDINATOR,
    SYSTEM,
    Actor,
    require_area,
    require_role,
)
from data.services.audit import record_event
from data.services.nights import NightBuild, build_night, solve_build
from data.services.steady_rounds import steady_rounds
from data.services.uniqueness import flush_unique
from routing.plan import Plan
from routing.plan_file import PlanFileError, plan_to_json, read_hint
from routing.solver import SolveOptions

SCHEDULED = "scheduled"
REPUBLISHED = "republished"
PUBLISHED = "published"
SUPERSEDED = "superseded"
MOVED_SECONDS = 30 * 60

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedNight:
    """An area's night read from the database: the solver's hint (the night's published
    version, or last night's plan when the night has none) and last night's plan document."""

    build: NightBuild
    hint: Plan | None
    previous_night_plan: dict[str, Any] | None
    already_published: bool


@dataclass(frozen=True)
class PublishResult:
    """What a publication did: the new version, or nothing when the schedule had published."""

    area_id: int
    night: date
    published: bool
    plan_id: int | None = None
    version: int | None = None
    superseded_version: int | None = None
    unassigned: int = 0
    solve_seconds: float = 0.0
    changes: dict[str, Any] = field(default_factory=dict)


def night_lock(session: Session, area_id: int, night: date) -> None:
    """Hold the (area, night) publication lock until the session's transaction ends.

    PostgreSQL: a transaction-scoped advisory lock keyed by the area and the night's ordinal.
    SQLite: the engine begins every writing transaction IMMEDIATE, so the write lock is held
    already; a first statement makes sure the transaction (and so the lock) has begun.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:area, :night)"),
            {"area": area_id, "night": night.toordinal()},
        )
    else:
        session.execute(text("SELECT 1"))


def scheduled_publication_exists(session: Session, area_id: int, night: date) -> bool:
    """Whether the schedule has published this night already (that plan may be superseded)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(StoredPlan)
            .where(
                StoredPlan.area_id == area_id,
                StoredPlan.night == night,
                StoredPlan.trigger == SCHEDULED,
                StoredPlan.status.in_((PUBLISHED, SUPERSEDED)),
            )
        )
        or 0
    ) > 0


def published_plan(session: Session, area_id: int, night: date) -> StoredPlan | None:
    """The night's published plan, if any."""
    return session.scalars(
        select(StoredPlan).where(
            StoredPlan.area_id == area_id,
            StoredPlan.night == night,
            StoredPlan.status == PUBLISHED,
        )
    ).first()


def hint_plan(previous: dict[str, Any], build: NightBuild) -> Plan | None:
    """A published plan document (the night's own, or last night's) as a hint for the night:
    its rounds, kept to the night's crews and calls (crew and call ids are stable from night
    to night: "<area>-car-N", "n<need id>"; one-off calls "o<id>" within their night).

    None, and a warning in the log, for a stored document that does not read as a plan (one
    written by hand into the database, say): the night is then planned from nothing rather
    than not at all.
    """
    try:
        return read_hint(previous, build.routing_night).plan
    except PlanFileError as error:
        _log.warning(
            "area %s, night %s: the plan to start from is unreadable (%s); planning from nothing",
            build.area_id,
            build.night,
            error,
        )
        return None


def prepare_night(
    session: Session, area_id: int, night: date, *, hint_from_previous_night: bool = True
) -> PreparedNight:
    """Read what a publication needs (no lock, no write): the night, last night's published
    plan (what "changed since last night" counts against), and where the solve starts.

    Publishing again starts from the night's published version, so a new call, a changed
    need or a pin moves as few visits as it can; a night not yet published starts from last
    night's plan. `hint_from_previous_night=False` solves from nothing."""
    build = build_night(session, area_id, night)
    previous = published_plan(session, area_id, night - timedelta(days=1))
    previous_json = previous.plan if previous is not None else None
    current = published_plan(session, area_id, night)
    start_from = current.plan if current is not None else previous_json
    hint = (
        hint_plan(start_from, build)
        if start_from is not None and hint_from_previous_night
        else None
    )
    return PreparedNight(
        build, hint, previous_json, scheduled_publication_exists(session, area_id, night)
    )


def solve_prepared(prepared: PreparedNight, seconds: float, *, searches: int | None = None) -> Plan:
    """Solve a prepared night within `seconds`, starting from its hint when it has one; the
    night's pins hold (see `solve_build`), and rounds stay with the crews the hint had them
    on where crews are interchangeable (see `steady_rounds`). `searches` is the solver's
    `workers` (None: as many as the process's cores allow)."""
    if not 0 < seconds <= 600:
        raise Invalid("must be more than 0 and at most 600 seconds", "seconds")
    build = prepared.build
    plan = solve_build(
        build, SolveOptions(time_limit=seconds, hint=prepared.hint, workers=searches)
    )
    if prepared.hint is None:
        return plan
    pinned = {p.call_id for p in build.pins}
    return steady_rounds(build.routing_night, plan, prepared.hint, pinned)


@dataclass(frozen=True)
class PlannedVisit:
    """Where a call is in a plan document: its crew, its place on the round (from 0), and its
    planned arrival and start as ISO text."""

    crew: str
    position: int
    arrive: str
    start: str


@dataclass(frozen=True)
class RoundChanges:
    """One crew's round against an earlier version: the calls added to it, removed from it (now
    another crew's, or not planned at all), and moved on it (by the caller's rule)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    moved: tuple[str, ...]


def planned_visits(plan_json: dict[str, Any]) -> dict[str, PlannedVisit]:
    """call id -> where it is in the plan document (a hand-written plan without arrivals
    arrives at the start)."""
    return {
        v["call"]: PlannedVisit(r["crew"], i, str(v.get("arrive") or v["start"]), str(v["start"]))
        for r in plan_json.get("routes", [])
        for i, v in enumerate(r.get("visits", []))
    }


def seconds_between(a: str, b: str) -> float:
    """Seconds between two ISO instants, whichever is first."""
    return abs((datetime.fromisoformat(a) - datetime.fromisoformat(b)).total_seconds())


def _wall_clock_shift(last_night: str, tonight: str) -> float:
    """Seconds between two local clock times a night apart (the same across a clock change)."""
    before = datetime.fromisoformat(last_night).replace(tzinfo=None) + timedelta(days=1)
    return abs((datetime.fromisoformat(tonight).replace(tzinfo=None) - before).total_seconds())


def moved_on_round(old: PlannedVisit, new: PlannedVisit) -> bool:
    """The publication's rule: another place in the round, or a start more than 30 minutes
    away."""
    return old.position != new.position or seconds_between(old.start, new.start) > MOVED_SECONDS


def round_changes(
    before: dict[str, Any] | None,
    after: dict[str, Any],
    *,
    moved: Callable[[PlannedVisit, PlannedVisit], bool] = moved_on_round,
) -> dict[str, RoundChanges]:
    """For each crew of either plan whose round changed, by crew id: calls added, removed, and
    still the crew's but `moved` (given the call's old and new place). With no `before` every
    visit is added."""
    old = planned_visits(before) if before is not None else {}
    new = planned_visits(after)
    crews = {r["crew"] for r in after.get("routes", [])} | {v.crew for v in old.values()}
    changes: dict[str, RoundChanges] = {}
    for crew in sorted(crews):
        added = tuple(
            sorted(
                c
                for c, v in new.items()
                if v.crew == crew and (c not in old or old[c].crew != crew)
            )
        )
        removed = tuple(
            sorted(
                c
                for c, v in old.items()
                if v.crew == crew and (c not in new or new[c].crew != crew)
            )
        )
        moved_calls = tuple(
            sorted(
                c
                for c, v in new.items()
                if v.crew == crew and c in old and old[c].crew == crew and moved(old[c], v)
            )
        )
        if added or removed or moved_calls:
            changes[crew] = RoundChanges(added, removed, moved_calls)
    return changes


def crew_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """For each crew of `after`: calls added to its round, removed from it, and moved on it
    (another place in the round, or a start more than 30 minutes away). Crews whose rounds
    did not change are left out; with no `before` every visit is added."""
    return {
        crew: {"added": list(c.added), "removed": list(c.removed), "moved": list(c.moved)}
        for crew, c in round_changes(before, after).items()
    }


def changed_since_last_night(previous: dict[str, Any] | None, tonight: dict[str, Any]) -> int:
    """How many of tonight's visits changed crew, or start more than 30 minutes earlier or later
    (by the clock) than the same call last night; calls new tonight do not count."""
    if previous is None:
        return 0
    old = planned_visits(previous)
    count = 0
    for call, visit in planned_visits(tonight).items():
        if call not in old:
            continue
        if (
            old[call].crew != visit.crew
            or _wall_clock_shift(old[call].start, visit.start) > MOVED_SECONDS
        ):
            count += 1
    return count


def write_publication(
    session: Session,
    prepared: PreparedNight,
    plan: Plan,
    *,
    trigger: str,
    actor: Actor,
) -> PublishResult:
    """Under the night's lock: supersede the published plan and publish `plan` as the next
    version, unless this is a scheduled run and the schedule has published the night already.
    Flushes only; the caller commits (or rolls back, leaving the old plan published)."""
    build = prepared.build
    night_lock(session, build.area_id, build.night)
    if trigger == SCHEDULED and scheduled_publication_exists(session, build.area_id, build.night):
        return PublishResult(build.area_id, build.night, published=False)
    latest = session.scalar(
        select(func.max(StoredPlan.version)).where(
            StoredPlan.area_id == build.area_id, StoredPlan.night == build.night
        )
    )
    current = published_plan(session, build.area_id, build.night)
    session.execute(
        update(StoredPlan)
        .where(
            StoredPlan.area_id == build.area_id,
            StoredPlan.night == build.night,
            StoredPlan.status.in_((PUBLISHED, "draft")),
        )
        .values(status=SUPERSEDED)
    )
    plan_json = plan_to_json(plan, build.routing_night)
    stored = StoredPlan(
        area_id=build.area_id,
        night=build.night,
        version=(latest or 0) + 1,
        status=PUBLISHED,
        created_by=actor.user_id,
        trigger=trigger,
        problem=build.problem,
        plan=plan_json,
        travel_minutes=round(plan.stats.travel_seconds / 60, 1),
        unassigned_count=len(plan.unassigned),
        solve_seconds=round(plan.stats.solve_seconds, 3),
    )
    flush_unique(session, stored, "another plan of this night was published at the same moment")
    superseded = current.version if current is not None else None
    changes: dict[str, Any] = {
        "superseded_version": current.version if current is not None else None,
        "crews": crew_changes(current.plan if current is not None else None, plan_json),
        "changed_since_last_night": changed_since_last_night(
            prepared.previous_night_plan, plan_json
        ),
        "left_out": [{"call": o.call_id, "reason": o.reason} for o in build.left_out],
        "pins": [
            {"call": p.call_id, "crew": p.crew_id, "start": p.start, "note": p.note}
            for p in build.pins
        ],
    }
    record_event(
        session,
        actor,
        action="publish",
        entity="plan",
        entity_id=stored.id,
        after={
            "night": build.night.isoformat(),
            "version": stored.version,
            "trigger": trigger,
            **changes,
        },
    )
    session.flush()
    return PublishResult(
        build.area_id,
        build.night,
        published=True,
        plan_id=stored.id,
        version=stored.version,
        superseded_version=superseded,
        unassigned=len(plan.unassigned),
        solve_seconds=plan.stats.solve_seconds,
        changes=changes,
    )


def publish_night(
    session: Session,
    area_id: int,
    night: date,
    *,
    trigger: str,
    actor_user_id: int | None,
    seconds: float,
    hint_from_previous_night: bool = True,
) -> PublishResult:
    """Build, solve and publish `area_id`'s `night` in the session's transaction (no access
    check: the scheduler, or a caller that has checked). The caller commits.

    A scheduled run (`trigger="scheduled"`) that finds the night already published by the
    schedule does nothing (before solving, and again under the lock). On SQLite the session's
    write lock is held while the solver runs; the scheduler instead prepares in a read-only
    session and writes in another (see `prepare_night`, `solve_prepared`, `write_publication`).
    """
    prepared = prepare_night(
        session, area_id, night, hint_from_previous_night=hint_from_previous_night
    )
    if trigger == SCHEDULED and prepared.already_published:
        return PublishResult(area_id, night, published=False)
    plan = solve_prepared(prepared, seconds)
    actor = Actor(user_id=actor_user_id, role=SYSTEM.role)
    return write_publication(session, prepared, plan, trigger=trigger, actor=actor)


def publication_changes(session: Session, plan_id: int) -> dict[str, Any] | None:
    """The changes recorded when plan `plan_id` was published (None if it never was)."""
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity == "plan",
            AuditEvent.entity_id == plan_id,
            AuditEvent.action == "publish",
        )
        .order_by(AuditEvent.id.desc())
    ).first()
    return event.after if event is not None else None


def plan_with_changes(
    session: Session, actor: Actor, plan_id: int
) -> tuple[StoredPlan, dict[str, Any] | None]:
    """One stored plan of an area the actor reaches, with what its publication changed (None
    for a plan never published), in one statement."""
    require_role(actor, COMMISSIONER, COORDINATOR)
    row = session.execute(
        select(StoredPlan, AuditEvent.after)
        .outerjoin(
            AuditEvent,
            (AuditEvent.entity == "plan")
            & (AuditEvent.entity_id == StoredPlan.id)
            & (AuditEvent.action == "publish"),
        )
        .where(StoredPlan.id == plan_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"plan {plan_id} not found")
    stored, changes = row
    require_area(actor, stored.area_id, f"plan {plan_id}")
    return stored, changes


def record_publication_failure(
    session: Session, area_id: int, night: date, reason: str
) -> int | None:
    """Record that the scheduled publication of an area's night failed, with the version that
    stays published (coordinators see it in `evening_runs`); answers that version, if any."""
    current = published_plan(session, area_id, night)
    kept = current.version if current is not None else None
    record_event(
        session,
        SYSTEM,
        action="publish_failed",
        entity="area",
        entity_id=area_id,
        after={"night": night.isoformat(), "reason": reason[:2000], "kept_version": kept},
    )
    return kept


def cutoff_recorded(session: Session, area_id: int, night: date) -> bool:
    """Whether an area's cut-off for `night` has been recorded."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity == "area",
                AuditEvent.entity_id == area_id,
                AuditEvent.action == "cutoff",
                AuditEvent.after["night"].as_string() == night.isoformat(),
            )
        )
        or 0
    ) > 0


def record_cutoff(
    session: Session, area_id: int, night: date, at: datetime, *, late: bool = False
) -> bool:
    """Record that an area's needs for `night` closed at `at` (later changes need a coordinator);
    `late` when it is recorded after the fact (a scheduler that was down at cut-off time).

    Once per area and night: under the night's lock a cut-off already recorded (by another
    scheduler) is left as it is. Answers whether this call recorded it.
    """
    night_lock(session, area_id, night)
    if cutoff_recorded(session, area_id, night):
        return False
    after: dict[str, Any] = {"night": night.isoformat(), "at": at.isoformat()}
    if late:
        after["recorded_late"] = True
    record_event(session, SYSTEM, action="cutoff", entity="area", entity_id=area_id, after=after)
    return True


@dataclass(frozen=True)
class EveningRun:
    """One thing the evening did for an area's night: its needs closed ("cutoff"), the schedule
    published it ("published", `version`), or the scheduled publication failed ("failed",
    `reason`, and `kept_version`, the version that stayed published; None when none was)."""

    at: datetime
    event: str
    version: int | None = None
    reason: str | None = None
    kept_version: int | None = None


def _cutoff_at(event: AuditEvent) -> datetime:
    """When a cut-off's needs closed: its own time, not when it was written down (a cut-off
    caught up after downtime is written later)."""
    at = (event.after or {}).get("at")
    return datetime.fromisoformat(at) if isinstance(at, str) else event.at


def evening_runs(session: Session, actor: Actor, area_id: int, night: date) -> list[EveningRun]:
    """The evening's cut-offs, scheduled publications and failures of an area's night, oldest
    first (commissioners and the area's coordinators). Two queries."""
    require_area(actor, area_id, f"area {area_id}")
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity == "area",
            AuditEvent.entity_id == area_id,
            AuditEvent.action.in_(("cutoff", "publish_failed")),
            AuditEvent.after["night"].as_string() == night.isoformat(),
        )
        .order_by(AuditEvent.id)
    ).all()
    runs = [
        EveningRun(at=_cutoff_at(e), event="cutoff")
        if e.action == "cutoff"
        else EveningRun(
            at=e.at,
            event="failed",
            reason=str((e.after or {}).get("reason", "")),
            kept_version=(e.after or {}).get("kept_version"),
        )
        for e in events
    ]
    published = session.execute(
        select(StoredPlan.created_at, StoredPlan.version).where(
            StoredPlan.area_id == area_id,
            StoredPlan.night == night,
            StoredPlan.trigger == SCHEDULED,
        )
    ).all()
    runs += [EveningRun(at=at, event="published", version=version) for at, version in published]
    return sorted(runs, key=lambda run: run.at)
