"""Phones to tap: a person's phone (and who answers it) is personal data shown where the access
notes are; an area's on-call line is on every sheet of the area."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.errors import Forbidden, Invalid, NotFound
from data.models import Area, AuditEvent, Carer, Person
from data.services import checks
from data.services.access import SYSTEM
from data.services.areas import update_area
from data.services.people import read_person_secrets, update_person
from data.services.publication import REPUBLISHED, SCHEDULED, publish_night
from data.services.route_sheet_pdf import route_sheet_pdf
from data.services.route_sheets import route_sheet, route_sheet_of_plan
from data.settings import get_settings
from tests.data.factories import a_person, an_area, commissioner, coordinator_of
from tests.data.services.test_route_sheet_pdf import pdf_text
from tests.data.services.test_route_sheets import (
    DURING_THE_NIGHT,
    NEXT_AFTERNOON,
    NIGHT,
    SECONDS,
    a_crew_with_visits,
    a_staffed_area,
    carer_actor,
)

ON_CALL = "01632 960999"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("01632 960123", "01632 960123"),
        ("  07700   900123 ", "07700 900123"),
        ("+44 (0)1632 960123", "+44 (0)1632 960123"),
        ("(+44) 7700 900123", "(+44) 7700 900123"),
        ("0161-496-0000", "0161-496-0000"),
        ("1234567", "1234567"),
        ("12345678901234567890", "12345678901234567890"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_a_phone_number_keeps_its_digits_and_tidies_its_spaces(
    given: str | None, kept: str | None
) -> None:
    """Digits, spaces, +, - and brackets with 7 to 20 digits; an empty one is none."""
    assert checks.phone(given, "phone") == kept


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("01632 96O123", "not 'O'"),
        ("ring Sue", "not 'r'"),
        ("01632 960123 ext. 4", "not 'e'"),
        ("123456", "7 to 20 digits; this one has 6"),
        ("123456789012345678901", "this one has 21"),
        ("++44 1632 960123", r"a \+ may only start"),
        ("01632 +960123", r"a \+ may only start"),
    ],
)
def test_a_phone_number_that_cannot_be_dialled_is_refused_naming_the_field(
    given: str, words: str
) -> None:
    """The message says what is wrong and names the field it was given for."""
    with pytest.raises(Invalid, match=words) as refused:
        checks.phone(given, "on_call_phone")
    assert refused.value.field == "on_call_phone"


def test_a_persons_phone_and_contact_are_stored_encrypted_and_read_with_the_secrets(
    db_session: Session,
) -> None:
    """Neither is in the table in clear; the coordinator reads both, and the read is audited
    naming them."""
    west = an_area(db_session)
    person = a_person(db_session, phone=" 01632  960123", contact_name=" daughter, Sue ")
    stored = db_session.execute(
        text("SELECT phone, contact_name FROM people WHERE id = :id"), {"id": person.id}
    ).one()
    assert "960123" not in stored[0] and "Sue" not in stored[1]
    fernet = Fernet(get_settings().field_key.encode())
    assert fernet.decrypt(stored[0].encode()).decode() == "01632 960123"
    secrets = read_person_secrets(db_session, coordinator_of(west), person.id)
    assert (secrets.phone, secrets.contact_name) == ("01632 960123", "daughter, Sue")
    read = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "read-secret")).one()
    assert read.after is not None and {"phone", "contact_name"} <= set(read.after["fields"])


def test_a_persons_phone_is_refused_to_a_commissioner_and_another_areas_coordinator(
    db_session: Session,
) -> None:
    """As with the access notes: Forbidden for the commissioner, not found elsewhere."""
    an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    person = a_person(db_session, phone="01632 960123")
    with pytest.raises(Forbidden, match="phones"):
        read_person_secrets(db_session, commissioner(), person.id)
    with pytest.raises(NotFound):
        read_person_secrets(db_session, coordinator_of(east), person.id)


def test_a_bad_phone_for_a_person_is_refused_naming_phone_and_nothing_is_stored(
    db_session: Session,
) -> None:
    """On create and on update, the field named is `phone`."""
    an_area(db_session)
    with pytest.raises(Invalid) as refused:
        a_person(db_session, phone="call Sue")
    assert refused.value.field == "phone"
    person = a_person(db_session, phone="01632 960123")
    with pytest.raises(Invalid) as refused:
        update_person(db_session, SYSTEM, person.id, {"phone": "12"})
    assert refused.value.field == "phone"
    db_session.refresh(person)
    assert person.phone == "01632 960123"


def test_a_phone_is_changed_and_cleared_and_the_audit_log_never_holds_it(
    db_session: Session,
) -> None:
    """The log says the phone was there, masked, before and after each change."""
    an_area(db_session)
    person = a_person(db_session, phone="01632 960123", contact_name="son, David")
    update_person(db_session, SYSTEM, person.id, {"phone": "07700 900456"})
    assert person.phone == "07700 900456" and person.contact_name == "son, David"
    update_person(db_session, SYSTEM, person.id, {"phone": None, "contact_name": ""})
    assert person.phone is None and person.contact_name is None
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "person").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["create", "update", "update"]
    logged = " ".join(str(e.before) + str(e.after) for e in events)
    for secret in ("960123", "900456", "David"):
        assert secret not in logged
    assert events[0].after is not None and events[0].after["phone"] == "(hidden)"
    assert events[2].after is not None and events[2].after["phone"] is None


def test_an_areas_on_call_line_is_checked_stored_and_audited(db_session: Session) -> None:
    """A commissioner sets it (tidied), the log shows it, a bad one names `on_call_phone`,
    and a coordinator may not change it."""
    west = an_area(db_session, on_call_phone="  01632   960999")
    assert west.on_call_phone == ON_CALL
    with pytest.raises(Invalid) as refused:
        update_area(db_session, SYSTEM, west.id, {"on_call_phone": "on call"})
    assert refused.value.field == "on_call_phone"
    update_area(db_session, SYSTEM, west.id, {"on_call_phone": "01632 960998"})
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "area", AuditEvent.action == "update")
    ).one()
    assert event.before is not None and event.before["on_call_phone"] == ON_CALL
    assert event.after is not None and event.after["on_call_phone"] == "01632 960998"
    with pytest.raises(Forbidden):
        update_area(db_session, coordinator_of(west), west.id, {"on_call_phone": None})


def _phones_on_the_round(session: Session) -> tuple[Area, list[Carer], list[Person]]:
    """The route sheets' staffed area, with its on-call line and a phone for each person."""
    area, carers, people = a_staffed_area(session)
    update_area(session, SYSTEM, area.id, {"on_call_phone": ON_CALL})
    for i, person in enumerate(people):
        update_person(
            session, SYSTEM, person.id, {"phone": f"01632 96011{i}", "contact_name": f"kin {i}"}
        )
    return area, carers, people


def test_the_crew_and_the_coordinator_see_each_households_phone_tonight(
    db_session: Session,
) -> None:
    """The phone rides with the access notes: on the crew's sheet and the coordinator's."""
    area, carers, people = _phones_on_the_round(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, carer = a_crew_with_visits(db_session, area, carers)
    phones = {p.name: (p.phone, p.contact_name) for p in people}
    for actor in (carer_actor(carer), coordinator_of(area)):
        sheet = route_sheet(db_session, actor, area.id, NIGHT, number, now=DURING_THE_NIGHT)
        assert sheet.secrets_shown and sheet.visits and sheet.on_call_phone == ON_CALL
        for visit in sheet.visits:
            assert visit.access_notes is not None
            assert (visit.phone, visit.contact_name) == phones[visit.person_name]


def test_no_households_phone_where_no_access_notes_but_always_the_on_call_line(
    db_session: Session,
) -> None:
    """A commissioner's sheet, the next afternoon's, a superseded version's and a drawing's
    carry no household's phone, and each still names the on-call line."""
    area, carers, _ = _phones_on_the_round(db_session)
    first = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    publish_night(
        db_session, area.id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    assert first.plan_id is not None
    number, carer = a_crew_with_visits(db_session, area, carers)
    sheets = [
        route_sheet(db_session, SYSTEM, area.id, NIGHT, number, now=DURING_THE_NIGHT),
        route_sheet(db_session, carer_actor(carer), area.id, NIGHT, number, now=NEXT_AFTERNOON),
        route_sheet_of_plan(
            db_session, carer_actor(carer), first.plan_id, number, now=DURING_THE_NIGHT
        ),
        route_sheet(
            db_session,
            carer_actor(carer),
            area.id,
            NIGHT,
            number,
            now=DURING_THE_NIGHT,
            secrets=False,
        ),
    ]
    for sheet in sheets:
        assert not sheet.secrets_shown and sheet.visits and sheet.on_call_phone == ON_CALL
        for visit in sheet.visits:
            assert visit.access_notes is None
            assert visit.phone is None and visit.contact_name is None


def test_the_pdf_names_the_on_call_line_and_the_households_phone_when_shown(
    db_session: Session,
) -> None:
    """The printed sheet carries what the screen does."""
    area, carers, _ = _phones_on_the_round(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, _ = a_crew_with_visits(db_session, area, carers)
    shown = route_sheet(
        db_session, coordinator_of(area), area.id, NIGHT, number, now=DURING_THE_NIGHT
    )
    hidden = route_sheet(db_session, SYSTEM, area.id, NIGHT, number, now=DURING_THE_NIGHT)
    _, shown_text = pdf_text(route_sheet_pdf(shown))
    _, hidden_text = pdf_text(route_sheet_pdf(hidden))
    assert shown_text.count("01632 96011") == len(shown.visits)
    assert "01632 96011" not in hidden_text
    assert ON_CALL in shown_text and ON_CALL in hidden_text
