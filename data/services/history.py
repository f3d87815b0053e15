"""Reading the audit log of a record, for those who may see the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Invalid, NotFound
from data.models import AuditEvent, Cancellation, Need, OneOffCall, Pin
from data.services.access import COMMISSIONER, COORDINATOR, Actor, require_area, require_role
from data.services.areas import get_area
from data.services.carers import get_carer
from data.services.needs import get_cancellation, get_need, get_one_off_call
from data.services.people import get_person

ENTITIES = (
    "area",
    "carer",
    "person",
    "need",
    "one_off_call",
    "cancellation",
    "rota",
    "rota_change",
    "pin",
)


def record_history(session: Session, actor: Actor, entity: str, entity_id: int) -> list[AuditEvent]:
    """The audit events of one record, oldest first.

    A person's history includes their current needs', one-off calls' and cancellations'
    events. Commissioners read any record's history, removed ones too; coordinators only
    records that exist in their areas (NotFound otherwise); the rota's is for commissioners.
    A pin's history is for commissioners and its area's coordinators, also once the pin is
    removed: removing is how a pin ends, and its history then says who removed it.
    """
    if entity not in ENTITIES:
        raise Invalid(f"must be one of {', '.join(ENTITIES)}", "entity")
    if entity in ("rota", "rota_change"):
        require_role(actor, COMMISSIONER)
    wanted: list[tuple[str, list[int]]] = [(entity, [entity_id])]
    if actor.role == COMMISSIONER:
        if entity == "person":
            wanted += _person_records(session, entity_id)
        return _events(session, wanted)
    if entity == "area":
        get_area(session, actor, entity_id)
    elif entity == "carer":
        get_carer(session, actor, entity_id)
    elif entity == "need":
        get_need(session, actor, entity_id)
    elif entity == "one_off_call":
        get_one_off_call(session, actor, entity_id)
    elif entity == "cancellation":
        get_cancellation(session, actor, entity_id)
    elif entity == "pin":
        require_role(actor, COMMISSIONER, COORDINATOR)
        require_area(actor, _pin_area(session, entity_id), f"pin {entity_id}")
    else:
        get_person(session, actor, entity_id)
        wanted += _person_records(session, entity_id)
    return _events(session, wanted)


def _pin_area(session: Session, pin_id: int) -> int:
    """The area of a pin, or of a removed pin as its audit events recorded it (a pin never
    moves to another area); NotFound when neither tells."""
    area_id = session.scalar(select(Pin.area_id).where(Pin.id == pin_id))
    if area_id is not None:
        return area_id
    for event in session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "pin", AuditEvent.entity_id == pin_id)
        .order_by(AuditEvent.id)
    ):
        recorded = (event.after or event.before or {}).get("area_id")
        if isinstance(recorded, int):
            return recorded
    raise NotFound(f"pin {pin_id} not found")


def _person_records(session: Session, person_id: int) -> list[tuple[str, list[int]]]:
    return [
        (name, list(session.scalars(select(model.id).where(model.person_id == person_id))))
        for name, model in (
            ("need", Need),
            ("one_off_call", OneOffCall),
            ("cancellation", Cancellation),
        )
    ]


def _events(session: Session, wanted: list[tuple[str, list[int]]]) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for entity, ids in wanted:
        if ids:
            events.extend(
                session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids)
                    )
                )
            )
    return sorted(events, key=lambda e: e.id)
