"""ADAPTER, to move into data/services/nights.py: reading stored plans, with the carer rule.

The shared design has no service for reading plans back. Until data/ has one (asked for in
the API report: `list_plans(session, actor, area_id, night, *, offset, limit)`,
`get_plan(session, actor, plan_id)` and `visible_crews(session, actor, plan)`), the queries
live here, and only here.

Commissioners and the area's coordinators see every plan of the area. A carer sees the plans
of a night their crew works in that area, and in each only their own crew's route; anyone
else's plan, or a night the carer is not on, is NotFound.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import NotFound
from data.models import Area, StoredPlan
from data.services.access import CARER, Actor, require_area
from data.services.listing import Page, page_of
from data.services.naming import crew_ref
from data.services.rota import resolve_crews


def _carer_crews(session: Session, actor: Actor, area: Area, night: date) -> frozenset[str]:
    """The crew ids the signed-in carer is on, in `area` on `night`."""
    if actor.carer_id is None:
        return frozenset()
    return frozenset(
        crew_ref(area, crew.crew_number)
        for crew in resolve_crews(session, area, night)
        if actor.carer_id in (crew.carer_a_id, crew.carer_b_id)
    )


def _require_night(session: Session, actor: Actor, area_id: int, night: date) -> Area:
    what = f"area {area_id} on {night.isoformat()}"
    if actor.role == CARER:
        area = session.get(Area, area_id)
        if area is None or not _carer_crews(session, actor, area, night):
            raise NotFound(f"{what} not found")
        return area
    require_area(actor, area_id, f"area {area_id}")
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def list_plans(
    session: Session, actor: Actor, area_id: int, night: date, *, offset: int, limit: int
) -> Page[StoredPlan]:
    """The plans of an area's night, newest version first (carers: nights they are on)."""
    _require_night(session, actor, area_id, night)
    query = (
        select(StoredPlan)
        .where(StoredPlan.area_id == area_id, StoredPlan.night == night)
        .order_by(StoredPlan.version.desc())
    )
    return page_of(session, query, offset=offset, limit=limit)


def get_plan(session: Session, actor: Actor, plan_id: int) -> StoredPlan:
    """One stored plan the actor may see."""
    plan = session.get(StoredPlan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    try:
        _require_night(session, actor, plan.area_id, plan.night)
    except NotFound:
        raise NotFound(f"plan {plan_id} not found") from None
    return plan


def visible_crews(session: Session, actor: Actor, plan: StoredPlan) -> frozenset[str] | None:
    """The crews whose routes the actor may see in `plan`: None for all (not a carer)."""
    if actor.role != CARER:
        return None
    area = session.get(Area, plan.area_id)
    return frozenset() if area is None else _carer_crews(session, actor, area, plan.night)
