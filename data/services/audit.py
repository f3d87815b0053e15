"""The audit log: who changed what, when, with the record before and after; secrets masked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import FromClause, Table, insert
from sqlalchemy.orm import Session

from data.database import SessionOrConnection
from data.models import AuditEvent, Base
from data.services.access import Actor

SECRET_FIELDS = frozenset({"access_notes", "key_safe_code", "password_hash"})
# A person's phone is personal data shown where their access notes are; a carer's phone and
# an area's on-call line are work numbers, kept in the log as they are.
SECRET_FIELDS_OF_TABLE = {"people": frozenset({"phone", "contact_name"})}
MASK = "(hidden)"


def snapshot(record: Base) -> dict[str, Any]:
    """A JSON-ready copy of a record's columns, with secret fields masked."""
    return snapshot_of_values(
        record.__table__,
        {column.key: getattr(record, column.key) for column in record.__table__.columns},
    )


def snapshot_of_values(table: FromClause, values: Mapping[str, Any]) -> dict[str, Any]:
    """`snapshot` of a row of `table` given as its column values (every column present)."""
    result: dict[str, Any] = {}
    secret = SECRET_FIELDS | SECRET_FIELDS_OF_TABLE.get(getattr(table, "name", ""), frozenset())
    for column in table.columns:
        value = values[column.key]
        if column.key in secret:
            result[column.key] = None if value is None else MASK
        elif isinstance(value, date | datetime):
            result[column.key] = value.isoformat()
        else:
            result[column.key] = value
    return result


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


_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))


def write_event(
    session: SessionOrConnection,
    actor: Actor,
    *,
    action: str,
    entity: str,
    entity_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """`record_event`, sent at once as one INSERT without an ORM object (for the busiest
    writes, whose callers never read the event back)."""
    session.execute(
        _INSERT_EVENT,
        {
            "user_id": actor.user_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        },
    )
