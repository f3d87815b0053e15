"""A record's history: who changed it and when, for those who may see the record."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from data.errors import Forbidden, Invalid, NotFound
from data.services.access import CARER, SYSTEM, Actor
from data.services.history import record_history
from data.services.needs import update_need
from data.services.people import read_person_secrets
from tests.data.factories import a_need, a_person, an_area, commissioner, coordinator_of


def test_a_persons_history_holds_their_needs_changes_and_secret_reads(
    db_session: Session,
) -> None:
    """Created, need added, need changed, code read: in that order."""
    west = an_area(db_session)
    person = a_person(db_session, key_safe_code="4711")
    need = a_need(db_session, person=person)
    update_need(db_session, SYSTEM, need.id, {"minutes": 25})
    read_person_secrets(db_session, coordinator_of(west), person.id)
    history = record_history(db_session, coordinator_of(west), "person", person.id)
    assert [(e.entity, e.action) for e in history] == [
        ("person", "create"),
        ("need", "create"),
        ("need", "update"),
        ("person", "read-secret"),
    ]
    assert [e.action for e in record_history(db_session, commissioner(), "need", need.id)] == [
        "create",
        "update",
    ]


def test_history_is_hidden_where_the_record_is(db_session: Session) -> None:
    """Another area's coordinator gets 404, a carer 403, an unknown entity 422."""
    an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    person = a_person(db_session)
    with pytest.raises(NotFound):
        record_history(db_session, coordinator_of(east), "person", person.id)
    with pytest.raises(Forbidden):
        record_history(db_session, Actor(None, CARER, carer_id=1), "person", person.id)
    with pytest.raises(Invalid):
        record_history(db_session, commissioner(), "spaceship", 1)
