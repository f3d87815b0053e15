"""Building a night from stored state, and solving it into a stored draft plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from data.errors import Forbidden, Invalid, NotFound
from data.models import Area, AuditEvent, Carer, Person, StoredPlan
from data.services.access import CARER, SYSTEM, Actor
from data.services.needs import (
    CancellationFields,
    OneOffFields,
    create_cancellation,
    create_one_off_call,
)
from data.services.nights import build_night, night_problem, solve_night_to_draft
from data.services.people import read_person_secrets
from data.services.publication import REPUBLISHED, publish_night
from data.services.rota import set_rota_crew
from tests.data.factories import a_carer, a_need, a_person, an_area, coordinator_of

TUESDAY = date(2026, 3, 3)


def _crew(session: Session, area: Area, number: int, *names: str) -> tuple[Carer, Carer]:
    first, second = (a_carer(session, area=area, name=n) for n in names)
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
    return first, second


def _publish(session: Session, area: Area, night: date) -> StoredPlan:
    """Solve and publish `night` as a coordinator's "publish again" does."""
    result = publish_night(
        session, area.id, night, trigger=REPUBLISHED, actor_user_id=None, seconds=0.5
    )
    assert result.plan_id is not None
    return session.get_one(StoredPlan, result.plan_id)


def test_a_night_holds_the_needs_that_apply_and_says_why_others_are_left_out(
    db_session: Session,
) -> None:
    """Paused, other weekdays, ended, cancelled and not-yet-started needs are left out with
    their reason; applying needs and one-off calls are in."""
    area = an_area(db_session)
    evans = a_person(db_session, name="Mr Evans")
    daily = a_need(db_session, person=evans)
    paused = a_need(db_session, person=evans, paused=True)
    weekends = a_need(db_session, person=evans, weekdays=[5, 6])
    ended = a_need(db_session, person=evans, end_date=date(2026, 2, 28))
    hughes = a_person(db_session, name="Mrs Hughes", lon=-2.95)
    cancelled = a_need(db_session, person=hughes)
    create_cancellation(
        db_session,
        SYSTEM,
        CancellationFields(person_id=hughes.id, night=TUESDAY, reason="in hospital"),
    )
    later = a_person(db_session, name="Mr Later", start_date=date(2026, 4, 1))
    not_yet = a_need(db_session, person=later, start_date=date(2026, 4, 1))
    one_off = create_one_off_call(
        db_session,
        SYSTEM,
        OneOffFields(
            person_id=evans.id,
            night=TUESDAY,
            label="check the pump",
            earliest="03:00",
            latest="04:00",
            minutes=15,
            priority="critical",
        ),
    )

    build = build_night(db_session, area.id, TUESDAY)

    assert [c["id"] for c in build.problem["calls"]] == [f"n{daily.id}", f"o{one_off.id}"]
    assert build.problem["calls"][1]["priority"] == "critical"
    assert {(o.call_id, o.reason) for o in build.left_out} == {
        (f"n{paused.id}", "need paused"),
        (f"n{weekends.id}", "not on Tuesdays"),
        (f"n{ended.id}", "need ended 2026-02-28"),
        (f"n{cancelled.id}", "cancelled: in hospital"),
        (f"n{not_yet.id}", "care starts 2026-04-01"),
    }
    assert [c.id for c in build.routing_night.calls] == [f"n{daily.id}", f"o{one_off.id}"]


def test_crews_come_from_the_rota_with_their_carers(db_session: Session) -> None:
    """The night's crews carry the carers' ids, genders and skills; the problem is valid."""
    area = an_area(db_session, name="South Hills")
    anne, beth = _crew(db_session, area, 2, "Anne", "Beth")
    anne.skills = ["medication"]
    build = build_night(db_session, area.id, TUESDAY)
    assert build.problem["crews"] == [
        {
            "id": "south-hills-car-2",
            "carers": [
                {"id": f"k{anne.id}", "gender": "F", "skills": ["medication"]},
                {"id": f"k{beth.id}", "gender": "F", "skills": []},
            ],
        }
    ]
    assert build.problem["name"] == "south-hills-2026-03-03"
    assert [c.id for c in build.routing_night.crews] == ["south-hills-car-2"]


def test_an_after_link_is_kept_only_when_the_earlier_call_is_in_the_night(
    db_session: Session,
) -> None:
    """On a night without the earlier call, the later call stays and loses its link."""
    area = an_area(db_session)
    person = a_person(db_session)
    first = a_need(db_session, person=person, weekdays=[1])
    second = a_need(
        db_session,
        person=person,
        earliest="02:00",
        latest="03:00",
        after_need_id=first.id,
        min_gap_minutes=120,
        max_gap_minutes=240,
    )
    tuesday = build_night(db_session, area.id, TUESDAY).problem["calls"]
    wednesday = build_night(db_session, area.id, date(2026, 3, 4)).problem["calls"]
    assert tuesday[1] == {
        **tuesday[1],
        "id": f"n{second.id}",
        "after": {"call": f"n{first.id}", "min_minutes": 120, "max_minutes": 240},
    }
    assert [c["id"] for c in wednesday] == [f"n{second.id}"] and "after" not in wednesday[0]


def test_a_gender_request_becomes_the_calls_gender(db_session: Session) -> None:
    """Mrs Hughes asks for women carers: her calls say so."""
    area = an_area(db_session)
    a_need(db_session, person=a_person(db_session, gender_request="F"))
    assert build_night(db_session, area.id, TUESDAY).problem["calls"][0]["gender"] == "F"


def test_a_night_outside_the_areas_contract_is_refused(db_session: Session) -> None:
    """Before the contract starts there is no night to build."""
    area = an_area(db_session)
    with pytest.raises(Invalid) as refused:
        build_night(db_session, area.id, date(2025, 12, 31))
    assert refused.value.field == "night"


def test_the_calendars_last_day_is_refused_as_a_night(db_session: Session) -> None:
    """9999-12-31's night would end on a day that does not exist: refused naming the night,
    in an area whose contract has no end; the day before builds."""
    area = an_area(db_session)
    a_need(db_session, person=a_person(db_session))
    with pytest.raises(Invalid, match="must end by 9999-12-31") as refused:
        build_night(db_session, area.id, date.max)
    assert refused.value.field == "night"
    assert len(build_night(db_session, area.id, date.max - timedelta(days=1)).problem["calls"]) == 1


def test_another_areas_night_is_not_found_for_a_coordinator(db_session: Session) -> None:
    """A coordinator of West cannot see East's problem."""
    west = an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    with pytest.raises(NotFound):
        night_problem(db_session, coordinator_of(west), east.id, TUESDAY)


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    connection = session.connection()

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _people_with_needs(session: Session, count: int, start: int) -> None:
    for i in range(start, start + count):
        person = a_person(session, name=f"Person {i}", lat=52.41 + i * 0.001)
        a_need(session, person=person)
        a_need(session, person=person, earliest="02:00", latest="03:00")
    cancelled = a_person(session, name=f"Cancelled {start}")
    a_need(session, person=cancelled)
    create_cancellation(
        session, SYSTEM, CancellationFields(person_id=cancelled.id, night=TUESDAY, reason="respite")
    )


def test_building_a_night_runs_the_same_queries_for_3_or_30_people(db_session: Session) -> None:
    """No N+1: the statement count does not grow with the number of people."""
    area = an_area(db_session)
    _crew(db_session, area, 1, "Anne", "Beth")
    _people_with_needs(db_session, 3, 0)
    db_session.expunge_all()
    with _statements(db_session) as few:
        small = build_night(db_session, area.id, TUESDAY)
    _people_with_needs(db_session, 27, 3)
    db_session.expunge_all()
    with _statements(db_session) as many:
        large = build_night(db_session, area.id, TUESDAY)
    assert (len(small.problem["calls"]), len(large.problem["calls"])) == (6, 60)
    assert len(many) == len(few) <= 10


def test_solving_a_night_stores_numbered_drafts_that_supersede_each_other(
    db_session: Session,
) -> None:
    """Each solve stores the next version; every call is visited or unassigned with a reason."""
    area = an_area(db_session)
    _crew(db_session, area, 1, "Anne", "Beth")
    for i in range(3):
        a_need(db_session, person=a_person(db_session, name=f"P{i}", lat=52.45 + 0.03 * i))
    first = solve_night_to_draft(db_session, area.id, TUESDAY, SYSTEM, 0.5)
    second = solve_night_to_draft(db_session, area.id, TUESDAY, SYSTEM, 0.5)
    db_session.refresh(first)
    assert (first.version, first.status, second.version, second.status) == (
        1,
        "superseded",
        2,
        "draft",
    )
    visited = [v["call"] for r in second.plan["routes"] for v in r["visits"]]
    unassigned = [u["call"] for u in second.plan["unassigned"]]
    assert sorted(visited + unassigned) == sorted(c["id"] for c in second.problem["calls"])
    assert second.unassigned_count == len(unassigned)
    assert all(u["reason"] for u in second.plan["unassigned"])


def test_the_crew_visiting_a_person_tonight_may_read_their_key_safe_code(
    db_session: Session,
) -> None:
    """A carer of the crew with the visit in the published plan reads the code, that night or
    during it; a carer of another crew does not, nor the crew the next night (not published)."""
    area = an_area(db_session)
    anne, _beth = _crew(db_session, area, 1, "Anne", "Beth")
    cath, _dora = _crew(db_session, area, 2, "Cath", "Dora")
    person = a_person(db_session, key_safe_code="4711")
    a_need(db_session, person=person)
    plan = _publish(db_session, area, TUESDAY)
    visiting = next(r["crew"] for r in plan.plan["routes"] if r["visits"])
    on_crew = anne if visiting.endswith("car-1") else cath
    other = cath if on_crew is anne else anne
    carer = Actor(None, CARER, carer_id=on_crew.id)
    evening = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    secrets = read_person_secrets(db_session, carer, person.id, night=TUESDAY, now=evening)
    assert secrets.key_safe_code == "4711"
    # 03:00 on Wednesday in London: Tuesday's night is under way.
    during = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    assert read_person_secrets(db_session, carer, person.id, now=during).key_safe_code == "4711"
    with pytest.raises(NotFound):
        read_person_secrets(
            db_session,
            Actor(None, CARER, carer_id=other.id),
            person.id,
            night=TUESDAY,
            now=evening,
        )
    with pytest.raises(Forbidden, match="night of 2026-03-04 is not published yet"):
        read_person_secrets(db_session, carer, person.id, now=during + timedelta(hours=12))


def _tuesday_published_for_one_crew(db_session: Session) -> tuple[Area, Actor, Person]:
    """An area whose one crew (Anne and Beth) visits a person with key-safe code 4711 on
    Tuesday's published night: the area, Anne as a carer, the person."""
    area = an_area(db_session)
    anne, _beth = _crew(db_session, area, 1, "Anne", "Beth")
    person = a_person(db_session, key_safe_code="4711")
    a_need(db_session, person=person)
    _publish(db_session, area, TUESDAY)
    return area, Actor(None, CARER, carer_id=anne.id), person


def test_the_crew_does_not_read_a_code_before_the_day_of_its_night(
    db_session: Session,
) -> None:
    """On Monday evening the crew visiting on Tuesday night is refused Tuesday's code, naming
    the night; from Tuesday morning it reads it."""
    area, carer, person = _tuesday_published_for_one_crew(db_session)
    monday_evening = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    with pytest.raises(Forbidden) as refused:
        read_person_secrets(db_session, carer, person.id, night=TUESDAY, now=monday_evening)
    assert refused.value.field == "night"
    assert "the night of 2026-03-03 has not come" in refused.value.detail
    tuesday_morning = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    secrets = read_person_secrets(db_session, carer, person.id, night=TUESDAY, now=tuesday_morning)
    assert secrets.key_safe_code == "4711"


def test_the_crew_reads_no_code_from_a_draft_until_the_night_is_published(
    db_session: Session,
) -> None:
    """On Tuesday evening the night has only a draft, which its coordinator may still change:
    the crew it gives the visit to is refused (Forbidden on the night, saying it is not
    published), nothing is audited as read, and the coordinator reads the code from the
    draft as before; once published, the crew visiting in it reads the code."""
    area = an_area(db_session)
    anne, _beth = _crew(db_session, area, 1, "Anne", "Beth")
    cath, _dora = _crew(db_session, area, 2, "Cath", "Dora")
    person = a_person(db_session, key_safe_code="4711")
    a_need(db_session, person=person)
    draft = solve_night_to_draft(db_session, area.id, TUESDAY, SYSTEM, 0.5)
    in_draft = next(r["crew"] for r in draft.plan["routes"] if r["visits"])
    carer = Actor(None, CARER, carer_id=(anne if in_draft.endswith("car-1") else cath).id)
    evening = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)
    with pytest.raises(Forbidden) as refused:
        read_person_secrets(db_session, carer, person.id, night=TUESDAY, now=evening)
    assert refused.value.field == "night"
    assert "the plan of the night of 2026-03-03 is not published yet" in refused.value.detail
    reads = select(AuditEvent).where(AuditEvent.action == "read-secret")
    assert db_session.scalars(reads).all() == []
    coordinator = coordinator_of(area)
    assert read_person_secrets(db_session, coordinator, person.id).key_safe_code == "4711"
    published = _publish(db_session, area, TUESDAY)
    visiting = next(r["crew"] for r in published.plan["routes"] if r["visits"])
    crew = Actor(None, CARER, carer_id=(anne if visiting.endswith("car-1") else cath).id)
    read = read_person_secrets(db_session, crew, person.id, night=TUESDAY, now=evening)
    assert read.key_safe_code == "4711"


def test_the_crew_no_longer_reads_a_code_once_the_nights_shift_is_over(
    db_session: Session,
) -> None:
    """Naming the night does not reopen it: at 07:00 on Wednesday (London) Tuesday's shift has
    ended, so the crew that visited is refused, as their route sheet then hides the code; the
    area's coordinator still reads it; only the allowed read is audited."""
    area, carer, person = _tuesday_published_for_one_crew(db_session)
    last_minute = datetime(2026, 3, 4, 6, 59, tzinfo=UTC)
    shift_over = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    read = read_person_secrets(db_session, carer, person.id, night=TUESDAY, now=last_minute)
    assert read.key_safe_code == "4711"
    for later in (shift_over, shift_over + timedelta(days=7)):
        with pytest.raises(Forbidden, match="shift of the night of 2026-03-03 is over") as refused:
            read_person_secrets(db_session, carer, person.id, night=TUESDAY, now=later)
        assert refused.value.field == "night"
    reads = select(AuditEvent).where(AuditEvent.action == "read-secret")
    assert len(db_session.scalars(reads).all()) == 1
    coordinator = coordinator_of(area)
    assert read_person_secrets(db_session, coordinator, person.id).key_safe_code == "4711"
    assert len(db_session.scalars(reads).all()) == 2


def test_crews_without_a_car_out_are_listed_with_the_reason(db_session: Session) -> None:
    """Crew 1's carer left (inactive), crew 2 has no rota for Tuesdays: neither is in the night."""
    area = an_area(db_session)
    anne, _beth = _crew(db_session, area, 1, "Anne", "Beth")
    anne.active = False
    build = build_night(db_session, area.id, TUESDAY)
    assert build.problem["crews"] == []
    assert [(c.crew_id, c.reason) for c in build.crews_off] == [
        ("west-car-1", f"Anne (k{anne.id}) no longer active: change the rota"),
        ("west-car-2", "no crew 2 on the rota for Tuesdays"),
    ]
