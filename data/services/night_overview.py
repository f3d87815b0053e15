"""What a coordinator sees of one area's night: the plan crews work from, each crew's carers,
who and what each call of the plan is, what was left out of the night and why, and what the
evening's scheduled runs did.

Read-only and eager: a fixed number of queries whatever the number of calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Invalid
from data.models import Area, Carer, Need, OneOffCall, Person, StoredPlan
from data.services import areas
from data.services.access import Actor
from data.services.naming import crew_ref
from data.services.nights import LeftOut, build_night
from data.services.plans import list_plans
from data.services.publication import EveningRun, evening_runs
from data.services.rota import resolve_crews

PUBLISHED = "published"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class CallOfNight:
    """One call of the night, described for a person reading the plan."""

    call_id: str
    person_id: int | None
    person_name: str
    label: str
    earliest: str
    latest: str
    minutes: int
    priority: str


@dataclass(frozen=True)
class CrewOfNight:
    """Crew `number` on the night: its id in the plan and its carers' names (none when off)."""

    number: int
    crew_id: str
    carer_names: tuple[str, ...]

    @property
    def on(self) -> bool:
        """Whether the crew has a car out this night."""
        return len(self.carer_names) == 2


@dataclass(frozen=True)
class NightOverview:
    """An area's night for its coordinators.

    `plan` is the plan crews work from (the published one, else the newest draft), None when
    the night has none yet; `versions` every stored version, newest first. `calls` describes
    every call of `plan` and of `left_out` by call id. `left_out_error` says why the night's
    calls could not be read from the stored state (then `left_out` is empty).
    """

    area: Area
    night: date
    plan: StoredPlan | None
    versions: list[StoredPlan]
    crews: list[CrewOfNight]
    calls: dict[str, CallOfNight]
    left_out: list[LeftOut]
    left_out_error: str | None
    runs: list[EveningRun]


def _current(versions: Iterable[StoredPlan]) -> StoredPlan | None:
    """The published version, else the newest draft (as `plans.current_plan` chooses)."""
    live = [v for v in versions if v.status != SUPERSEDED]
    published = [v for v in live if v.status == PUBLISHED]
    chosen = published or live
    return chosen[0] if chosen else None


def _ids(refs: Iterable[str], prefix: str) -> set[int]:
    return {int(ref[1:]) for ref in refs if ref.startswith(prefix) and ref[1:].isdigit()}


def describe_calls(
    session: Session, area_id: int, entries: list[dict[str, object]], left_out: list[LeftOut]
) -> dict[str, CallOfNight]:
    """Each call of a plan's problem (`entries`) and each left-out call by its id: whose it is
    and what it is called. Three queries."""
    call_ids = {str(e["id"]) for e in entries} | {o.call_id for o in left_out}
    person_ids = _ids((str(e.get("client", "")) for e in entries), "p") | {
        o.person_id for o in left_out
    }
    names = {
        person_id: name
        for person_id, name in session.execute(
            select(Person.id, Person.name).where(
                Person.id.in_(person_ids), Person.area_id == area_id
            )
        )
    }
    need_rows = {
        f"n{row.id}": row
        for row in session.execute(
            select(
                Need.id,
                Need.person_id,
                Need.label,
                Need.earliest,
                Need.latest,
                Need.minutes,
                Need.priority,
            ).where(Need.id.in_(_ids(call_ids, "n")))
        )
    }
    one_off_rows = {
        f"o{row.id}": row
        for row in session.execute(
            select(
                OneOffCall.id,
                OneOffCall.person_id,
                OneOffCall.label,
                OneOffCall.earliest,
                OneOffCall.latest,
                OneOffCall.minutes,
                OneOffCall.priority,
            ).where(OneOffCall.id.in_(_ids(call_ids, "o")))
        )
    }
    described: dict[str, CallOfNight] = {}
    for entry in entries:
        call_id = str(entry["id"])
        client = str(entry.get("client", ""))
        person_id = int(client[1:]) if client[1:].isdigit() else None
        stored = need_rows.get(call_id) or one_off_rows.get(call_id)
        described[call_id] = CallOfNight(
            call_id=call_id,
            person_id=person_id,
            person_name=names.get(person_id, client) if person_id is not None else client,
            label=stored.label if stored is not None else call_id,
            earliest=str(entry.get("earliest", "")),
            latest=str(entry.get("latest", "")),
            minutes=int(str(entry.get("minutes", 0))),
            priority=str(entry.get("priority", "standard")),
        )
    for out in left_out:
        stored = need_rows.get(out.call_id) or one_off_rows.get(out.call_id)
        if out.call_id in described or stored is None:
            continue
        described[out.call_id] = CallOfNight(
            call_id=out.call_id,
            person_id=out.person_id,
            person_name=names.get(out.person_id, f"person {out.person_id}"),
            label=stored.label,
            earliest=stored.earliest,
            latest=stored.latest,
            minutes=stored.minutes,
            priority=stored.priority,
        )
    return described


def night_overview(session: Session, actor: Actor, area_id: int, night: date) -> NightOverview:
    """An area's night for the coordinator's page (commissioners and the area's coordinators;
    NotFound for anyone else's area)."""
    area = areas.get_area(session, actor, area_id)
    versions = list_plans(session, actor, area_id, night)
    plan = _current(versions)
    left_out: list[LeftOut] = []
    left_out_error = None
    try:
        left_out = build_night(session, area_id, night).left_out
    except Invalid as error:
        left_out_error = error.detail
    crews = resolve_crews(session, area, night)
    carer_ids = {c for crew in crews for c in (crew.carer_a_id, crew.carer_b_id) if c is not None}
    carer_names = {
        carer_id: name
        for carer_id, name in session.execute(
            select(Carer.id, Carer.name).where(Carer.id.in_(carer_ids))
        )
    }
    entries = list(plan.problem.get("calls", [])) if plan is not None else []
    return NightOverview(
        area=area,
        night=night,
        plan=plan,
        versions=versions,
        crews=[
            CrewOfNight(
                number=crew.crew_number,
                crew_id=crew_ref(area, crew.crew_number),
                carer_names=tuple(
                    carer_names.get(c, f"carer {c}")
                    for c in (crew.carer_a_id, crew.carer_b_id)
                    if c is not None
                )
                if crew.on
                else (),
            )
            for crew in crews
        ],
        calls=describe_calls(session, area.id, entries, left_out),
        left_out=left_out,
        left_out_error=left_out_error,
        runs=evening_runs(session, actor, area_id, night),
    )
