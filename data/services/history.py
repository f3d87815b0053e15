"""Reading the audit log of a record, for those who may see the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Invalid
from data.models import AuditEvent, Cancellation, Need, OneOffCall
from data.services.access import COMMISSIONER, Actor, require_role
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
)


def record_history(session: Session, actor: Actor, entity: str, entity_id: int) -> list[AuditEvent]:
    """The audit events of one record, oldest first.

    A person's history includes their current needs', one-off calls' and cancellations'
    events. Commissioners read any record's history, removed ones too; coordinators only
    records that exist in their areas (NotFound otherwise); the rota's is for commissioners.
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
    else:
        get_person(session, actor, entity_id)
        wanted += _person_records(session, entity_id)
    return _events(session, wanted)


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
