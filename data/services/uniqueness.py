"""Writes that a concurrent request can beat to a unique key: a conflict, not a crash."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.errors import Conflict
from data.models import Base


def flush_unique(session: Session, record: Base, detail: str, field: str | None = None) -> None:
    """Add (if new) and flush `record` in a savepoint; a unique key taken meanwhile by another
    transaction becomes Conflict(detail, field) and leaves the session usable."""
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise Conflict(detail, field) from None
