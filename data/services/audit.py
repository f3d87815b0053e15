"""The audit log: who changed what, when, with the record before and after; secrets masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from data.models import AuditEvent, Base
from data.services.access import Actor

SECRET_FIELDS = frozenset({"access_notes", "key_safe_code", "password_hash"})
# A person's phone is personal data shown where their access notes are; a carer's phone and
# an area's on-call line are work numbers, kept in the log as they are.
SECRET_FIELDS_OF_TABLE = {"people": frozenset({"phone", "contact_name"})}
MASK = "(hidden)"


def snapshot(record: Base) -> dict[str, Any]:
    """A JSON-ready copy of a record's columns, with secret fields masked."""
    values: dict[str, Any] = {}
    secret = SECRET_FIELDS | SECRET_FIELDS_OF_TABLE.get(record.__tablename__, frozenset())
    for column in record.__table__.columns:
        value = getattr(record, column.key)
        if column.key in secret:
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
