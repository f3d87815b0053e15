"""A crew's route sheet for one night: what the carers read on a phone or on paper.

The sheet is assembled from a stored plan and its problem: the crew's carers, base and shift,
every visit in order (arrival, window, person, address, care tasks, drive from the previous
stop), the break, the totals and the area's on-call line. Access notes, key-safe codes and the
households' phones are on it only for the area's coordinators and for that night's crew, on
the current version and until the shift is over (retention): after that the sheet still shows
the round, without the secrets. The crew's carers read them by the rule of
`/people/{id}/secrets` (`data.services.people.require_crew_secrets`): from the night's
published plan, from the day of the night; before, their sheet shows the round without them.

Changes are marked against the previous version the carers were given (the newest earlier
published version of the night; drafts never reach carers): a visit new to the crew, one taken
over from another crew, one whose care start moved more than `SHEET_MOVED_SECONDS` (10
minutes: less is within a carer's own slack and would mark half the round after any change),
and the visits taken off this crew's round. A visit that only moved up or down the list is not
marked; if its care start moved with it, that is. The care start is what the person was told
and what the crew must keep; the arrival before it follows a rule of ours (time to park and
use the key safe) that may change, and a new rule must not mark visits whose care did not
move. The per-crew comparison is the publication's own
(`data.services.publication.round_changes`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Conflict, Forbidden, NotFound
from data.models import Area, Carer, Need, OneOffCall, Person, StoredPlan
from data.services.access import CARER, COORDINATOR, Actor, require_area
from data.services.audit import record_event
from data.services.naming import crew_ref
from data.services.people import SECRET_FIELDS, night_end, require_crew_secrets
from data.services.plans import current_plan
from data.services.publication import (
    REPUBLISHED,
    SCHEDULED,
    PlannedVisit,
    RoundChanges,
    planned_visits,
    round_changes,
    seconds_between,
)
from data.services.rota import resolve_crews
from routing.problem_file import read_problem


@dataclass(frozen=True)
class SheetCarer:
    """One of the crew's carers: name and phone (for a tap-to-call link)."""

    name: str
    phone: str | None


SHEET_MOVED_SECONDS = 10 * 60

NEW = "new"
FROM_CREW = "from_crew"
TIME_CHANGED = "time_changed"


@dataclass(frozen=True)
class VisitChange:
    """How a visit differs from the previous version: `NEW` (on no crew's round then),
    `FROM_CREW` (crew `was_crew_number`'s then, arriving at `was_arrive`), or `TIME_CHANGED`
    (care starts more than 10 minutes from `was_start`, when the crew arrived at
    `was_arrive`)."""

    kind: str
    was_crew_number: int | None = None
    was_arrive: str | None = None
    was_start: str | None = None

    @property
    def text(self) -> str:
        """The mark as the sheet prints it, e.g. "care start changed from 01:15"."""
        if self.kind == TIME_CHANGED:
            return f"care start changed from {self.was_start}"
        if self.kind == FROM_CREW:
            return f"new to this crew (was crew {self.was_crew_number}'s at {self.was_arrive})"
        return "new"


@dataclass(frozen=True)
class RemovedVisit:
    """A visit on the crew's previous version that is not on this one, and where it went:
    `now_crew_number` has it now, or None when no crew has it (cancelled, or not planned)."""

    call_id: str
    person_name: str
    tasks: tuple[str, ...]
    was_arrive: str
    now_crew_number: int | None

    @property
    def text(self) -> str:
        """Where the visit went, as the sheet prints it."""
        if self.now_crew_number is None:
            return "no longer planned"
        return f"now crew {self.now_crew_number}'s"


@dataclass(frozen=True)
class SheetVisit:
    """One visit on the round, in local wall-clock times ("HH:MM")."""

    number: int
    call_id: str
    arrive: str
    start: str
    end: str
    earliest: str
    latest: str
    person_name: str
    address: str
    lat: float
    lon: float
    tasks: tuple[str, ...]
    care_minutes: int
    drive_minutes: int
    access_notes: str | None
    key_safe_code: str | None
    phone: str | None = None
    contact_name: str | None = None
    change: VisitChange | None = None
    # What the crew must know before the door: how much the call matters, the skills it takes
    # (a hoist, medication) and the person's risk notes ("oxygen in use; no naked flames").
    priority: str = "standard"
    skills: tuple[str, ...] = ()
    risk_notes: str | None = None


@dataclass(frozen=True)
class SheetBreak:
    """The crew's rest: when, and after how many visits of the round it falls."""

    start: str
    end: str
    after_visits: int


@dataclass(frozen=True)
class RouteSheet:
    """One crew's round on one night from one stored plan version.

    `superseded` is True when the version is no longer the night's current plan, and
    `current_plan_id` then names the one to read instead (None when there is none).
    `secrets_shown` says whether access notes, key-safe codes and households' phones were
    included; `on_call_phone` is the area's night line, on every sheet. `base_address` is the
    area's base by name and address when it gives one and the plan starts there (None shows
    the base by its coordinates). `secrets_withheld` says why a carer's sheet of the current
    version holds none (the night's plan is not published yet, the night has not come: when
    they appear, or its shift is over), None otherwise.
    `previous_version` is the version changes are marked against (None for the first one
    published); `removed` lists the visits it had on this crew's round that this one has not.
    """

    plan_id: int
    version: int
    status: str
    area_id: int
    area_name: str
    night: date
    crew_number: int
    crew_id: str
    carers: tuple[SheetCarer, ...]
    base_lat: float
    base_lon: float
    shift_start: str
    shift_end: str
    depart: str
    return_at: str
    visits: tuple[SheetVisit, ...]
    rest_break: SheetBreak | None
    drive_minutes: int
    return_drive_minutes: int
    care_minutes: int
    superseded: bool
    current_plan_id: int | None
    secrets_shown: bool
    night_over: bool
    previous_version: int | None = None
    removed: tuple[RemovedVisit, ...] = ()
    on_call_phone: str | None = None
    base_address: str | None = None
    secrets_withheld: str | None = None

    @property
    def changes_marked(self) -> int:
        """How many visits are marked as changed, and how many were taken off the round."""
        return sum(1 for v in self.visits if v.change is not None) + len(self.removed)

    @property
    def changes_summary(self) -> str | None:
        """One sentence on the changes since the previous version (None for the first)."""
        if self.previous_version is None:
            return None
        if self.changes_marked == 0:
            return f"No changes to this round since version {self.previous_version}."
        marked = sum(1 for v in self.visits if v.change is not None)
        parts = [f"{marked} visit{'s' if marked != 1 else ''} marked"] if marked else []
        if self.removed:
            parts.append(f"{len(self.removed)} taken off this round (listed below)")
        return f"Changes since version {self.previous_version}: {', '.join(parts)}."


def route_sheet(
    session: Session,
    actor: Actor,
    area_id: int,
    night: date,
    crew_number: int,
    *,
    now: datetime | None = None,
    secrets: bool = True,
) -> RouteSheet:
    """Crew `crew_number`'s sheet from the night's current plan (`secrets=False`: without
    access notes and codes, for a drawing; nothing is then written to the audit log).

    A carer gets only the sheet of the crew they are on that night (NotFound otherwise, so
    other crews' rounds stay hidden); coordinators and commissioners of the area get any crew's.
    """
    area = session.get(Area, area_id)
    _require_sheet_access(session, actor, area, area_id, night, crew_number)
    assert area is not None
    plan = current_plan(session, area.id, night)
    if plan is None:
        raise NotFound(f"no plan yet for {night.isoformat()}")
    return _assemble(
        session, actor, area, plan, crew_number, plan, now or datetime.now(UTC), secrets
    )


def route_sheet_of_plan(
    session: Session,
    actor: Actor,
    plan_id: int,
    crew_number: int,
    *,
    now: datetime | None = None,
    secrets: bool = True,
) -> RouteSheet:
    """Crew `crew_number`'s sheet from one stored plan version (say so if it is superseded).

    A superseded version never shows access notes or key-safe codes: the crew works from the
    current one.
    """
    plan = session.get(StoredPlan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    area = session.get(Area, plan.area_id)
    _require_sheet_access(session, actor, area, plan.area_id, plan.night, crew_number)
    assert area is not None
    current = current_plan(session, area.id, plan.night)
    return _assemble(
        session, actor, area, plan, crew_number, current, now or datetime.now(UTC), secrets
    )


def _carer_crew_numbers(session: Session, area: Area, night: date, carer_id: int) -> set[int]:
    return {
        c.crew_number
        for c in resolve_crews(session, area, night)
        if carer_id in (c.carer_a_id, c.carer_b_id)
    }


def _require_sheet_access(
    session: Session,
    actor: Actor,
    area: Area | None,
    area_id: int,
    night: date,
    crew_number: int,
) -> None:
    if actor.role == CARER:
        if (
            area is None
            or actor.carer_id is None
            or crew_number not in _carer_crew_numbers(session, area, night, actor.carer_id)
        ):
            raise NotFound(f"no sheet of crew {crew_number} for you on {night.isoformat()}")
        return
    require_area(actor, area_id, f"area {area_id}")
    if area is None:
        raise NotFound(f"area {area_id} not found")


def _may_see_secrets(actor: Actor, area: Area) -> bool:
    # Carers reaching this point are on the crew that night (checked by _require_sheet_access);
    # commissioners oversee the contract and do not open doors.
    if actor.role == CARER:
        return True
    return actor.role == COORDINATOR and area.id in actor.area_ids


def _withheld_from_carer(
    session: Session,
    area: Area,
    night: date,
    crew_number: int,
    person_ids: list[int],
    now: datetime,
) -> str | None:
    # The sheet still shows the round (the crew may look ahead, and look back), only not the
    # codes: the rule is the one /people/{id}/secrets refuses by.
    try:
        require_crew_secrets(session, area, night, crew_number, person_ids, now)
    except Forbidden as refusal:
        return refusal.detail
    return None


def _local_time(value: Any, zone: ZoneInfo, zoned: bool) -> str:
    # On a night across a clock change a bare 01:30 would name two moments (or none).
    return (
        datetime.fromisoformat(str(value))
        .astimezone(zone)
        .strftime("%H:%M %Z" if zoned else "%H:%M")
    )


def _ids(refs: list[str], prefix: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}(\d+)$")
    return [int(m.group(1)) for r in refs if (m := pattern.match(r))]


def _crew_number(crew_id: str) -> int | None:
    # Crew ids are naming.crew_ref's "<area>-car-N"; the area part may itself hold digits.
    match = re.search(r"-car-(\d+)$", crew_id)
    return int(match.group(1)) if match else None


def _care_start_moved(old: PlannedVisit, new: PlannedVisit) -> bool:
    return seconds_between(old.start, new.start) > SHEET_MOVED_SECONDS


def previous_publication(session: Session, plan: StoredPlan) -> StoredPlan | None:
    """The newest version of `plan`'s night before it that was published to the carers (it may
    be superseded since); drafts are skipped, the crews never had them."""
    return session.scalars(
        select(StoredPlan)
        .where(
            StoredPlan.area_id == plan.area_id,
            StoredPlan.night == plan.night,
            StoredPlan.version < plan.version,
            StoredPlan.trigger.in_((SCHEDULED, REPUBLISHED)),
        )
        .order_by(StoredPlan.version.desc())
        .limit(1)
    ).first()


def _assemble(
    session: Session,
    actor: Actor,
    area: Area,
    plan: StoredPlan,
    crew_number: int,
    current: StoredPlan | None,
    now: datetime,
    secrets: bool,
) -> RouteSheet:
    try:
        return _assemble_unchecked(session, actor, area, plan, crew_number, current, now, secrets)
    except (KeyError, TypeError, ValueError, StopIteration) as error:  # ProblemFileError too
        # Plans the service stores always read; one that does not was written by hand.
        raise Conflict(f"plan {plan.id} cannot be read as a route sheet: {error}") from error


def _assemble_unchecked(
    session: Session,
    actor: Actor,
    area: Area,
    plan: StoredPlan,
    crew_number: int,
    current: StoredPlan | None,
    now: datetime,
    secrets: bool,
) -> RouteSheet:
    crew_id = crew_ref(area, crew_number)
    route = next((r for r in plan.plan.get("routes", []) if r.get("crew") == crew_id), None)
    if route is None:
        raise NotFound(f"crew {crew_number} has no round in plan {plan.id}")
    zone = ZoneInfo(area.timezone)
    # Clocks change in the small hours, so noon before and the shift's end straddle any change.
    zoned = (
        datetime.combine(plan.night, time(12), tzinfo=zone).utcoffset()
        != night_end(area, plan.night).utcoffset()
    )
    problem = plan.problem
    routing_night = read_problem(problem)
    crew = routing_night.crew(crew_id)
    problem_calls = {c["id"]: c for c in problem.get("calls", [])}
    problem_crew = next(c for c in problem.get("crews", []) if c.get("id") == crew_id)
    visits_json = [v for v in route.get("visits", []) if v["call"] in problem_calls]

    previous = previous_publication(session, plan)
    round_change = (
        round_changes(previous.plan, plan.plan, moved=_care_start_moved).get(crew_id)
        if previous is not None
        else None
    )
    was = planned_visits(previous.plan) if previous is not None else {}
    previous_calls = (
        {c["id"]: c for c in previous.problem.get("calls", [])} if previous is not None else {}
    )
    removed_ids = list(round_change.removed) if round_change is not None else []

    call_ids = [v["call"] for v in visits_json]
    labels: dict[str, str] = {}
    need_ids = _ids(call_ids + removed_ids, "n")
    if need_ids:
        for need in session.scalars(select(Need).where(Need.id.in_(need_ids))):
            labels[f"n{need.id}"] = need.label
    one_off_ids = _ids(call_ids + removed_ids, "o")
    if one_off_ids:
        for one_off in session.scalars(select(OneOffCall).where(OneOffCall.id.in_(one_off_ids))):
            labels[f"o{one_off.id}"] = one_off.label
    person_ids = _ids(
        [str(problem_calls[c].get("client", "")) for c in call_ids]
        + [str(previous_calls.get(c, {}).get("client", "")) for c in removed_ids],
        "p",
    )
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
        if person_ids
        else {}
    )
    carer_ids = _ids([str(c.get("id", "")) for c in problem_crew.get("carers", [])], "k")
    carers_by_id = (
        {c.id: c for c in session.scalars(select(Carer).where(Carer.id.in_(carer_ids)))}
        if carer_ids
        else {}
    )

    superseded = current is None or current.id != plan.id
    night_over = now >= night_end(area, plan.night)
    withheld = (
        _withheld_from_carer(
            session,
            area,
            plan.night,
            crew_number,
            _ids([str(problem_calls[c].get("client", "")) for c in call_ids], "p"),
            now,
        )
        if actor.role == CARER and not superseded
        else None
    )
    secrets_shown = (
        secrets
        and not superseded
        and not night_over
        and withheld is None
        and _may_see_secrets(actor, area)
    )

    visits: list[SheetVisit] = []
    place = crew.start_place
    revealed: list[int] = []
    for number, visit in enumerate(visits_json, start=1):
        call_json = problem_calls[visit["call"]]
        call = routing_night.call(visit["call"])
        person_ids_of_call = _ids([str(call_json.get("client", ""))], "p")
        person = people.get(person_ids_of_call[0]) if person_ids_of_call else None
        if secrets_shown and person is not None and person.id not in revealed:
            revealed.append(person.id)
        visits.append(
            SheetVisit(
                number=number,
                call_id=call.id,
                arrive=_local_time(visit["arrive"], zone, zoned),
                start=_local_time(visit["start"], zone, zoned),
                end=_local_time(visit["end"], zone, zoned),
                earliest=str(call_json.get("earliest", "")),
                latest=str(call_json.get("latest", "")),
                person_name=person.name if person is not None else str(call_json.get("client")),
                address=person.address if person is not None else "",
                lat=float(call_json["lat"]),
                lon=float(call_json["lon"]),
                tasks=(labels[call.id],) if call.id in labels else (),
                care_minutes=round(call.duration / 60),
                drive_minutes=round(routing_night.travel(place, call.place) / 60),
                access_notes=person.access_notes if secrets_shown and person else None,
                key_safe_code=person.key_safe_code if secrets_shown and person else None,
                phone=person.phone if secrets_shown and person else None,
                contact_name=person.contact_name if secrets_shown and person else None,
                change=_visit_change(call.id, round_change, was, zone, zoned),
                priority=call.priority.value,
                skills=tuple(sorted(call.skills)),
                risk_notes=person.risk_notes if person is not None else None,
            )
        )
        place = call.place
    for person_id in revealed:
        record_event(
            session,
            actor,
            action="read-secret",
            entity="person",
            entity_id=person_id,
            after={"fields": list(SECRET_FIELDS), "plan_id": plan.id},
        )
    if revealed:
        session.flush()

    rest_break: SheetBreak | None = None
    if route.get("break"):
        start = datetime.fromisoformat(str(route["break"]["start"]))
        before = sum(1 for v in visits_json if datetime.fromisoformat(str(v["arrive"])) <= start)
        rest_break = SheetBreak(
            start=_local_time(route["break"]["start"], zone, zoned),
            end=_local_time(route["break"]["end"], zone, zoned),
            after_visits=before,
        )
    shift = problem_crew.get("shift") or problem.get("shift", {})
    base = problem.get("base", {})
    base_lat = float(base.get("lat", area.base_lat))
    base_lon = float(base.get("lon", area.base_lon))
    return_drive = round(routing_night.travel(place, crew.end_place) / 60)
    now_planned = planned_visits(plan.plan)
    removed: list[RemovedVisit] = []
    for call_id in removed_ids:
        client = str(previous_calls.get(call_id, {}).get("client", ""))
        client_ids = _ids([client], "p")
        person = people.get(client_ids[0]) if client_ids else None
        removed.append(
            RemovedVisit(
                call_id=call_id,
                person_name=person.name if person is not None else client,
                tasks=(labels[call_id],) if call_id in labels else (),
                was_arrive=_local_time(was[call_id].arrive, zone, zoned),
                now_crew_number=(
                    _crew_number(now_planned[call_id].crew) if call_id in now_planned else None
                ),
            )
        )
    removed.sort(key=lambda r: datetime.fromisoformat(was[r.call_id].arrive))
    carers = tuple(
        SheetCarer(name=carers_by_id[i].name, phone=carers_by_id[i].phone)
        for i in carer_ids
        if i in carers_by_id
    )
    return RouteSheet(
        plan_id=plan.id,
        version=plan.version,
        status=plan.status,
        area_id=area.id,
        area_name=area.name,
        night=plan.night,
        crew_number=crew_number,
        crew_id=crew_id,
        carers=carers,
        base_lat=base_lat,
        base_lon=base_lon,
        shift_start=str(shift.get("start", area.shift_start)),
        shift_end=str(shift.get("end", area.shift_end)),
        depart=_local_time(route["depart"], zone, zoned),
        return_at=_local_time(route["return"], zone, zoned),
        visits=tuple(visits),
        rest_break=rest_break,
        drive_minutes=sum(v.drive_minutes for v in visits) + return_drive,
        return_drive_minutes=return_drive,
        care_minutes=sum(v.care_minutes for v in visits),
        superseded=superseded,
        current_plan_id=None if current is None or not superseded else current.id,
        secrets_shown=secrets_shown,
        night_over=night_over,
        previous_version=previous.version if previous is not None else None,
        removed=tuple(removed),
        on_call_phone=area.on_call_phone,
        base_address=_base_address(area, base_lat, base_lon),
        secrets_withheld=withheld,
    )


def _base_address(area: Area, lat: float, lon: float) -> str | None:
    # A plan keeps the base it was made from; once the area's base has moved, its address
    # names another place, and the sheet shows the plan's base by its coordinates.
    same_place = math.isclose(lat, area.base_lat, abs_tol=1e-6) and math.isclose(
        lon, area.base_lon, abs_tol=1e-6
    )
    return area.base_address if same_place else None


def _visit_change(
    call_id: str,
    round_change: RoundChanges | None,
    was: dict[str, PlannedVisit],
    zone: ZoneInfo,
    zoned: bool,
) -> VisitChange | None:
    if round_change is None:
        return None
    if call_id in round_change.added:
        if call_id not in was:
            return VisitChange(NEW)
        return VisitChange(
            FROM_CREW,
            was_crew_number=_crew_number(was[call_id].crew),
            was_arrive=_local_time(was[call_id].arrive, zone, zoned),
        )
    if call_id in round_change.moved:
        return VisitChange(
            TIME_CHANGED,
            was_arrive=_local_time(was[call_id].arrive, zone, zoned),
            was_start=_local_time(was[call_id].start, zone, zoned),
        )
    return None


@dataclass(frozen=True)
class DrawnStop:
    """A point of the route drawing in viewBox units: 0 is the base, then visit numbers."""

    number: int
    x: float
    y: float


def route_drawing(sheet: RouteSheet, *, width: int = 400, height: int = 400) -> list[DrawnStop]:
    """The base and the visits projected from lat/lon into a `width` × `height` box.

    Equirectangular, with longitude scaled by the cosine of the mean latitude so a round in
    one town keeps its shape; a margin keeps the markers inside the box.
    """

    points = [(sheet.base_lat, sheet.base_lon)] + [(v.lat, v.lon) for v in sheet.visits]
    mean_lat = math.radians(sum(p[0] for p in points) / len(points))
    xs = [lon * math.cos(mean_lat) for _, lon in points]
    ys = [lat for lat, _ in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    margin = 30.0
    scale = min(width, height) - 2 * margin
    return [
        DrawnStop(
            number=i,
            x=round(margin + (x - min(xs)) / span * scale, 1),
            y=round(height - margin - (y - min(ys)) / span * scale, 1),
        )
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
