"""Stored plans of a night: the whole plan for coordinators, one crew's sheet for its carers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from data.errors import Invalid, NotFound
from data.models import Area, StoredPlan
from data.services.access import CARER, COMMISSIONER, COORDINATOR, Actor, require_area, require_role
from data.services.naming import crew_ref
from data.services.rota import resolve_crews


@dataclass(frozen=True)
class CrewSheet:
    """One crew's round on one night, from the night's current plan.

    `calls` are the problem's entries for the calls on the route, in visiting order.
    """

    plan_id: int
    version: int
    status: str
    area_id: int
    night: date
    crew_id: str
    route: dict[str, Any]
    calls: list[dict[str, Any]]


def list_plans(session: Session, actor: Actor, area_id: int, night: date) -> list[StoredPlan]:
    """Every stored plan of an area's night, newest version first."""
    require_area(actor, area_id, f"area {area_id}")
    return list(
        session.scalars(
            select(StoredPlan)
            .where(StoredPlan.area_id == area_id, StoredPlan.night == night)
            .order_by(StoredPlan.version.desc())
        )
    )


def get_plan(session: Session, actor: Actor, plan_id: int) -> StoredPlan:
    """One stored plan of an area the actor reaches (commissioners and coordinators)."""
    require_role(actor, COMMISSIONER, COORDINATOR)
    plan = session.get(StoredPlan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    require_area(actor, plan.area_id, f"plan {plan_id}")
    return plan


def current_plan(session: Session, area_id: int, night: date) -> StoredPlan | None:
    """The night's plan crews work from: the published one, else the newest draft."""
    published_first = case((StoredPlan.status == "published", 0), else_=1)
    return session.scalars(
        select(StoredPlan)
        .where(
            StoredPlan.area_id == area_id,
            StoredPlan.night == night,
            StoredPlan.status != "superseded",
        )
        .order_by(published_first, StoredPlan.version.desc())
        .limit(1)
    ).first()


def crew_sheet(
    session: Session, actor: Actor, area_id: int, night: date, *, crew_number: int | None = None
) -> CrewSheet:
    """A crew's round on `night` from the current plan.

    A carer gets the sheet of the crew they are on that night (NotFound when they are on none,
    so other crews' rounds stay hidden); commissioners and coordinators name the crew.
    """
    area = session.get(Area, area_id)
    if actor.role == CARER:
        if area is None or actor.carer_id is None:
            raise NotFound(f"no round for you on {night.isoformat()}")
        numbers = [
            c.crew_number
            for c in resolve_crews(session, area, night)
            if actor.carer_id in (c.carer_a_id, c.carer_b_id)
        ]
        if not numbers:
            raise NotFound(f"no round for you on {night.isoformat()}")
        number = numbers[0]
    else:
        require_area(actor, area_id, f"area {area_id}")
        if area is None:
            raise NotFound(f"area {area_id} not found")
        if crew_number is None:
            raise Invalid("say which crew's sheet", "crew_number")
        number = crew_number
    plan = current_plan(session, area.id, night)
    if plan is None:
        raise NotFound(f"no plan yet for {night.isoformat()}")
    crew_id = crew_ref(area, number)
    route = next((r for r in plan.plan.get("routes", []) if r.get("crew") == crew_id), None)
    if route is None:
        raise NotFound(f"crew {number} has no round in the plan of {night.isoformat()}")
    problem_calls = {c["id"]: c for c in plan.problem.get("calls", [])}
    calls = [
        problem_calls[v["call"]] for v in route.get("visits", []) if v["call"] in problem_calls
    ]
    return CrewSheet(
        plan_id=plan.id,
        version=plan.version,
        status=plan.status,
        area_id=area.id,
        night=night,
        crew_id=crew_id,
        route=route,
        calls=calls,
    )
