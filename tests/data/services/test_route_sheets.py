"""Route sheets: a crew's round for its carers, with key-safe codes only while the night lasts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import NotFound
from data.models import Area, AuditEvent, Carer, Person, StoredPlan
from data.services.access import CARER, SYSTEM, Actor
from data.services.areas import update_area
from data.services.publication import REPUBLISHED, SCHEDULED, publish_night
from data.services.rota import set_rota_crew
from data.services.route_sheets import (
    FROM_CREW,
    NEW,
    TIME_CHANGED,
    VisitChange,
    night_end,
    route_drawing,
    route_sheet,
    route_sheet_of_plan,
)
from tests.data.factories import a_carer, a_need, a_person, an_area, coordinator_of

NIGHT = date(2026, 3, 3)
DURING_THE_NIGHT = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
NEXT_AFTERNOON = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
SECONDS = 0.5


def a_staffed_area(session: Session) -> tuple[Area, list[Carer], list[Person]]:
    """West with two crews every night and four people (with key-safe codes) to visit."""
    area = an_area(session)
    carers = [a_carer(session, area=area, name=n) for n in ("Anne", "Beth", "Cara", "Dee")]
    for number, (first, second) in enumerate(((carers[0], carers[1]), (carers[2], carers[3])), 1):
        for weekday in range(7):
            set_rota_crew(
                session,
                SYSTEM,
                area.id,
                weekday=weekday,
                crew_number=number,
                carer_a_id=first.id,
                carer_b_id=second.id,
            )
    people = []
    for i in range(4):
        person = a_person(
            session,
            lat=52.45 + 0.03 * i,
            lon=-2.95 + 0.02 * i,
            name=f"Mrs Jones {i}",
            key_safe_code=f"90{i}1",
            access_notes=f"gate {i} sticks",
        )
        a_need(session, person=person, earliest="23:00", latest="02:00", minutes=20)
        people.append(person)
    return area, carers, people


def carer_actor(carer: Carer) -> Actor:
    """The carer signed in."""
    return Actor(user_id=None, role=CARER, carer_id=carer.id)


def a_crew_with_visits(session: Session, area: Area, carers: list[Carer]) -> tuple[int, Carer]:
    """The number of a crew that has visits in the night's plan, and one of its carers."""
    for number, carer in ((1, carers[0]), (2, carers[2])):
        sheet = route_sheet(session, coordinator_of(area), area.id, NIGHT, number)
        if sheet.visits:
            return number, carer
    raise AssertionError("no crew has a visit")


def test_a_carer_of_the_crew_sees_the_round_with_key_safe_codes_during_the_night(
    db_session: Session,
) -> None:
    """Every visit carries the person, address, task, drive and the person's code tonight."""
    area, carers, people = a_staffed_area(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, carer = a_crew_with_visits(db_session, area, carers)
    sheet = route_sheet(
        db_session, carer_actor(carer), area.id, NIGHT, number, now=DURING_THE_NIGHT
    )
    codes = {p.name: p.key_safe_code for p in people}
    assert sheet.secrets_shown and not sheet.superseded and not sheet.night_over
    assert [c.name for c in sheet.carers] == (["Anne", "Beth"] if number == 1 else ["Cara", "Dee"])
    for visit in sheet.visits:
        assert visit.key_safe_code == codes[visit.person_name]
        assert visit.access_notes is not None and "sticks" in visit.access_notes
        assert visit.tasks == ("reposition",)
        assert visit.address == "1 High Street"
    assert sheet.care_minutes == 20 * len(sheet.visits)
    assert sheet.drive_minutes == (
        sum(v.drive_minutes for v in sheet.visits) + sheet.return_drive_minutes
    )
    assert sheet.drive_minutes > 0


def test_each_visit_says_how_much_it_matters_what_it_takes_and_the_persons_risks(
    db_session: Session,
) -> None:
    """A critical call needing a hoist at a home with oxygen: the crew's sheet says all three;
    a standard call of a person without risk notes says standard, no skill, no risk."""
    area = an_area(db_session)
    anne = a_carer(db_session, area=area, name="Anne", skills=["hoist"])
    beth = a_carer(db_session, area=area, name="Beth", skills=["hoist"])
    for weekday in range(7):
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=weekday,
            crew_number=1,
            carer_a_id=anne.id,
            carer_b_id=beth.id,
        )
    oxygen = a_person(db_session, name="Mrs Oxygen", risk_notes="oxygen in use; no naked flames")
    a_need(db_session, person=oxygen, priority="critical", skills=["hoist"])
    plain = a_person(db_session, lon=-2.88, name="Mr Plain")
    a_need(db_session, person=plain, earliest="01:00", latest="02:00", minutes=20)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    sheet = route_sheet(db_session, carer_actor(anne), area.id, NIGHT, 1, now=DURING_THE_NIGHT)
    visits = {v.person_name: v for v in sheet.visits}
    assert (visits["Mrs Oxygen"].priority, visits["Mrs Oxygen"].skills) == ("critical", ("hoist",))
    assert visits["Mrs Oxygen"].risk_notes == "oxygen in use; no naked flames"
    assert (visits["Mr Plain"].priority, visits["Mr Plain"].skills) == ("standard", ())
    assert visits["Mr Plain"].risk_notes is None


def test_a_carer_of_another_crew_gets_no_sheet(db_session: Session) -> None:
    """Crew 2's carer asking for crew 1's sheet is told there is none."""
    area, carers, _ = a_staffed_area(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    with pytest.raises(NotFound):
        route_sheet(db_session, carer_actor(carers[2]), area.id, NIGHT, 1, now=DURING_THE_NIGHT)


def test_after_the_night_is_over_codes_and_access_notes_are_gone(db_session: Session) -> None:
    """Retention: the next afternoon the round is still there, without the secrets."""
    area, carers, _ = a_staffed_area(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, carer = a_crew_with_visits(db_session, area, carers)
    assert NEXT_AFTERNOON > night_end(area, NIGHT) > DURING_THE_NIGHT
    for actor in (carer_actor(carer), coordinator_of(area)):
        sheet = route_sheet(db_session, actor, area.id, NIGHT, number, now=NEXT_AFTERNOON)
        assert sheet.night_over and not sheet.secrets_shown and sheet.visits
        assert all(v.key_safe_code is None and v.access_notes is None for v in sheet.visits)


def test_the_coordinator_sees_codes_and_a_commissioner_does_not(db_session: Session) -> None:
    """Coordinators open doors in an emergency; commissioners oversee and get no codes."""
    area, carers, _ = a_staffed_area(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, _ = a_crew_with_visits(db_session, area, carers)
    seen = route_sheet(
        db_session, coordinator_of(area), area.id, NIGHT, number, now=DURING_THE_NIGHT
    )
    overseen = route_sheet(db_session, SYSTEM, area.id, NIGHT, number, now=DURING_THE_NIGHT)
    assert all(v.key_safe_code is not None for v in seen.visits)
    assert all(v.key_safe_code is None for v in overseen.visits)


def test_a_superseded_version_says_so_names_the_current_one_and_hides_codes(
    db_session: Session,
) -> None:
    """After a republication, version 1's sheet points at version 2 and shows no code."""
    area, carers, _ = a_staffed_area(db_session)
    first = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    second = publish_night(
        db_session, area.id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    assert first.plan_id is not None and second.plan_id is not None
    number, carer = a_crew_with_visits(db_session, area, carers)
    old = route_sheet_of_plan(
        db_session, carer_actor(carer), first.plan_id, number, now=DURING_THE_NIGHT
    )
    new = route_sheet_of_plan(
        db_session, carer_actor(carer), second.plan_id, number, now=DURING_THE_NIGHT
    )
    assert old.superseded and old.current_plan_id == second.plan_id and not old.secrets_shown
    assert not new.superseded and new.current_plan_id is None and new.secrets_shown


def test_the_drawing_has_the_base_and_one_point_per_visit_inside_the_box(
    db_session: Session,
) -> None:
    """Base first (number 0), then each visit numbered in order, all within the viewBox."""
    area, carers, _ = a_staffed_area(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, _ = a_crew_with_visits(db_session, area, carers)
    sheet = route_sheet(db_session, coordinator_of(area), area.id, NIGHT, number)
    stops = route_drawing(sheet, width=300, height=200)
    assert [s.number for s in stops] == list(range(len(sheet.visits) + 1))
    assert all(0 <= s.x <= 300 and 0 <= s.y <= 200 for s in stops)
    assert len({(s.x, s.y) for s in stops}) == len(stops)


def test_each_person_whose_code_is_shown_is_audited_and_a_drawing_is_not(
    db_session: Session,
) -> None:
    """A sheet with codes writes one read-secret event per person; `secrets=False` writes none."""
    area, carers, people = a_staffed_area(db_session)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    number, carer = a_crew_with_visits(db_session, area, carers)
    ids = [p.id for p in people]

    def secret_reads() -> list[int]:
        return list(
            db_session.scalars(
                select(AuditEvent.entity_id).where(
                    AuditEvent.action == "read-secret", AuditEvent.entity_id.in_(ids)
                )
            )
        )

    before = secret_reads()
    route_sheet(
        db_session, carer_actor(carer), area.id, NIGHT, number, now=DURING_THE_NIGHT, secrets=False
    )
    assert secret_reads() == before
    sheet = route_sheet(
        db_session, carer_actor(carer), area.id, NIGHT, number, now=DURING_THE_NIGHT
    )
    shown = {p.id for p in people if p.name in {v.person_name for v in sheet.visits}}
    assert sorted(secret_reads()) == sorted(before + list(shown))


def test_on_the_night_the_clocks_go_forward_every_time_names_its_zone(db_session: Session) -> None:
    """27 March 2027: visits before 01:00 GMT read "GMT", the return in the morning "BST"."""
    area, carers, _ = a_staffed_area(db_session)
    night = date(2027, 3, 27)
    publish_night(
        db_session, area.id, night, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    sheet = route_sheet(db_session, coordinator_of(area), area.id, night, 1)
    assert sheet.depart.endswith(" GMT") and sheet.return_at.endswith(" BST")
    assert all(v.arrive[-4:] in (" GMT", " BST") for v in sheet.visits)
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    plain = route_sheet(db_session, coordinator_of(area), area.id, NIGHT, 1)
    assert ":" in plain.depart and " " not in plain.depart


# --- changes since the previous version -----------------------------------------------------


def _later(iso: str, minutes: int) -> str:
    return (datetime.fromisoformat(iso) + timedelta(minutes=minutes)).isoformat()


def _visit(visit: dict[str, Any], minutes: int = 0) -> dict[str, Any]:
    return {
        "call": visit["call"],
        "arrive": _later(visit["arrive"], minutes),
        "start": _later(visit["start"], minutes),
        "end": _later(visit["end"], minutes),
    }


def _rounds(
    template: dict[str, Any], crews: list[str], visits: list[list[dict[str, Any]]]
) -> dict[str, Any]:
    """`template`'s plan document with each crew's round replaced by the given visits."""
    depart, back = template["routes"][0]["depart"], template["routes"][0]["return"]
    routes = [
        {"crew": crew, "depart": depart, "return": back, "visits": round_}
        for crew, round_ in zip(crews, visits, strict=True)
    ]
    return {**template, "routes": routes, "unassigned": []}


def four_visits_then_rearranged(
    session: Session, area: Area
) -> tuple[StoredPlan, StoredPlan, list[dict[str, Any]]]:
    """Version 1 (published): crew 1 visits all four people, crew 2 none. A draft (version 2)
    nobody was given. Version 3 (published by hand): crew 1 keeps the first visit 25 minutes
    later and the second 5 minutes later; the third went to crew 2; the fourth is planned
    for no crew. Returns versions 1 and 3 and version 1's visits in order."""
    first = publish_night(
        session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    assert first.plan_id is not None
    v1 = session.get(StoredPlan, first.plan_id)
    assert v1 is not None
    crews = [r["crew"] for r in v1.plan["routes"]]
    visits = sorted(
        (v for r in v1.plan["routes"] for v in r["visits"]),
        key=lambda v: datetime.fromisoformat(v["start"]),
    )
    assert len(visits) == 4 and crews[0].endswith("-car-1") and crews[1].endswith("-car-2")
    v1.plan = _rounds(v1.plan, crews, [[_visit(v) for v in visits], []])
    draft = StoredPlan(
        area_id=area.id,
        night=NIGHT,
        version=2,
        status="superseded",
        trigger="requested",
        problem=v1.problem,
        plan=_rounds(v1.plan, crews, [[], [_visit(v) for v in visits]]),
        travel_minutes=0.0,
        unassigned_count=0,
        solve_seconds=0.0,
    )
    v3 = StoredPlan(
        area_id=area.id,
        night=NIGHT,
        version=3,
        status="published",
        trigger=REPUBLISHED,
        problem=v1.problem,
        plan=_rounds(
            v1.plan,
            crews,
            [[_visit(visits[0], 25), _visit(visits[1], 5)], [_visit(visits[2])]],
        ),
        travel_minutes=0.0,
        unassigned_count=1,
        solve_seconds=0.0,
    )
    v1.status = "superseded"
    session.add_all([draft, v3])
    session.flush()
    return v1, v3, visits


def test_changes_since_the_previous_publication_are_marked_on_each_crews_sheet(
    db_session: Session,
) -> None:
    """Against version 1 (the draft in between never reached the crews): a visit 25 minutes
    later says "care start changed from" its old care start, 5 minutes later is not marked, a visit
    taken over from crew 1 says so on crew 2's sheet, and crew 1's lists both it lost."""
    area, _, people = a_staffed_area(db_session)
    _, _, visits = four_visits_then_rearranged(db_session, area)
    coordinator = coordinator_of(area)
    was = [_local(v["arrive"]) for v in visits]

    crew_1 = route_sheet(db_session, coordinator, area.id, NIGHT, 1, now=DURING_THE_NIGHT)
    assert crew_1.previous_version == 1
    assert [v.call_id for v in crew_1.visits] == [visits[0]["call"], visits[1]["call"]]
    was_start = _local(visits[0]["start"])
    assert crew_1.visits[0].change == VisitChange(
        TIME_CHANGED, was_arrive=was[0], was_start=was_start
    )
    assert crew_1.visits[0].change.text == f"care start changed from {was_start}"
    assert crew_1.visits[1].change is None
    assert [(r.call_id, r.was_arrive, r.now_crew_number, r.text) for r in crew_1.removed] == [
        (visits[2]["call"], was[2], 2, "now crew 2's"),
        (visits[3]["call"], was[3], None, "no longer planned"),
    ]
    names = {p.name for p in people}
    assert all(r.person_name in names and r.tasks == ("reposition",) for r in crew_1.removed)
    assert crew_1.changes_marked == 3

    crew_2 = route_sheet(db_session, coordinator, area.id, NIGHT, 2, now=DURING_THE_NIGHT)
    assert crew_2.visits[0].change == VisitChange(FROM_CREW, was_crew_number=1, was_arrive=was[2])
    assert crew_2.visits[0].change.text == f"new to this crew (was crew 1's at {was[2]})"
    assert crew_2.removed == ()


def test_the_first_version_marks_nothing_and_a_call_no_version_had_is_new(
    db_session: Session,
) -> None:
    """Version 1 has nothing to compare with; after a new need is added and the night is
    published again, its visit is marked "new" on whichever crew's sheet it lands."""
    area, carers, _ = a_staffed_area(db_session)
    first = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    assert first.plan_id is not None
    number, _ = a_crew_with_visits(db_session, area, carers)
    sheet = route_sheet(db_session, coordinator_of(area), area.id, NIGHT, number)
    assert sheet.previous_version is None and sheet.changes_marked == 0
    assert all(v.change is None for v in sheet.visits)

    newcomer = a_person(db_session, lat=52.5, lon=-2.9, name="Mr Newcomer")
    need = a_need(db_session, person=newcomer, earliest="23:00", latest="02:00", minutes=20)
    publish_night(
        db_session, area.id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=SECONDS
    )
    marked = [
        v
        for n in (1, 2)
        for v in route_sheet(db_session, coordinator_of(area), area.id, NIGHT, n).visits
        if v.call_id == f"n{need.id}"
    ]
    assert [(v.person_name, v.change) for v in marked] == [("Mr Newcomer", VisitChange(NEW))]
    old = route_sheet_of_plan(db_session, coordinator_of(area), first.plan_id, number)
    assert old.previous_version is None and old.changes_marked == 0


def test_a_visit_is_marked_when_its_care_start_moves_not_its_arrival(
    db_session: Session,
) -> None:
    """Republished with every arrival 15 minutes earlier and the same care starts (as when the
    rule for arriving before care changes), no visit is marked; one whose arrival stayed and
    whose care starts 15 minutes later is, with the care start it had."""
    area, _, _ = a_staffed_area(db_session)
    first = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    assert first.plan_id is not None
    v1 = db_session.get(StoredPlan, first.plan_id)
    assert v1 is not None
    crews = [r["crew"] for r in v1.plan["routes"]]
    visits = sorted(
        (v for r in v1.plan["routes"] for v in r["visits"]),
        key=lambda v: datetime.fromisoformat(v["start"]),
    )
    v1.plan = _rounds(v1.plan, crews, [[_visit(v) for v in visits], []])
    earlier = [{**_visit(v), "arrive": _later(v["arrive"], -15)} for v in visits]
    later_care = {**_visit(visits[1], 15), "arrive": visits[1]["arrive"]}
    v2 = StoredPlan(
        area_id=area.id,
        night=NIGHT,
        version=2,
        status="published",
        trigger=REPUBLISHED,
        problem=v1.problem,
        plan=_rounds(v1.plan, crews, [[earlier[0], later_care, *earlier[2:]], []]),
        travel_minutes=0.0,
        unassigned_count=0,
        solve_seconds=0.0,
    )
    v1.status = "superseded"
    db_session.add(v2)
    db_session.flush()

    sheet = route_sheet(db_session, coordinator_of(area), area.id, NIGHT, 1, now=DURING_THE_NIGHT)
    assert sheet.previous_version == 1
    changes = {v.call_id: v.change for v in sheet.visits}
    assert changes == {
        v["call"]: (
            VisitChange(
                TIME_CHANGED,
                was_arrive=_local(v["arrive"]),
                was_start=_local(v["start"]),
            )
            if v is visits[1]
            else None
        )
        for v in visits
    }
    assert sheet.changes_marked == 1


def test_the_sheet_names_the_base_by_its_address_while_the_plan_starts_there(
    db_session: Session,
) -> None:
    """The area's base address is on the sheet; once the base has moved, a plan made from the
    old base shows that base by its coordinates, not the new base's address."""
    area, _, _ = a_staffed_area(db_session)
    update_area(db_session, SYSTEM, area.id, {"base_address": "Night base, Mill Lane"})
    publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=SECONDS
    )
    sheet = route_sheet(db_session, coordinator_of(area), area.id, NIGHT, 1)
    assert (sheet.base_address, sheet.base_lat, sheet.base_lon) == (
        "Night base, Mill Lane",
        52.5,
        -2.9,
    )
    update_area(
        db_session,
        SYSTEM,
        area.id,
        {"base_lat": 52.55, "base_lon": -2.85, "base_address": "New base, Station Road"},
    )
    moved = route_sheet(db_session, coordinator_of(area), area.id, NIGHT, 1)
    assert (moved.base_address, moved.base_lat, moved.base_lon) == (None, 52.5, -2.9)


def _local(iso: str) -> str:
    """An instant as the sheets print it on a night without a clock change."""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
