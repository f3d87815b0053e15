"""Which crew a signed-in carer is on tonight: what their home page opens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from data.errors import NotFound
from data.models import Area, Carer
from data.services.access import CARER, Actor, require_role
from data.services.people import current_night
from data.services.plans import current_plan
from data.services.rota import resolve_crews


@dataclass(frozen=True)
class CarerTonight:
    """The carer, their area, the night under way there, their crew (None: not on), and the
    night's current plan (None: not planned yet)."""

    carer_name: str
    area_id: int
    area_name: str
    night: date
    crew_number: int | None
    plan_id: int | None


def carer_tonight(session: Session, actor: Actor, now: datetime | None = None) -> CarerTonight:
    """The night under way (or next to start) in the carer's area, and their crew on it.

    Only carers ask this (Forbidden otherwise); a carer sign-in without its carer record is
    NotFound.
    """
    require_role(actor, CARER)
    carer = session.get(Carer, actor.carer_id) if actor.carer_id is not None else None
    if carer is None:
        raise NotFound("your sign-in has no carer record: ask your coordinator")
    area = session.get(Area, carer.area_id)
    if area is None:
        raise NotFound(f"area {carer.area_id} not found")
    night = current_night(area, now or datetime.now(UTC))
    crews = resolve_crews(session, area, night)
    number = next(
        (c.crew_number for c in crews if carer.id in (c.carer_a_id, c.carer_b_id) and c.on),
        None,
    )
    return CarerTonight(
        carer_name=carer.name,
        area_id=area.id,
        area_name=area.name,
        night=night,
        crew_number=number,
        plan_id=plan.id if (plan := current_plan(session, area.id, night)) else None,
    )
