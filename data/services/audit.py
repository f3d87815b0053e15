"""The audit log: who changed what, when, with the record before and after; secrets masked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEvent, Base
from data.services.access import COMMISSIONER, COORDINATOR, Actor, require_role

SECRET_FIELDS = frozenset({"access_notes", "key_safe_code", "password_hash"})
MASK = "(hidden)"


def snapshot(record: Base) -> dict[str, Any]:
    """A JSON-ready copy of a record's columns, with secret fields masked."""
    values: dict[str, Any] = {}
    for column in record.__table__.columns:
        value = getattr(record, column.key)
        if column.key in SECRET_FIELDS:
            values[column.key] = None if value is None else MASK
        elif isinstance(value, date | datetime):
            values[column.key] = value.isoformat()
        else:
            values[column.key] = value
    return values


def record_event(
    session: Session,
    actor: Actor,
    *,
    action: str,
    entity: str,
    entity_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event in the caller's transaction."""
    event = AuditEvent(
        user_id=actor.user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def audit_trail(
    session: Session, actor: Actor, *, entity: str, entity_ids: Iterable[int]
) -> list[AuditEvent]:
    """The events of these records, oldest first (callers check access to the records)."""
    require_role(actor, COMMISSIONER, COORDINATOR)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(list(entity_ids)))
            .order_by(AuditEvent.id)
        )
    )
