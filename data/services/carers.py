"""Carers: who works nights in an area, with their gender and skills."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid, NotFound
from data.models import Area, Carer, RotaChange, RotaCrew, User
from data.services import checks
from data.services.access import Actor, area_filter, require_area
from data.services.audit import record_event, snapshot
from data.services.listing import Page, page_of


@dataclass(frozen=True)
class CarerFields:
    """Everything stored about a carer."""

    area_id: int
    name: str
    gender: str
    skills: list[str] = field(default_factory=list)
    phone: str | None = None
    email: str | None = None
    active: bool = True


def _check(session: Session, actor: Actor, fields: CarerFields) -> CarerFields:
    require_area(actor, fields.area_id, f"area {fields.area_id}")
    if session.get(Area, fields.area_id) is None:
        raise Invalid(f"there is no area {fields.area_id}", "area_id")
    email = fields.email.strip() if fields.email else None
    if email is not None and "@" not in email:
        raise Invalid("is not an email address", "email")
    return CarerFields(
        area_id=fields.area_id,
        name=checks.text_required(fields.name, "name"),
        gender=checks.gender(fields.gender, "gender", optional=False) or "",
        skills=checks.skills_list(fields.skills),
        phone=checks.phone(fields.phone, "phone"),
        email=email,
        active=bool(fields.active),
    )


def create_carer(session: Session, actor: Actor, fields: CarerFields) -> Carer:
    """Add a carer to an area the actor reaches."""
    checked = _check(session, actor, fields)
    carer = Carer(**checked.__dict__)
    session.add(carer)
    session.flush()
    record_event(
        session, actor, action="create", entity="carer", entity_id=carer.id, after=snapshot(carer)
    )
    return carer


def get_carer(session: Session, actor: Actor, carer_id: int) -> Carer:
    """One carer in an area the actor reaches."""
    carer = session.get(Carer, carer_id)
    if carer is None:
        raise NotFound(f"carer {carer_id} not found")
    require_area(actor, carer.area_id, f"carer {carer_id}")
    return carer


def list_carers(
    session: Session,
    actor: Actor,
    *,
    area_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Carer]:
    """Carers in the areas the actor reaches (or in one of them), by name."""
    reachable = area_filter(actor)
    query = select(Carer).order_by(Carer.name, Carer.id)
    if reachable is not None:
        query = query.where(Carer.area_id.in_(reachable))
    if area_id is not None:
        require_area(actor, area_id, f"area {area_id}")
        query = query.where(Carer.area_id == area_id)
    return page_of(session, query, offset=offset, limit=limit)


def update_carer(
    session: Session, actor: Actor, carer_id: int, changes: Mapping[str, Any]
) -> Carer:
    """Change some of a carer's fields; a carer on the rota cannot move to another area."""
    carer = get_carer(session, actor, carer_id)
    before = snapshot(carer)
    current = CarerFields(**{n: getattr(carer, n) for n in CarerFields.__dataclass_fields__})
    checked = _check(session, actor, checks.merge_changes(current, changes))
    if checked.area_id != carer.area_id and _on_rota(session, carer_id):
        raise Conflict("this carer is on the rota; take them off it before moving area", "area_id")
    for name, value in checked.__dict__.items():
        setattr(carer, name, value)
    session.flush()
    record_event(
        session,
        actor,
        action="update",
        entity="carer",
        entity_id=carer.id,
        before=before,
        after=snapshot(carer),
    )
    return carer


def _on_rota(session: Session, carer_id: int) -> bool:
    in_pattern = exists().where(
        or_(RotaCrew.carer_a_id == carer_id, RotaCrew.carer_b_id == carer_id)
    )
    in_changes = exists().where(
        or_(RotaChange.carer_a_id == carer_id, RotaChange.carer_b_id == carer_id)
    )
    return bool(session.scalar(select(in_pattern))) or bool(session.scalar(select(in_changes)))


def delete_carer(session: Session, actor: Actor, carer_id: int) -> None:
    """Remove a carer who is on no rota and has no sign-in (otherwise mark them inactive)."""
    carer = get_carer(session, actor, carer_id)
    if _on_rota(session, carer_id):
        raise Conflict("this carer is on the rota; take them off it or mark them inactive")
    if session.scalar(select(exists().where(User.carer_id == carer_id))):
        raise Conflict("this carer has a sign-in; mark them inactive instead")
    before = snapshot(carer)
    session.delete(carer)
    session.flush()
    record_event(session, actor, action="delete", entity="carer", entity_id=carer_id, before=before)
