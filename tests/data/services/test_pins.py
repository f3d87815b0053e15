"""Pins: checked against the night when made, audited, and held by every later publication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from data.models import Area, AuditEvent, Need, StoredPlan
from data.services.access import CARER, SYSTEM, Actor
from data.services.needs import (
    CancellationFields,
    OneOffFields,
    create_cancellation,
    create_one_off_call,
    delete_need,
    delete_one_off_call,
    update_need,
)
from data.services.nights import build_night
from data.services.people import delete_person
from data.services.pins import PinFields, PinView, create_pin, delete_pin, list_pins
from data.services.publication import REPUBLISHED, SCHEDULED, publish_night
from data.services.rota import set_rota_change, set_rota_crew
from routing.plan_file import read_plan
from routing.problem_file import read_problem
from routing.validate import check_plan
from tests.data.factories import a_carer, a_need, a_person, an_area, coordinator_of

TUESDAY = date(2026, 3, 3)
SECONDS = 0.5


@dataclass
class Ward:
    """West with two crews out on Tuesday: car-1 two women with 'peg', car-2 a mixed pair."""

    area: Area
    near: Need  # 23:00-23:30 next to the base
    peg: Need  # 01:00-02:00, needs 'peg'
    women: Need  # 02:00-03:00, the person asks for women
    one_off: int


@pytest.fixture
def ward(db_session: Session) -> Ward:
    """Three needs on Tuesday and a one-off call (04:00-04:30)."""
    area = an_area(db_session, break_minutes=30, break_earliest="01:00", break_latest="04:00")
    pairs = (
        (
            a_carer(db_session, area=area, name="Anne", skills=["peg"]),
            a_carer(db_session, area=area, name="Beth"),
        ),
        (
            a_carer(db_session, area=area, name="Cara"),
            a_carer(db_session, area=area, name="Dai", gender="M"),
        ),
    )
    for number, (first, second) in enumerate(pairs, start=1):
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=TUESDAY.weekday(),
            crew_number=number,
            carer_a_id=first.id,
            carer_b_id=second.id,
        )
    near = a_need(db_session, person=a_person(db_session, lat=52.51, lon=-2.9, name="Near"))
    peg = a_need(
        db_session,
        person=a_person(db_session, lat=52.45, lon=-2.95, name="Peg"),
        earliest="01:00",
        latest="02:00",
        skills=["peg"],
    )
    women = a_need(
        db_session,
        person=a_person(db_session, lat=52.55, lon=-2.85, name="Mrs W", gender_request="F"),
        earliest="02:00",
        latest="03:00",
    )
    one_off = create_one_off_call(
        db_session,
        SYSTEM,
        OneOffFields(
            person_id=near.person_id,
            night=TUESDAY,
            label="eye drops",
            earliest="04:00",
            latest="04:30",
            minutes=10,
        ),
    )
    return Ward(area, near, peg, women, one_off.id)


def pin(
    session: Session,
    ward: Ward,
    call: str,
    *,
    crew_number: int | None = None,
    start: str | None = None,
) -> PinView:
    """Pin `call` of Tuesday as a commissioner."""
    fields = PinFields(call=call, crew_number=crew_number, start=start)
    return create_pin(session, SYSTEM, ward.area.id, TUESDAY, fields)


def test_a_pin_is_stored_named_as_the_plan_names_it_and_audited(
    db_session: Session, ward: Ward
) -> None:
    """The call and crew come back as the plan's ids; the audit log holds the new pin."""
    actor = coordinator_of(ward.area, user_id=None)
    made = create_pin(
        db_session,
        actor,
        ward.area.id,
        TUESDAY,
        PinFields(call=f"n{ward.near.id}", crew_number=2, start="23:15"),
    )
    assert (made.call, made.crew, made.start) == (f"n{ward.near.id}", "west-car-2", "23:15")
    assert list_pins(db_session, actor, ward.area.id, TUESDAY) == [made]
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.entity == "pin")).one()
    assert (event.action, event.entity_id) == ("create", made.id)
    assert event.after is not None and event.after["need_id"] == ward.near.id


@pytest.mark.parametrize(
    ("fields", "error", "field", "words"),
    [
        ({"call": "x12", "crew_number": 1}, Invalid, "call", '"n" and a need id'),
        ({"call": "n999999", "crew_number": 1}, NotFound, "call", "not found"),
        ({"call": "near"}, Invalid, "crew_number", "a crew_number, a start time or both"),
        ({"call": "near", "crew_number": 3}, Invalid, "crew_number", "crews 1 to 2"),
        ({"call": "peg", "crew_number": 2}, Conflict, "crew_number", "lacks skill 'peg'"),
        ({"call": "women", "crew_number": 2}, Conflict, "crew_number", "two female carers"),
        ({"call": "near", "start": "23:45"}, Invalid, "start", "outside the call's window"),
        ({"call": "near", "start": "12:00"}, Invalid, "start", "outside the area's night"),
        ({"call": "near", "start": "2300"}, Invalid, "start", "not a clock time"),
    ],
)
def test_a_pin_the_night_cannot_hold_is_refused_naming_the_field(
    db_session: Session,
    ward: Ward,
    fields: dict[str, Any],
    error: type[DomainError],
    field: str,
    words: str,
) -> None:
    """Each bad pin is refused with the field at fault and the reason."""
    named = {"near": f"n{ward.near.id}", "peg": f"n{ward.peg.id}", "women": f"n{ward.women.id}"}
    call = named.get(str(fields["call"]), str(fields["call"]))
    with pytest.raises(error, match=words) as refused:
        pin(db_session, ward, call, **{k: v for k, v in fields.items() if k != "call"})
    assert refused.value.field == field


def test_a_call_left_out_of_the_night_cannot_be_pinned(db_session: Session, ward: Ward) -> None:
    """A cancelled person's call is not in the night: 409 with the reason."""
    create_cancellation(
        db_session,
        SYSTEM,
        CancellationFields(person_id=ward.near.person_id, night=TUESDAY, reason="in hospital"),
    )
    with pytest.raises(Conflict, match="cancelled: in hospital") as refused:
        pin(db_session, ward, f"n{ward.near.id}", crew_number=1)
    assert refused.value.field == "call"


def test_a_one_off_call_of_another_night_is_not_found(db_session: Session, ward: Ward) -> None:
    """The one-off call exists, but not on Wednesday."""
    with pytest.raises(NotFound):
        create_pin(
            db_session,
            SYSTEM,
            ward.area.id,
            date(2026, 3, 4),
            PinFields(call=f"o{ward.one_off}", crew_number=1),
        )


def test_a_crew_stood_down_for_the_night_cannot_take_a_pin(db_session: Session, ward: Ward) -> None:
    """409 naming crew_number, with the rota's reason."""
    set_rota_change(
        db_session,
        SYSTEM,
        ward.area.id,
        night=TUESDAY,
        crew_number=2,
        carer_a_id=None,
        carer_b_id=None,
    )
    with pytest.raises(Conflict, match="west-car-2 is not out") as refused:
        pin(db_session, ward, f"n{ward.near.id}", crew_number=2)
    assert refused.value.field == "crew_number"


def test_a_call_is_pinned_once_a_night(db_session: Session, ward: Ward) -> None:
    """A second pin of the same call is a conflict until the first is removed."""
    first = pin(db_session, ward, f"o{ward.one_off}", crew_number=1)
    with pytest.raises(Conflict, match="already pinned") as refused:
        pin(db_session, ward, f"o{ward.one_off}", start="04:10")
    assert refused.value.field == "call"
    delete_pin(db_session, SYSTEM, ward.area.id, TUESDAY, first.id)
    pin(db_session, ward, f"o{ward.one_off}", start="04:10")


def test_one_crews_pinned_starts_must_leave_time_to_drive_between_them(
    db_session: Session, ward: Ward
) -> None:
    """Two calls pinned to car-1 five minutes apart, the first lasting 30: refused."""
    pin(db_session, ward, f"n{ward.near.id}", crew_number=1, start="23:00")
    far = a_need(
        db_session,
        person=a_person(db_session, lat=52.58, lon=-2.82, name="Far"),
        earliest="23:00",
        latest="23:30",
    )
    with pytest.raises(
        Conflict, match=f"at 23:05 as well as its other pinned calls \\(n{ward.near.id}\\)"
    ) as refused:
        pin(db_session, ward, f"n{far.id}", crew_number=1, start="23:05")
    assert refused.value.field == "start"


def test_only_the_areas_coordinators_and_commissioners_pin(db_session: Session, ward: Ward) -> None:
    """Another area's coordinator gets NotFound, a carer Forbidden, for making and listing."""
    other = an_area(db_session, name="East", west=-2.8)
    stranger = coordinator_of(other)
    carer = Actor(user_id=None, role=CARER, carer_id=1)
    fields = PinFields(call=f"n{ward.near.id}", crew_number=1)
    with pytest.raises(NotFound):
        create_pin(db_session, stranger, ward.area.id, TUESDAY, fields)
    with pytest.raises(Forbidden):
        create_pin(db_session, carer, ward.area.id, TUESDAY, fields)
    with pytest.raises(NotFound):
        list_pins(db_session, stranger, ward.area.id, TUESDAY)


def test_removing_a_pin_is_audited_and_a_pin_of_another_night_is_not_found(
    db_session: Session, ward: Ward
) -> None:
    """The pin id with the wrong night is NotFound; with the right one it goes, audited."""
    made = pin(db_session, ward, f"n{ward.near.id}", crew_number=1)
    pin_id = made.id
    with pytest.raises(NotFound):
        delete_pin(db_session, SYSTEM, ward.area.id, date(2026, 3, 4), pin_id)
    delete_pin(db_session, SYSTEM, ward.area.id, TUESDAY, pin_id)
    assert list_pins(db_session, SYSTEM, ward.area.id, TUESDAY) == []
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "pin", AuditEvent.entity_id == pin_id)
    ).all()
    assert sorted(actions) == ["create", "delete"]


def _pin_removals(session: Session) -> dict[int, dict[str, Any] | None]:
    """The pins whose removal is audited, and the pin each event recorded as before."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "pin", AuditEvent.action == "delete")
    ).all()
    return {e.entity_id: e.before for e in events}


def test_a_pin_removed_with_its_need_or_one_off_call_is_audited_as_removed_by_hand(
    db_session: Session, ward: Ward
) -> None:
    """Removing a pinned need and a pinned one-off call removes their pins, each leaving a
    delete event with the pin as it was, by whoever removed the call; a pin of another call
    stays."""
    coordinator = coordinator_of(ward.area, user_id=None)
    kept = pin(db_session, ward, f"n{ward.peg.id}", crew_number=1)
    of_need = pin(db_session, ward, f"n{ward.near.id}", crew_number=2, start="23:15")
    of_one_off = pin(db_session, ward, f"o{ward.one_off}", start="04:10")
    delete_need(db_session, coordinator, ward.near.id)
    delete_one_off_call(db_session, coordinator, ward.one_off)
    removals = _pin_removals(db_session)
    assert set(removals) == {of_need.id, of_one_off.id}
    need_pin_before, one_off_pin_before = removals[of_need.id], removals[of_one_off.id]
    assert need_pin_before is not None and one_off_pin_before is not None
    assert (need_pin_before["need_id"], need_pin_before["start"]) == (ward.near.id, "23:15")
    assert one_off_pin_before["one_off_call_id"] == ward.one_off
    assert [p.id for p in list_pins(db_session, SYSTEM, ward.area.id, TUESDAY)] == [kept.id]


def test_the_pins_of_a_removed_person_are_audited_as_removed(
    db_session: Session, ward: Ward
) -> None:
    """Removing a person removes the pins of their needs and one-off calls, each audited."""
    of_need = pin(db_session, ward, f"n{ward.near.id}", crew_number=1)
    of_one_off = pin(db_session, ward, f"o{ward.one_off}", crew_number=2)
    other = pin(db_session, ward, f"n{ward.women.id}", crew_number=1)
    delete_person(db_session, SYSTEM, ward.near.person_id)
    assert set(_pin_removals(db_session)) == {of_need.id, of_one_off.id}
    assert [p.id for p in list_pins(db_session, SYSTEM, ward.area.id, TUESDAY)] == [other.id]


def test_a_pinned_start_narrows_the_window_and_a_pinned_crew_goes_beside_the_problem(
    db_session: Session, ward: Ward
) -> None:
    """The problem keeps to its spec (it reads back); the crew pin is a solver input."""
    pin(db_session, ward, f"n{ward.near.id}", crew_number=2, start="23:20")
    build = build_night(db_session, ward.area.id, TUESDAY)
    entry = next(c for c in build.problem["calls"] if c["id"] == f"n{ward.near.id}")
    assert (entry["earliest"], entry["latest"]) == ("23:20", "23:20")
    assert set(entry) <= {"id", "client", "lat", "lon", "earliest", "latest", "minutes"}
    assert read_problem(build.problem).call(f"n{ward.near.id}").earliest == 80 * 60
    assert [(p.call_id, p.crew_id) for p in build.crew_pins] == [(f"n{ward.near.id}", "west-car-2")]


def _published(session: Session, area_id: int) -> StoredPlan:
    return session.scalars(
        select(StoredPlan).where(
            StoredPlan.area_id == area_id,
            StoredPlan.night == TUESDAY,
            StoredPlan.status == "published",
        )
    ).one()


def _visit(stored: StoredPlan, call_id: str) -> tuple[str, str]:
    """(crew, local HH:MM start) of a call on the stored plan."""
    for route in stored.plan["routes"]:
        for visit in route["visits"]:
            if visit["call"] == call_id:
                return route["crew"], visit["start"][11:16]
    raise AssertionError(f"{call_id} is not on the plan: {stored.plan['unassigned']}")


def _validator_accepts(stored: StoredPlan) -> None:
    night = read_problem(stored.problem)
    assert check_plan(night, read_plan(stored.plan, night)) == []


def test_pins_hold_through_every_later_publication_of_the_night(
    db_session: Session, ward: Ward
) -> None:
    """Published once, the near call goes to one crew; pinned to the other at 23:20, it is
    there in the scheduled run and in each publication after it, and the validator accepts
    each plan."""
    call = f"n{ward.near.id}"
    publish_night(
        db_session, ward.area.id, TUESDAY, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    before = _published(db_session, ward.area.id)
    _validator_accepts(before)
    other = 2 if _visit(before, call)[0] == "west-car-1" else 1

    pin(db_session, ward, call, crew_number=other, start="23:20")
    for trigger in (SCHEDULED, REPUBLISHED, REPUBLISHED):
        result = publish_night(
            db_session, ward.area.id, TUESDAY, trigger=trigger, actor_user_id=None, seconds=SECONDS
        )
        assert result.published
        stored = _published(db_session, ward.area.id)
        assert _visit(stored, call) == (f"west-car-{other}", "23:20")
        _validator_accepts(stored)
        assert result.changes["pins"] == [
            {"call": call, "crew": f"west-car-{other}", "start": "23:20", "note": None}
        ]


def test_a_pin_that_cannot_be_honoured_leaves_the_call_unassigned_naming_the_pin(
    db_session: Session, ward: Ward
) -> None:
    """Pinned to car-2 at 23:20, then car-2 is stood down: the reason names the pin."""
    call = f"n{ward.near.id}"
    pin(db_session, ward, call, crew_number=2, start="23:20")
    set_rota_change(
        db_session,
        SYSTEM,
        ward.area.id,
        night=TUESDAY,
        crew_number=2,
        carer_a_id=None,
        carer_b_id=None,
    )
    publish_night(
        db_session, ward.area.id, TUESDAY, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    stored = _published(db_session, ward.area.id)
    reasons = {u["call"]: u["reason"] for u in stored.plan["unassigned"]}
    assert reasons[call] == "pinned to west-car-2 at 23:20, which is not out on this night"
    _validator_accepts(stored)


def test_a_pinned_start_without_a_crew_holds_and_names_itself_when_it_cannot(
    db_session: Session, ward: Ward
) -> None:
    """Two calls pinned to 23:00 and 23:05 far apart with one crew out: one is left with a
    reason that says what it was pinned to."""
    set_rota_change(
        db_session,
        SYSTEM,
        ward.area.id,
        night=TUESDAY,
        crew_number=2,
        carer_a_id=None,
        carer_b_id=None,
    )
    far = a_need(
        db_session,
        person=a_person(db_session, lat=52.58, lon=-2.82, name="Far"),
        earliest="23:00",
        latest="23:30",
    )
    pin(db_session, ward, f"n{ward.near.id}", start="23:00")
    pin(db_session, ward, f"n{far.id}", start="23:05")
    publish_night(
        db_session, ward.area.id, TUESDAY, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    stored = _published(db_session, ward.area.id)
    (left,) = [
        u for u in stored.plan["unassigned"] if u["call"] in (f"n{ward.near.id}", f"n{far.id}")
    ]
    start = "23:00" if left["call"] == f"n{ward.near.id}" else "23:05"
    assert left["reason"].startswith(f"pinned to start at {start}: ")
    _validator_accepts(stored)


def test_a_pinned_start_the_need_has_moved_away_from_is_not_applied_and_says_so(
    db_session: Session, ward: Ward
) -> None:
    """Pinned to car-1 at 23:15, then the need moves to 23:30-00:00: the window is the need's,
    the crew pin still holds, and the night's pins carry a note naming the stale time."""
    call = f"n{ward.near.id}"
    pin(db_session, ward, call, crew_number=1, start="23:15")
    update_need(db_session, SYSTEM, ward.near.id, {"earliest": "23:30", "latest": "00:00"})
    build = build_night(db_session, ward.area.id, TUESDAY)
    entry = next(c for c in build.problem["calls"] if c["id"] == call)
    assert (entry["earliest"], entry["latest"]) == ("23:30", "00:00")
    (held,) = build.pins
    assert held.crew_id == "west-car-1"
    assert held.note == (
        "pinned start 23:15 is outside the call's window now (23:30-00:00); "
        "change or remove the pin"
    )
    result = publish_night(
        db_session, ward.area.id, TUESDAY, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    assert _visit(_published(db_session, ward.area.id), call)[0] == "west-car-1"
    assert result.changes["pins"][0]["note"] == held.note
