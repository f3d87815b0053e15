"""Plans: coordinators see their areas' plans; a carer sees only their own crew's sheet."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from data.errors import Forbidden, NotFound
from data.models import Area, Carer, StoredPlan
from data.services.access import CARER, SYSTEM, Actor
from data.services.nights import build_night, solve_night_to_draft, store_draft_plan
from data.services.plans import crew_sheet, current_plan, get_plan, list_plans
from data.services.rota import set_rota_crew
from routing.plan import Plan, PlanStats, Route, Visit
from tests.data.factories import a_carer, a_need, a_person, an_area, coordinator_of

TUESDAY = date(2026, 3, 3)


def _crew(session: Session, area: Area, number: int, *names: str) -> tuple[Carer, Carer]:
    first, second = (a_carer(session, area=area, name=n) for n in names)
    set_rota_crew(
        session,
        SYSTEM,
        area.id,
        weekday=TUESDAY.weekday(),
        crew_number=number,
        carer_a_id=first.id,
        carer_b_id=second.id,
    )
    return first, second


def _hand_plan(session: Session, area: Area, crew_of_call: str) -> StoredPlan:
    """Store a plan that puts the night's only call on `crew_of_call` (no solver needed)."""
    build = build_night(session, area.id, TUESDAY)
    call = build.routing_night.calls[0]
    routes = tuple(
        Route(
            crew.id,
            0,
            8 * 3600,
            (Visit(call.id, call.earliest, call.earliest, call.earliest + call.duration),)
            if crew.id == crew_of_call
            else (),
        )
        for crew in build.routing_night.crews
    )
    plan = Plan(
        build.routing_night.name, routes, (), PlanStats(travel_seconds=0, solve_seconds=0.0)
    )
    return store_draft_plan(session, SYSTEM, build, plan, trigger="test")


def test_a_carer_sees_their_own_crews_sheet_and_no_other(db_session: Session) -> None:
    """Anne (crew 2) gets crew 2's round with the call's details; Eve, on no crew, gets 404."""
    area = an_area(db_session)
    _crew(db_session, area, 1, "Cath", "Dora")
    anne, _beth = _crew(db_session, area, 2, "Anne", "Beth")
    eve = a_carer(db_session, area=area, name="Eve")
    need = a_need(db_session, person=a_person(db_session))
    _hand_plan(db_session, area, "west-car-2")
    sheet = crew_sheet(db_session, Actor(None, CARER, carer_id=anne.id), area.id, TUESDAY)
    assert sheet.crew_id == "west-car-2"
    assert [c["id"] for c in sheet.calls] == [f"n{need.id}"]
    with pytest.raises(NotFound):
        crew_sheet(db_session, Actor(None, CARER, carer_id=eve.id), area.id, TUESDAY)


def test_a_coordinator_reads_their_areas_plans_only(db_session: Session) -> None:
    """Another area's plan is not found; a carer may not list whole plans."""
    west = an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    _crew(db_session, west, 1, "Anne", "Beth")
    a_need(db_session, person=a_person(db_session))
    stored = _hand_plan(db_session, west, "west-car-1")
    assert [p.id for p in list_plans(db_session, coordinator_of(west), west.id, TUESDAY)] == [
        stored.id
    ]
    with pytest.raises(NotFound):
        get_plan(db_session, coordinator_of(east), stored.id)
    with pytest.raises(Forbidden):
        get_plan(db_session, Actor(None, CARER, carer_id=1), stored.id)


def test_the_current_plan_is_the_newest_draft_until_one_is_published(
    db_session: Session,
) -> None:
    """A published plan stays current even when a newer draft exists."""
    area = an_area(db_session)
    _crew(db_session, area, 1, "Anne", "Beth")
    a_need(db_session, person=a_person(db_session))
    first = _hand_plan(db_session, area, "west-car-1")
    second = _hand_plan(db_session, area, "west-car-1")
    assert current_plan(db_session, area.id, TUESDAY) is second
    second.status = "published"
    third = solve_night_to_draft(db_session, area.id, TUESDAY, SYSTEM, 0.3)
    db_session.refresh(first)
    db_session.refresh(second)
    assert [(p.version, p.status) for p in (first, second, third)] == [
        (1, "superseded"),
        (2, "published"),
        (3, "draft"),
    ]
    assert current_plan(db_session, area.id, TUESDAY) is second
