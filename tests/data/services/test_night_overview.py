"""A night for its coordinators: the plan crews work from, who each call is, what was left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from data.errors import NotFound
from data.models import Area, Need, Person
from data.services.access import SYSTEM
from data.services.needs import update_need
from data.services.night_overview import night_overview
from data.services.nights import solve_night_to_draft
from data.services.publication import publish_night, record_publication_failure
from data.services.rota import set_rota_crew
from tests.data.factories import a_carer, a_need, a_person, an_area, coordinator_of

NIGHT = date(2026, 12, 1)  # a Tuesday


@dataclass(frozen=True)
class Planned:
    """West and its records."""

    west: Area
    evans: Person
    jones: Person
    settle: Need
    paused: Need


def a_planned_area(session: Session) -> Planned:
    """West with crew 1 (Anne and Beth) out and crew 2 off; two people with calls, one of
    them paused; tonight solved into a draft."""
    west = an_area(session)
    anne, beth = a_carer(session, area=west, name="Anne"), a_carer(session, area=west, name="Beth")
    set_rota_crew(
        session,
        SYSTEM,
        west.id,
        weekday=NIGHT.weekday(),
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=beth.id,
    )
    evans = a_person(session, name="Mr Evans")
    jones = a_person(session, name="Mrs Jones", lat=52.45)
    settle = a_need(session, person=evans, label="settle")
    paused = a_need(session, person=jones, label="reposition", earliest="02:00", latest="03:00")
    update_need(session, SYSTEM, paused.id, {"paused": True})
    solve_night_to_draft(session, west.id, NIGHT, SYSTEM, 0.5)
    return Planned(west, evans, jones, settle, paused)


def test_the_overview_names_each_call_crew_and_left_out_need(db_session: Session) -> None:
    """The draft is the plan; its call is Mr Evans's "settle"; the paused need is left out as
    paused, named; crew 1 is Anne and Beth, crew 2 has no car out."""
    planned = a_planned_area(db_session)
    west, evans, settle, paused = planned.west, planned.evans, planned.settle, planned.paused
    overview = night_overview(db_session, coordinator_of(west), west.id, NIGHT)
    assert overview.plan is not None and overview.plan.status == "draft"
    described = overview.calls[f"n{settle.id}"]
    assert (described.person_id, described.person_name, described.label) == (
        evans.id,
        "Mr Evans",
        "settle",
    )
    assert [(o.call_id, o.reason) for o in overview.left_out] == [(f"n{paused.id}", "need paused")]
    assert overview.calls[f"n{paused.id}"].person_name == "Mrs Jones"
    assert [(c.number, c.carer_names, c.on) for c in overview.crews] == [
        (1, ("Anne", "Beth"), True),
        (2, (), False),
    ]
    assert overview.runs == []


def test_a_published_version_is_preferred_to_a_newer_draft(db_session: Session) -> None:
    """Published version 2, then draft 3: crews work from version 2; the failure is listed."""
    west = a_planned_area(db_session).west
    publish_night(
        db_session,
        west.id,
        NIGHT,
        trigger="republished",
        actor_user_id=None,
        seconds=0.5,
    )
    solve_night_to_draft(db_session, west.id, NIGHT, SYSTEM, 0.5)
    record_publication_failure(db_session, west.id, NIGHT, "solver crashed")
    overview = night_overview(db_session, SYSTEM, west.id, NIGHT)
    assert overview.plan is not None
    assert (overview.plan.version, overview.plan.status) == (2, "published")
    assert [v.version for v in overview.versions] == [3, 2, 1]
    assert [(r.event, r.reason, r.kept_version) for r in overview.runs] == [
        ("failed", "solver crashed", 2)
    ]


def test_a_night_without_a_plan_still_says_what_is_left_out(db_session: Session) -> None:
    """No plan yet: no calls described but the left-out need's."""
    west = an_area(db_session)
    paused = a_need(db_session, person=a_person(db_session), paused=True)
    overview = night_overview(db_session, SYSTEM, west.id, NIGHT)
    assert overview.plan is None and overview.versions == []
    assert list(overview.calls) == [f"n{paused.id}"]


def test_a_night_outside_the_contract_says_so_instead_of_failing(db_session: Session) -> None:
    """Before the area's contract starts the night cannot be built: said, not raised."""
    west = an_area(db_session)
    overview = night_overview(db_session, SYSTEM, west.id, date(2025, 12, 1))
    assert overview.left_out_error == "the area's contract starts 2026-01-01"


def test_another_areas_coordinator_gets_not_found(db_session: Session) -> None:
    """East's coordinator learns nothing of West's night."""
    west = an_area(db_session)
    east = an_area(db_session, name="East", west=-2.8)
    with pytest.raises(NotFound):
        night_overview(db_session, coordinator_of(east), west.id, NIGHT)


def test_the_overview_takes_the_same_statements_whatever_the_number_of_calls(
    db_session: Session,
) -> None:
    """Ten more people with calls add no statement: everything is read in bulk."""
    west = a_planned_area(db_session).west

    def statements() -> int:
        seen: list[str] = []

        def record(*args: object) -> None:
            seen.append(str(args[2]))

        db_session.expire_all()
        connection = db_session.connection()
        event.listen(connection, "before_cursor_execute", record)
        try:
            night_overview(db_session, SYSTEM, west.id, NIGHT)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        return len(seen)

    before = statements()
    for i in range(10):
        a_need(db_session, person=a_person(db_session, name=f"Person {i}", lat=52.41 + i / 100))
    solve_night_to_draft(db_session, west.id, NIGHT, SYSTEM, 0.5)
    assert statements() == before
