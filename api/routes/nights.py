"""A night of an area: its problem from stored state, and draft plans solved from it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from api.deps import ActorDep, SessionDep
from api.idempotency import IdempotencyDep
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.nights import (
    CrewSheetRead,
    LeftOutRead,
    PlanCreated,
    PlanRead,
    PlanSolve,
    PlanSummaryRead,
    UnassignedRead,
)
from api.schemas.pages import Page, PageDep
from data.models import StoredPlan
from data.services import nights, plans
from data.services.publication import plan_with_changes
from routing.solver import SolveOptions, solve

router = APIRouter(tags=["nights and plans"], responses=ERRORS)


@router.get("/areas/{area_id}/nights/{night}/problem", response_model=dict[str, Any])
def read_night_problem(
    area_id: PathId, night: date, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    """The night as a nightcare-problem/1 document: `nightcare solve` reads it as it is."""
    return nights.night_problem(session, actor, area_id, night).problem


@router.get("/areas/{area_id}/nights/{night}/left-out", response_model=list[LeftOutRead])
def read_night_left_out(
    area_id: PathId, night: date, session: SessionDep, actor: ActorDep
) -> list[LeftOutRead]:
    """The stored needs and one-off calls that are not in the night's problem, and why."""
    build = nights.night_problem(session, actor, area_id, night)
    return [
        LeftOutRead(call_id=o.call_id, person_id=o.person_id, reason=o.reason)
        for o in build.left_out
    ]


@router.post("/areas/{area_id}/nights/{night}/plans", response_model=PlanCreated, status_code=201)
def create_night_plan(
    area_id: PathId,
    night: date,
    session: SessionDep,
    actor: ActorDep,
    once: IdempotencyDep,
    body: Annotated[PlanSolve | None, Body()] = None,
) -> PlanCreated:
    """Solve the night into the next draft plan (earlier drafts become superseded)."""
    seconds = (body or PlanSolve()).seconds
    build = nights.night_problem(session, actor, area_id, night)
    # End the reading transaction before searching: on SQLite every transaction holds the
    # write lock from BEGIN, and other requests must not wait seconds for the solver.
    session.commit()
    options = SolveOptions(time_limit=seconds, crew_pins=build.crew_pins)
    plan = nights.with_pin_reasons(build, solve(build.routing_night, options))
    stored = nights.store_draft_plan(session, actor, build, plan, trigger="requested")
    session.flush()
    created = PlanCreated(
        **_plan_read(stored).model_dump(),
        left_out=_left_out(build),
    )
    once.remember(201, created)
    return created


@router.get("/areas/{area_id}/nights/{night}/plans", response_model=Page[PlanSummaryRead])
def list_night_plans(
    area_id: PathId, night: date, session: SessionDep, actor: ActorDep, page: PageDep
) -> Page[PlanSummaryRead]:
    """The night's stored plans, newest version first."""
    found = plans.list_plans(session, actor, area_id, night)
    return Page[PlanSummaryRead](
        items=[PlanSummaryRead.model_validate(p) for p in found[page.offset : page.end]],
        total=len(found),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/plans/{plan_id}", response_model=PlanRead)
def read_plan(plan_id: PathId, session: SessionDep, actor: ActorDep) -> PlanRead:
    """One stored plan with every route, the unassigned calls and why, and (once published)
    how many visits changed crew or moved over 30 minutes against the night before."""
    stored, changes = plan_with_changes(session, actor, plan_id)
    read = _plan_read(stored)
    if changes is not None:
        read.changed_since_last_night = changes.get("changed_since_last_night")
    return read


@router.get("/areas/{area_id}/nights/{night}/sheet", response_model=CrewSheetRead)
def read_crew_sheet(
    area_id: PathId,
    night: date,
    session: SessionDep,
    actor: ActorDep,
    crew_number: Annotated[
        int | None, Query(ge=1, le=50, description="coordinators: which crew (carers: their own)")
    ] = None,
) -> CrewSheetRead:
    """A crew's round from the night's current plan: a carer gets their own crew's and no
    other; coordinators and commissioners name the crew."""
    sheet = plans.crew_sheet(session, actor, area_id, night, crew_number=crew_number)
    return CrewSheetRead(
        plan_id=sheet.plan_id,
        version=sheet.version,
        status=sheet.status,
        area_id=sheet.area_id,
        night=sheet.night,
        crew_id=sheet.crew_id,
        route=sheet.route,
        calls=sheet.calls,
    )


def _plan_read(stored: StoredPlan) -> PlanRead:
    return PlanRead(
        **PlanSummaryRead.model_validate(stored).model_dump(),
        routes=stored.plan.get("routes", []),
        unassigned=[
            UnassignedRead(call=u["call"], reason=u["reason"])
            for u in stored.plan.get("unassigned", [])
        ],
    )


def _left_out(build: nights.NightBuild) -> list[LeftOutRead]:
    return [
        LeftOutRead(call_id=o.call_id, person_id=o.person_id, reason=o.reason)
        for o in build.left_out
    ]
