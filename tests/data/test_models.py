"""Column types: instants come back as aware UTC; encrypted text needs the right key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from data.models import AuditEvent, Person
from data.settings import Settings
from tests.data.factories import a_person, an_area


def test_an_instant_comes_back_as_the_same_aware_utc_instant(db_session: Session) -> None:
    """Stored at 23:30 in UTC+2, read back as 21:30 UTC on both databases."""
    east_of_utc = timezone(timedelta(hours=2))
    event = AuditEvent(
        action="create",
        entity="area",
        entity_id=1,
        at=datetime(2026, 3, 3, 23, 30, tzinfo=east_of_utc),
    )
    db_session.add(event)
    db_session.flush()
    db_session.expire(event)
    assert event.at == datetime(2026, 3, 3, 21, 30, tzinfo=UTC)
    assert event.at.utcoffset() == timedelta(0)


def test_a_naive_instant_is_refused(db_session: Session) -> None:
    """An instant without a timezone is ambiguous and never stored."""
    db_session.add(
        AuditEvent(action="create", entity="area", entity_id=1, at=datetime(2026, 3, 3, 23, 30))
    )
    with pytest.raises(StatementError, match="timezone-aware"):
        db_session.flush()


def test_encrypted_text_does_not_open_with_another_key(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading with a different field key fails loudly rather than showing garbage."""
    an_area(db_session)
    person = a_person(db_session, key_safe_code="4711")
    db_session.expunge_all()
    other = Settings(field_key=Fernet.generate_key().decode())
    monkeypatch.setattr("data.models.get_settings", lambda: other)
    with pytest.raises(ValueError, match="NIGHTCARE_FIELD_KEY"):
        db_session.scalars(select(Person.key_safe_code).where(Person.id == person.id)).one()
