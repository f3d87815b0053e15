"""From stored state to tonight's problem, and from the problem to a stored draft plan.

`build_night` turns an area's people, needs, one-off calls, cancellations and rota for one
night into a "nightcare-problem/1" document (and the routing Night read from it), and says why
each need or call that was left out was left out. It runs the same nine queries whatever
the number of people: everything is loaded up front, never lazily.

Every crew of the area gets the area's break, when it has one. Coordinators' pins reach the
solver in two ways that keep the problem file within its spec: a pinned start time narrows the
call's window to that minute (earliest = latest), and a pinned crew goes to the solver as a
`CrewPin` beside the problem (`solve_build`), where the call may go to that crew or nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.errors import Invalid, NotFound
from data.models import Area, Cancellation, Carer, Need, OneOffCall, Person, Pin, StoredPlan
from data.services import checks
from data.services.access import Actor, require_area
from data.services.naming import (
    area_slug,
    carer_ref,
    client_ref,
    crew_ref,
    need_call_ref,
    one_off_call_ref,
)
from data.services.rota import WEEKDAY_NAMES, resolve_crews
from data.services.uniqueness import flush_unique
from routing.model import CrewPin, Night
from routing.plan import Plan, Unassigned
from routing.plan_file import plan_to_json
from routing.problem_file import PROBLEM_FORMAT, ProblemFileError, read_problem
from routing.solver import SolveOptions, solve


@dataclass(frozen=True)
class LeftOut:
    """A stored need or one-off call that is not in the night's problem, and why."""

    call_id: str
    person_id: int
    reason: str


@dataclass(frozen=True)
class CrewOff:
    """A crew number of the area that has no car out on the night, and why."""

    crew_id: str
    reason: str


@dataclass(frozen=True)
class NightPin:
    """A coordinator's pin of a call in the night's problem: its crew id and/or start time.

    `note` says why a pinned start was not applied (the call's window has changed since and no
    longer holds it); the crew part of the pin still holds then.
    """

    pin_id: int
    call_id: str
    crew_id: str | None
    start: str | None
    note: str | None = None


@dataclass(frozen=True)
class NightBuild:
    """One area's night as the solver will see it, and what was left out of it."""

    area_id: int
    night: date
    problem: dict[str, Any]
    routing_night: Night
    left_out: list[LeftOut]
    crews_off: list[CrewOff] = field(default_factory=list)
    pins: tuple[NightPin, ...] = ()

    @property
    def crew_pins(self) -> tuple[CrewPin, ...]:
        """The pins to a crew, as the solver takes them."""
        return tuple(CrewPin(p.call_id, p.crew_id) for p in self.pins if p.crew_id is not None)


def _care_dates_reason(start: date, end: date | None, night: date, whose: str) -> str | None:
    if night < start:
        return f"{whose} starts {start.isoformat()}"
    if end is not None and night > end:
        return f"{whose} ended {end.isoformat()}"
    return None


class _Home(Protocol):
    """Where a call happens and who lives there: a person's row."""

    id: int
    lat: float
    lon: float
    gender_request: str | None


class _NeedRow(Protocol):
    """The columns of a need that decide whether it applies on a night."""

    paused: bool
    start_date: date
    end_date: date | None
    weekdays: list[int]


def _call_json(
    call_id: str,
    person: _Home,
    *,
    earliest: str,
    latest: str,
    minutes: int,
    priority: str,
    skills: list[str],
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": call_id,
        "client": client_ref(person.id),
        "lat": person.lat,
        "lon": person.lon,
        "earliest": earliest,
        "latest": latest,
        "minutes": minutes,
    }
    if priority != "standard":
        entry["priority"] = priority
    if skills:
        entry["skills"] = sorted(skills)
    if person.gender_request is not None:
        entry["gender"] = person.gender_request
    return entry


def build_night(
    session: Session, area_id: int, night: date, *, with_pins: bool = True
) -> NightBuild:
    """The routing problem of `area_id` on `night` from stored state (no access check).

    The calls are the recurring needs that apply that night plus its one-off calls, minus the
    cancelled people's; the crews are the rota's for the night, each with the area's break. An
    after-link to a call that is not in the night is dropped (the later call still needs
    doing). The night's pins narrow pinned calls' windows and are listed in `pins` (leave them
    out with `with_pins=False`, to check a new pin against the calls as stored). Raises
    NotFound for an unknown area and Invalid (field "night") for a night outside the area's
    contract dates.
    """
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    contract = _care_dates_reason(area.start_date, area.end_date, night, "the area's contract")
    if contract is not None:
        raise Invalid(contract, "night")
    if night >= date.max:
        # The night's calls after midnight fall on the next day, which the calendar lacks.
        raise Invalid(f"a night must end by {date.max.isoformat()}", "night")

    crews_json, crews_off = _crews_json(session, area, night)
    # Plain rows of just the columns a problem needs: no secrets loaded (nor decrypted), and
    # no ORM objects to build for hundreds of people and needs.
    people = session.execute(
        select(
            Person.id,
            Person.lat,
            Person.lon,
            Person.gender_request,
            Person.start_date,
            Person.end_date,
        )
        .where(Person.area_id == area_id)
        .order_by(Person.id)
    ).all()
    needs_of: dict[int, list[Any]] = {}
    for need in session.execute(
        select(
            Need.id,
            Need.person_id,
            Need.weekdays,
            Need.start_date,
            Need.end_date,
            Need.earliest,
            Need.latest,
            Need.minutes,
            Need.priority,
            Need.skills,
            Need.after_need_id,
            Need.min_gap_minutes,
            Need.max_gap_minutes,
            Need.paused,
        )
        .join(Person, Person.id == Need.person_id)
        .where(Person.area_id == area_id)
        .order_by(Need.person_id, Need.id)
    ):
        needs_of.setdefault(need.person_id, []).append(need)
    cancelled = {
        row.person_id: row
        for row in session.scalars(
            select(Cancellation)
            .join(Person, Person.id == Cancellation.person_id)
            .where(Person.area_id == area_id, Cancellation.night == night)
        )
    }
    one_offs = session.scalars(
        select(OneOffCall)
        .join(Person, Person.id == OneOffCall.person_id)
        .where(Person.area_id == area_id, OneOffCall.night == night)
        .order_by(OneOffCall.id)
    ).all()

    calls: list[dict[str, Any]] = []
    links: dict[str, tuple[int, int, int]] = {}
    left_out: list[LeftOut] = []
    people_by_id = {p.id: p for p in people}
    absent: dict[int, str] = {}
    for person in people:
        reason = _care_dates_reason(person.start_date, person.end_date, night, "care")
        if reason is None and person.id in cancelled:
            reason = f"cancelled: {cancelled[person.id].reason}"
        if reason is not None:
            absent[person.id] = reason
        for need in needs_of.get(person.id, []):
            call_id = need_call_ref(need.id)
            why = absent.get(person.id) or _need_reason(need, night)
            if why is not None:
                left_out.append(LeftOut(call_id, person.id, why))
                continue
            calls.append(
                _call_json(
                    call_id,
                    person,
                    earliest=need.earliest,
                    latest=need.latest,
                    minutes=need.minutes,
                    priority=need.priority,
                    skills=need.skills,
                )
            )
            if need.after_need_id is not None:
                links[call_id] = (
                    need.after_need_id,
                    need.min_gap_minutes or 0,
                    need.max_gap_minutes or 0,
                )
    for one_off in one_offs:
        call_id = one_off_call_ref(one_off.id)
        if one_off.person_id in absent:
            left_out.append(LeftOut(call_id, one_off.person_id, absent[one_off.person_id]))
            continue
        calls.append(
            _call_json(
                call_id,
                people_by_id[one_off.person_id],
                earliest=one_off.earliest,
                latest=one_off.latest,
                minutes=one_off.minutes,
                priority=one_off.priority,
                skills=one_off.skills,
            )
        )

    pins = _night_pins(session, area, night, calls) if with_pins else ()
    present = {c["id"] for c in calls}
    for entry in calls:
        link = links.get(entry["id"])
        if link is not None and need_call_ref(link[0]) in present:
            entry["after"] = {
                "call": need_call_ref(link[0]),
                "min_minutes": link[1],
                "max_minutes": link[2],
            }

    problem: dict[str, Any] = {
        "format": PROBLEM_FORMAT,
        "name": f"{area_slug(area.name)}-{night.isoformat()}",
        "night": night.isoformat(),
        "timezone": area.timezone,
        "shift": {"start": area.shift_start, "end": area.shift_end},
        "base": {"lat": area.base_lat, "lon": area.base_lon},
        "travel": {
            "speed_kmh": area.speed_kmh,
            "circuity": area.circuity,
            "stop_minutes": area.stop_minutes,
        },
        "crews": crews_json,
        "calls": calls,
    }
    try:
        routing_night = read_problem(problem)
    except ProblemFileError as error:
        # Stored values are checked on the way in; this is a rule changed since (e.g. a shift).
        raise Invalid(f"the stored night does not make a valid problem: {error}", "night") from None
    return NightBuild(area.id, night, problem, routing_night, left_out, crews_off, pins)


def pin_call_ref(pin: Pin) -> str:
    """The call id of a pinned call in the night problem ("n12" or "o3")."""
    if pin.need_id is not None:
        return need_call_ref(pin.need_id)
    if pin.one_off_call_id is None:
        raise ValueError(f"pin {pin.id} names no call")
    return one_off_call_ref(pin.one_off_call_id)


def _night_pins(
    session: Session, area: Area, night: date, calls: list[dict[str, Any]]
) -> tuple[NightPin, ...]:
    """The night's pins of calls in it; a pinned start that lies in the call's window becomes
    the window (earliest = latest = start)."""
    by_id = {entry["id"]: entry for entry in calls}
    shift = checks.ShiftWindow(area.shift_start, area.shift_end)
    pins: list[NightPin] = []
    for pin in session.scalars(
        select(Pin).where(Pin.area_id == area.id, Pin.night == night).order_by(Pin.id)
    ):
        call_id = pin_call_ref(pin)
        entry = by_id.get(call_id)
        if entry is None:
            continue  # the call is not in the night (cancelled, paused): nothing to hold
        crew_id = crew_ref(area, pin.crew_number) if pin.crew_number is not None else None
        note = None
        if pin.start is not None:
            at = shift.offset(pin.start, "start")
            if (
                shift.offset(entry["earliest"], "earliest")
                <= at
                <= shift.offset(entry["latest"], "latest")
            ):
                entry["earliest"] = entry["latest"] = pin.start
            else:
                note = (
                    f"pinned start {pin.start} is outside the call's window now "
                    f"({entry['earliest']}-{entry['latest']}); change or remove the pin"
                )
        pins.append(NightPin(pin.id, call_id, crew_id, pin.start, note))
    return tuple(pins)


def _need_reason(need: _NeedRow, night: date) -> str | None:
    if need.paused:
        return "need paused"
    dates = _care_dates_reason(need.start_date, need.end_date, night, "need")
    if dates is not None:
        return dates
    if night.weekday() not in need.weekdays:
        return f"not on {WEEKDAY_NAMES[night.weekday()]}"
    return None


def _crews_json(
    session: Session, area: Area, night: date
) -> tuple[list[dict[str, Any]], list[CrewOff]]:
    crews = resolve_crews(session, area, night)
    carer_ids = {i for c in crews for i in (c.carer_a_id, c.carer_b_id) if i is not None}
    carers = {
        carer.id: carer
        for carer in session.scalars(select(Carer).where(Carer.id.in_(sorted(carer_ids))))
    }
    entries = []
    off: list[CrewOff] = []
    for crew in crews:
        crew_id = crew_ref(area, crew.crew_number)
        if not crew.on:
            reason = (
                "stood down for the night"
                if crew.source == "change"
                else f"no crew {crew.crew_number} on the rota for {WEEKDAY_NAMES[night.weekday()]}"
            )
            off.append(CrewOff(crew_id, reason))
            continue
        pair = [carers[i] for i in (crew.carer_a_id, crew.carer_b_id) if i is not None]
        inactive = [c for c in pair if not c.active]
        if inactive:
            names = " and ".join(f"{c.name} ({carer_ref(c.id)})" for c in inactive)
            off.append(CrewOff(crew_id, f"{names} no longer active: change the rota"))
            continue
        entry: dict[str, Any] = {
            "id": crew_id,
            "carers": [
                {"id": carer_ref(c.id), "gender": c.gender, "skills": sorted(c.skills)}
                for c in pair
            ],
        }
        if area.break_minutes is not None:
            entry["break"] = {
                "minutes": area.break_minutes,
                "earliest": area.break_earliest,
                "latest": area.break_latest,
            }
        entries.append(entry)
    return entries, off


def night_problem(session: Session, actor: Actor, area_id: int, night: date) -> NightBuild:
    """`build_night` for an actor who reaches the area (commissioners and its coordinators)."""
    require_area(actor, area_id, f"area {area_id}")
    return build_night(session, area_id, night)


def store_draft_plan(
    session: Session, actor: Actor, build: NightBuild, plan: Plan, *, trigger: str
) -> StoredPlan:
    """Store `plan` of `build` as the night's next draft; earlier drafts become superseded."""
    require_area(actor, build.area_id, f"area {build.area_id}")
    latest = session.scalar(
        select(func.max(StoredPlan.version)).where(
            StoredPlan.area_id == build.area_id, StoredPlan.night == build.night
        )
    )
    session.execute(
        update(StoredPlan)
        .where(
            StoredPlan.area_id == build.area_id,
            StoredPlan.night == build.night,
            StoredPlan.status == "draft",
        )
        .values(status="superseded")
    )
    stored = StoredPlan(
        area_id=build.area_id,
        night=build.night,
        version=(latest or 0) + 1,
        status="draft",
        created_by=actor.user_id,
        trigger=trigger,
        problem=build.problem,
        plan=plan_to_json(plan, build.routing_night),
        travel_minutes=round(plan.stats.travel_seconds / 60, 1),
        unassigned_count=len(plan.unassigned),
        solve_seconds=round(plan.stats.solve_seconds, 3),
    )
    flush_unique(
        session, stored, "another plan of this night was stored at the same moment; ask again"
    )
    return stored


def solve_night_to_draft(
    session: Session,
    area_id: int,
    night: date,
    actor: Actor,
    seconds: float,
    *,
    trigger: str = "requested",
) -> StoredPlan:
    """Build the night, solve it within `seconds`, and store the plan as the next draft.

    The session's transaction stays open while the solver runs; a caller on SQLite that must
    not hold the write lock that long can call `night_problem`, `routing.solver.solve` and
    `store_draft_plan` in two transactions instead.
    """
    require_area(actor, area_id, f"area {area_id}")
    if not 0 < seconds <= 600:
        raise Invalid("must be more than 0 and at most 600 seconds", "seconds")
    build = build_night(session, area_id, night)
    plan = solve_build(build, SolveOptions(time_limit=seconds))
    return store_draft_plan(session, actor, build, plan, trigger=trigger)


def solve_build(build: NightBuild, options: SolveOptions) -> Plan:
    """Solve the built night with its crew pins; an unassigned pinned call's reason names
    its pin (the crew, and the start time it was pinned to)."""
    return with_pin_reasons(
        build, solve(build.routing_night, replace(options, crew_pins=build.crew_pins))
    )


def with_pin_reasons(build: NightBuild, plan: Plan) -> Plan:
    """`plan` with each unassigned pinned call's reason saying the start it was pinned to
    (the solver names a crew pin itself, but knows a pinned start only as a narrow window)."""
    pinned = {p.call_id: p for p in build.pins}
    if not any(u.call_id in pinned for u in plan.unassigned):
        return plan
    return replace(
        plan,
        unassigned=tuple(
            Unassigned(u.call_id, _pin_reason(pinned[u.call_id], u.reason))
            if u.call_id in pinned
            else u
            for u in plan.unassigned
        ),
    )


def _pin_reason(pin: NightPin, reason: str) -> str:
    """The solver's reason for a pinned call, saying what it was pinned to."""
    if pin.start is None or pin.note is not None:
        return reason  # the solver's reason names a crew pin already
    crew_words = f"pinned to {pin.crew_id}"
    if pin.crew_id is not None and reason.startswith(crew_words):
        return f"{crew_words} at {pin.start}{reason[len(crew_words) :]}"
    return f"pinned to start at {pin.start}: {reason}"
