"""A record's history: who changed it and when, for those who may see the record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from data.errors import Forbidden, Invalid, NotFound
from data.services.access import CARER, SYSTEM, Actor
from data.services.history import record_history
from data.services.needs import update_need
from data.services.people import read_person_secrets
from data.services.pins import PinFields, create_pin, delete_pin
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


def test_a_pins_history_is_for_its_areas_coordinators_also_once_removed(
    db_session: Session,
) -> None:
    """Pinned then removed: the area's coordinator and the commissioner read both events,
    before and after the removal; another area's coordinator gets 404, a carer 403."""
    west = an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    need = a_need(db_session, person=a_person(db_session), earliest="23:00", latest="23:30")
    night = date(2026, 3, 3)
    made = create_pin(
        db_session,
        coordinator_of(west),
        west.id,
        night,
        PinFields(call=f"n{need.id}", start="23:15"),
    )
    pinned = record_history(db_session, coordinator_of(west), "pin", made.id)
    assert [(e.action, e.entity_id) for e in pinned] == [("create", made.id)]
    delete_pin(db_session, coordinator_of(west), west.id, night, made.id)
    for reader in (coordinator_of(west), commissioner()):
        history = record_history(db_session, reader, "pin", made.id)
        assert [e.action for e in history] == ["create", "delete"]
        assert history[1].before is not None and history[1].before["start"] == "23:15"
    with pytest.raises(NotFound, match=f"pin {made.id} not found"):
        record_history(db_session, coordinator_of(east), "pin", made.id)
    with pytest.raises(Forbidden):
        record_history(db_session, Actor(None, CARER, carer_id=1), "pin", made.id)
    with pytest.raises(NotFound, match="pin 999999 not found"):
        record_history(db_session, coordinator_of(west), "pin", 999_999)
