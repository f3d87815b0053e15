"""People: the area comes from the boundary; secrets are encrypted, shown sparingly, audited."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.errors import Conflict, Forbidden, Invalid, NotFound
from data.models import AuditEvent, Cancellation, Need
from data.services.access import CARER, SYSTEM, Actor
from data.services.needs import CancellationFields, create_cancellation
from data.services.people import (
    PersonFields,
    create_person,
    delete_person,
    get_person,
    list_people,
    read_person_secrets,
    update_person,
)
from data.settings import get_settings
from tests.data.factories import (
    START,
    a_need,
    a_person,
    an_area,
    commissioner,
    coordinator_of,
)


class FixedGeocoder:
    """A geocoder that finds every address at one point."""

    def __init__(self, lat: float, lon: float) -> None:
        self.point = (lat, lon)
        self.asked: list[str] = []

    def locate(self, address: str) -> tuple[float, float] | None:
        """The fixed point, noting the address asked for."""
        self.asked.append(address)
        return self.point


def test_a_person_belongs_to_the_area_whose_boundary_holds_their_home(db_session: Session) -> None:
    """A home east of -2.8 is in East, west of it in West."""
    west = an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    assert a_person(db_session, lon=-2.7).area_id == east.id
    assert a_person(db_session, lon=-2.9).area_id == west.id


def test_a_home_outside_every_area_is_refused_naming_lat(db_session: Session) -> None:
    """A coordinator learns the location is outside every boundary."""
    an_area(db_session)
    with pytest.raises(Invalid, match="outside every contract area") as refused:
        a_person(db_session, lat=53.5)
    assert refused.value.field == "lat"


def test_a_coordinator_cannot_add_someone_living_in_another_area(db_session: Session) -> None:
    """The home must lie in one of the coordinator's areas."""
    west = an_area(db_session, name="West")
    an_area(db_session, name="East", west=-2.8)
    fields = PersonFields(
        name="Mrs Hughes", address="2 Mill Lane", start_date=START, lat=52.5, lon=-2.7
    )
    with pytest.raises(Invalid, match="do not coordinate"):
        create_person(db_session, coordinator_of(west), fields)


def test_an_address_is_geocoded_when_no_coordinates_are_given(db_session: Session) -> None:
    """With a geocoder, the address alone places the person."""
    east = an_area(db_session, name="East", west=-2.8)
    geocoder = FixedGeocoder(52.45, -2.7)
    fields = PersonFields(name="Mrs Hughes", address="2 Mill Lane", start_date=START)
    person = create_person(db_session, commissioner(), fields, geocoder=geocoder)
    assert (person.lat, person.lon, person.area_id) == (52.45, -2.7, east.id)
    assert geocoder.asked == ["2 Mill Lane"]


def test_without_a_geocoder_coordinates_are_required(db_session: Session) -> None:
    """No coordinates and no geocoder is a validation error naming lat."""
    an_area(db_session)
    fields = PersonFields(name="Mrs Hughes", address="2 Mill Lane", start_date=START)
    with pytest.raises(Invalid, match="no geocoder") as refused:
        create_person(db_session, commissioner(), fields)
    assert refused.value.field == "lat"


def test_moving_house_into_another_area_moves_the_person(db_session: Session) -> None:
    """The area follows the location on update."""
    an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    person = a_person(db_session)
    update_person(db_session, commissioner(), person.id, {"lon": -2.65})
    assert person.area_id == east.id


def test_secrets_are_stored_encrypted(db_session: Session) -> None:
    """The key-safe code is not in the table in clear, and opens with the field key."""
    an_area(db_session)
    # "#" is outside the ciphertext's base64 alphabet: digits alone could occur in it by chance.
    person = a_person(db_session, key_safe_code="47#11", access_notes="back door")
    stored = db_session.execute(
        text("SELECT key_safe_code, access_notes FROM people WHERE id = :id"), {"id": person.id}
    ).one()
    assert "47#11" not in stored[0] and "back door" not in stored[1]
    fernet = Fernet(get_settings().field_key.encode())
    assert fernet.decrypt(stored[0].encode()).decode() == "47#11"


def test_the_audit_log_never_holds_a_secret(db_session: Session) -> None:
    """Before/after snapshots mask the code and notes."""
    an_area(db_session)
    person = a_person(db_session, key_safe_code="4711")
    update_person(db_session, commissioner(), person.id, {"key_safe_code": "9999"})
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.entity == "person")).all()
    assert [e.action for e in events] == ["create", "update"]
    for event in events:
        assert "4711" not in str(event.before) + str(event.after)
        assert "9999" not in str(event.before) + str(event.after)


def test_a_coordinator_reads_secrets_and_the_read_is_audited(db_session: Session) -> None:
    """Each read writes a read-secret event."""
    west = an_area(db_session)
    person = a_person(db_session, key_safe_code="4711", access_notes="back door")
    secrets = read_person_secrets(db_session, coordinator_of(west), person.id)
    assert (secrets.key_safe_code, secrets.access_notes) == ("4711", "back door")
    reads = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "read-secret")).all()
    assert [(e.entity, e.entity_id) for e in reads] == [("person", person.id)]


def test_secrets_are_refused_to_commissioners_other_areas_and_unassigned_carers(
    db_session: Session,
) -> None:
    """Commissioners are forbidden; another area's coordinator and a carer with no visit get
    404; none of these writes an audit event."""
    an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    person = a_person(db_session, key_safe_code="4711")
    with pytest.raises(Forbidden):
        read_person_secrets(db_session, commissioner(), person.id)
    with pytest.raises(NotFound):
        read_person_secrets(db_session, coordinator_of(east), person.id)
    with pytest.raises(NotFound):
        read_person_secrets(db_session, Actor(user_id=None, role=CARER, carer_id=1), person.id)
    assert (
        db_session.scalars(select(AuditEvent).where(AuditEvent.action == "read-secret")).all() == []
    )


def test_people_of_another_area_are_not_found_for_a_coordinator(db_session: Session) -> None:
    """Lists and reads are limited to the coordinator's areas."""
    west = an_area(db_session, name="West")
    an_area(db_session, name="East", west=-2.8)
    mine = a_person(db_session, name="Mine")
    theirs = a_person(db_session, name="Theirs", lon=-2.7)
    actor = coordinator_of(west)
    assert [p.name for p in list_people(db_session, actor).items] == ["Mine"]
    assert get_person(db_session, actor, mine.id) is mine
    with pytest.raises(NotFound):
        get_person(db_session, actor, theirs.id)


def test_moving_into_an_area_whose_shift_does_not_fit_the_needs_is_refused(
    db_session: Session,
) -> None:
    """East works 23:30-07:00: a person with a 23:00 call cannot move there unchanged."""
    an_area(db_session, name="West")
    an_area(db_session, name="East", west=-2.8, shift_start="23:30")
    person = a_person(db_session)
    a_need(db_session, person=person)
    with pytest.raises(Conflict, match="moving to East"):
        update_person(db_session, commissioner(), person.id, {"lon": -2.65})


def test_removing_a_person_removes_their_needs_calls_and_cancellations(
    db_session: Session,
) -> None:
    """Linked needs, a cancellation and the person go; each removal is audited."""
    an_area(db_session)
    person = a_person(db_session)
    first = a_need(db_session, person=person)
    a_need(db_session, person=person, after_need_id=first.id, min_gap_minutes=0, max_gap_minutes=60)
    create_cancellation(
        db_session, SYSTEM, CancellationFields(person_id=person.id, night=START, reason="respite")
    )
    delete_person(db_session, commissioner(), person.id)
    assert db_session.scalars(select(Need)).all() == []
    assert db_session.scalars(select(Cancellation)).all() == []
    deletions = db_session.scalars(
        select(AuditEvent.entity).where(AuditEvent.action == "delete").order_by(AuditEvent.id)
    ).all()
    assert deletions == ["need", "need", "cancellation", "person"]
    with pytest.raises(NotFound):
        get_person(db_session, commissioner(), person.id)


def test_an_earlier_end_leaving_cancellations_outside_names_the_first_three(
    db_session: Session,
) -> None:
    """Four cancellations after the new end date: a conflict on `end_date` naming the first
    three by night and counting the fourth; the person keeps their dates."""
    an_area(db_session)
    person = a_person(db_session, name="Mr Lloyd")
    nights = [date(2026, 3, day) for day in (9, 2, 4, 3)]
    made = {
        night: create_cancellation(
            db_session, SYSTEM, CancellationFields(person_id=person.id, night=night, reason="away")
        ).id
        for night in nights
    }
    with pytest.raises(Conflict) as refused:
        update_person(db_session, SYSTEM, person.id, {"end_date": date(2026, 2, 28)})
    assert refused.value.field == "end_date"
    assert refused.value.detail == (
        "Mr Lloyd's night care would run from 2026-01-01 to 2026-02-28, leaving out "
        f"the cancellation on 2026-03-02 (cancellation {made[date(2026, 3, 2)]}), "
        f"the cancellation on 2026-03-03 (cancellation {made[date(2026, 3, 3)]}), "
        f"the cancellation on 2026-03-04 (cancellation {made[date(2026, 3, 4)]}) and 1 more; "
        "remove or move them first"
    )
    assert get_person(db_session, SYSTEM, person.id).end_date is None
