"""Needs: windows inside the shift, after-links within one person and without cycles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid, NotFound
from data.models import AuditEvent
from data.services import checks
from data.services.access import SYSTEM
from data.services.needs import (
    CancellationFields,
    OneOffFields,
    call_outside_shift,
    create_cancellation,
    create_need,
    create_one_off_call,
    delete_need,
    get_need,
    list_needs,
    update_need,
)
from tests.data.factories import a_need, a_person, an_area, coordinator_of, need_fields


def _field_refused(session: Session, field: str, **overrides: object) -> str:
    person = a_person(session)
    with pytest.raises(Invalid) as refused:
        create_need(session, SYSTEM, need_fields(person=person, **overrides))
    assert refused.value.field == field
    return refused.value.detail


def test_a_window_before_the_shift_starts_is_refused(db_session: Session) -> None:
    """21:00 is outside a 22:00-07:00 shift; the message names the shift."""
    an_area(db_session)
    detail = _field_refused(db_session, "earliest", earliest="21:00")
    assert "22:00-07:00" in detail


def test_a_call_that_would_run_past_the_end_of_the_shift_is_refused(db_session: Session) -> None:
    """Starting as late as 06:45, a 30-minute call ends after 07:00."""
    an_area(db_session)
    _field_refused(db_session, "minutes", earliest="06:00", latest="06:45", minutes=30)


def test_a_window_that_ends_before_it_starts_is_refused(db_session: Session) -> None:
    """02:00 to 01:00 is backwards within the night."""
    an_area(db_session)
    _field_refused(db_session, "latest", earliest="02:00", latest="01:00")


def test_a_window_across_midnight_is_accepted(db_session: Session) -> None:
    """23:30 to 00:30 lies inside 22:00-07:00."""
    an_area(db_session)
    need = a_need(db_session, person=a_person(db_session), earliest="23:30", latest="00:30")
    assert (need.earliest, need.latest) == ("23:30", "00:30")


def test_weekdays_must_be_zero_to_six(db_session: Session) -> None:
    """Weekday 7 does not exist."""
    an_area(db_session)
    _field_refused(db_session, "weekdays", weekdays=[1, 7])


def test_a_need_cannot_follow_another_persons_need(db_session: Session) -> None:
    """An after-link to a neighbour's call is refused, naming after_need_id."""
    an_area(db_session)
    neighbour = a_need(db_session, person=a_person(db_session, name="Neighbour"))
    detail = _field_refused(
        db_session,
        "after_need_id",
        after_need_id=neighbour.id,
        min_gap_minutes=60,
        max_gap_minutes=120,
    )
    assert "another person" in detail


def test_after_links_cannot_form_a_cycle(db_session: Session) -> None:
    """first → second → first is refused when the second link is added, naming the calls by
    their windows and labels."""
    an_area(db_session)
    person = a_person(db_session)
    first = a_need(db_session, person=person)
    second = a_need(
        db_session,
        person=person,
        earliest="02:00",
        latest="03:00",
        after_need_id=first.id,
        min_gap_minutes=120,
        max_gap_minutes=240,
    )
    with pytest.raises(Invalid) as refused:
        update_need(
            db_session,
            SYSTEM,
            first.id,
            {
                "after_need_id": second.id,
                "min_gap_minutes": 0,
                "max_gap_minutes": 60,
            },
        )
    assert refused.value.field == "after_need_id"
    assert refused.value.detail == (
        "this link would make a cycle of calls: this call would follow the 02:00–03:00 "
        f"reposition call (need {second.id}), which follows this call"
    )


def test_an_after_link_needs_its_gaps(db_session: Session) -> None:
    """Linked calls say how long after the earlier call they start."""
    an_area(db_session)
    person = a_person(db_session)
    first = a_need(db_session, person=person)
    with pytest.raises(Invalid) as refused:
        create_need(db_session, SYSTEM, need_fields(person=person, after_need_id=first.id))
    assert refused.value.field == "min_gap_minutes"


def test_a_need_that_another_follows_cannot_be_removed(db_session: Session) -> None:
    """Removing the earlier call of a linked pair is a conflict naming the later call as the
    coordinator knows it, its id in brackets."""
    an_area(db_session)
    person = a_person(db_session)
    first = a_need(db_session, person=person)
    later = a_need(
        db_session,
        person=person,
        label="pad change",
        earliest="02:00",
        latest="02:30",
        after_need_id=first.id,
        min_gap_minutes=0,
        max_gap_minutes=240,
    )
    with pytest.raises(Conflict) as refused:
        delete_need(db_session, SYSTEM, first.id)
    assert refused.value.detail == (
        f"the 02:00–02:30 pad change call (need {later.id}) follows this call; "
        "remove that link first"
    )


def test_needs_of_another_area_are_hidden_from_a_coordinator(db_session: Session) -> None:
    """Reading or adding to another area's person answers as if they did not exist."""
    west = an_area(db_session, name="West")
    an_area(db_session, name="East", west=-2.8)
    theirs = a_person(db_session, lon=-2.7)
    need = a_need(db_session, person=theirs)
    actor = coordinator_of(west)
    with pytest.raises(NotFound):
        get_need(db_session, actor, need.id)
    assert list_needs(db_session, actor).total == 0
    with pytest.raises(Invalid) as refused:
        create_need(db_session, actor, need_fields(person=theirs))
    assert refused.value.field == "person_id"


def test_creating_and_changing_a_need_is_audited(db_session: Session) -> None:
    """The log holds the window before and after the change."""
    an_area(db_session)
    need = a_need(db_session, person=a_person(db_session))
    update_need(db_session, SYSTEM, need.id, {"earliest": "23:15"})
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "need").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before is not None and events[1].after is not None
    assert (events[1].before["earliest"], events[1].after["earliest"]) == ("23:00", "23:15")


def test_a_one_off_call_must_fall_within_the_persons_dates(db_session: Session) -> None:
    """A call on a night after the person's care ends is refused, naming the night."""
    an_area(db_session)
    person = a_person(db_session, end_date=date(2026, 6, 30))
    fields = OneOffFields(
        person_id=person.id,
        night=date(2026, 7, 1),
        label="check",
        earliest="23:00",
        latest="23:30",
        minutes=15,
    )
    with pytest.raises(Invalid) as refused:
        create_one_off_call(db_session, SYSTEM, fields)
    assert refused.value.field == "night"


def test_a_cancellation_must_fall_within_the_persons_dates(db_session: Session) -> None:
    """A night after the person's care ends is refused on `night`, giving their dates; the
    last night of care is taken."""
    an_area(db_session)
    person = a_person(db_session, name="Mrs Price", end_date=date(2026, 6, 30))
    fields = CancellationFields(person_id=person.id, night=date(2026, 7, 1), reason="respite")
    with pytest.raises(Invalid) as refused:
        create_cancellation(db_session, SYSTEM, fields)
    assert (refused.value.field, refused.value.detail) == (
        "night",
        "Mrs Price's night care runs from 2026-01-01 to 2026-06-30; 2026-07-01 is outside it",
    )
    last = CancellationFields(person_id=person.id, night=date(2026, 6, 30), reason="respite")
    assert create_cancellation(db_session, SYSTEM, last).id is not None


def test_a_person_has_at_most_one_cancellation_a_night(db_session: Session) -> None:
    """A second cancellation for the same night is a conflict on the night, naming the
    person."""
    an_area(db_session)
    person = a_person(db_session, name="Gwenllïan Ŵyn")
    fields = CancellationFields(person_id=person.id, night=date(2026, 3, 3), reason="respite")
    create_cancellation(db_session, SYSTEM, fields)
    with pytest.raises(Conflict) as refused:
        create_cancellation(db_session, SYSTEM, fields)
    assert refused.value.field == "night"
    assert refused.value.detail == (
        f"Gwenllïan Ŵyn (person {person.id}) already has a cancellation on 2026-03-03"
    )


def test_a_coming_one_off_call_outside_a_new_shift_is_named_with_its_night(
    db_session: Session,
) -> None:
    """A 23:00 one-off call next week would not fit a 23:30 start: named by whose it is, its
    window, label and night, with its id; a call that fits is not named, nor one whose night
    is over."""
    an_area(db_session)
    person = a_person(db_session)
    today = date(2026, 11, 26)
    night = today + timedelta(days=7)
    call = create_one_off_call(
        db_session,
        SYSTEM,
        OneOffFields(
            person_id=person.id,
            night=night,
            label="eye drops",
            earliest="23:00",
            latest="23:30",
            minutes=10,
        ),
    )
    late_start = checks.ShiftWindow("23:30", "07:00")
    assert call_outside_shift(db_session, late_start, person_id=person.id, today=today) == (
        f"Mr Evans's 23:00–23:30 eye drops call on {night.isoformat()} "
        f"(one-off call {call.id}, 10 min) would not fit the shift 23:30–07:00"
    )
    on_the_night = night + timedelta(days=1)  # the morning after: the night may be under way
    assert call_outside_shift(db_session, late_start, person_id=person.id, today=on_the_night)
    over = night + timedelta(days=2)
    assert call_outside_shift(db_session, late_start, person_id=person.id, today=over) is None
    assert (
        call_outside_shift(
            db_session, checks.ShiftWindow("22:00", "07:00"), person_id=person.id, today=today
        )
        is None
    )
