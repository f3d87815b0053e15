"""The rota of an area: the standing weekly pattern, changes for given nights, and the crews
a night actually has."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import ActorDep, SessionDep
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.pages import Page, PageDep
from api.schemas.rota import (
    NightCrewRead,
    RotaChangeRead,
    RotaChangeSet,
    RotaCrewRead,
    RotaCrewSet,
)
from data.errors import Invalid
from data.services import rota

router = APIRouter(prefix="/areas/{area_id}", tags=["rota"], responses=ERRORS)

WeekdayPath = Annotated[int, Path(ge=0, le=6, description="0 Monday .. 6 Sunday")]
CrewPath = Annotated[int, Path(ge=1, le=50)]
LONGEST_CHANGE_LIST = timedelta(days=366)


@router.get("/rota", response_model=Page[RotaCrewRead])
def list_rota(
    area_id: PathId, session: SessionDep, actor: ActorDep, page: PageDep
) -> Page[RotaCrewRead]:
    """The standing pattern, by weekday then crew."""
    crews = rota.list_rota(session, actor, area_id)
    shown = crews[page.offset : page.end]
    return Page[RotaCrewRead](
        items=[RotaCrewRead.model_validate(crew) for crew in shown],
        total=len(crews),
        limit=page.limit,
        offset=page.offset,
    )


@router.put("/rota/{weekday}/{crew_number}", response_model=RotaCrewRead)
def set_rota_crew(
    area_id: PathId,
    weekday: WeekdayPath,
    crew_number: CrewPath,
    body: RotaCrewSet,
    session: SessionDep,
    actor: ActorDep,
) -> RotaCrewRead:
    """Put two carers in a crew on every such weekday (a carer may not be in two crews)."""
    crew = rota.set_rota_crew(
        session,
        actor,
        area_id,
        weekday=weekday,
        crew_number=crew_number,
        carer_a_id=body.carer_a_id,
        carer_b_id=body.carer_b_id,
    )
    return RotaCrewRead.model_validate(crew)


@router.delete("/rota/{weekday}/{crew_number}", status_code=204, response_class=Response)
def remove_rota_crew(
    area_id: PathId,
    weekday: WeekdayPath,
    crew_number: CrewPath,
    session: SessionDep,
    actor: ActorDep,
) -> None:
    """Take a crew off the standing pattern for a weekday."""
    rota.remove_rota_crew(session, actor, area_id, weekday=weekday, crew_number=crew_number)


@router.get("/rota-changes", response_model=Page[RotaChangeRead])
def list_rota_changes(
    area_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    start: Annotated[date, Query(description="first night")],
    end: Annotated[date, Query(description="last night (at most a year after start)")],
) -> Page[RotaChangeRead]:
    """Changes for the nights from `start` to `end`, by night then crew."""
    if end < start:
        raise Invalid("must be on or after start", "end")
    if end - start > LONGEST_CHANGE_LIST:
        raise Invalid("ask for at most a year of changes at a time", "end")
    changes = rota.list_rota_changes(session, actor, area_id, start=start, end=end)
    shown = changes[page.offset : page.end]
    return Page[RotaChangeRead](
        items=[RotaChangeRead.model_validate(change) for change in shown],
        total=len(changes),
        limit=page.limit,
        offset=page.offset,
    )


@router.put("/rota-changes/{night}/{crew_number}", response_model=RotaChangeRead)
def set_rota_change(
    area_id: PathId,
    night: date,
    crew_number: CrewPath,
    body: RotaChangeSet,
    session: SessionDep,
    actor: ActorDep,
) -> RotaChangeRead:
    """Change one night's crew (sickness, a swap); both carers null stands the crew down."""
    change = rota.set_rota_change(
        session,
        actor,
        area_id,
        night=night,
        crew_number=crew_number,
        carer_a_id=body.carer_a_id,
        carer_b_id=body.carer_b_id,
        note=body.note,
    )
    return RotaChangeRead.model_validate(change)


@router.delete("/rota-changes/{night}/{crew_number}", status_code=204, response_class=Response)
def remove_rota_change(
    area_id: PathId, night: date, crew_number: CrewPath, session: SessionDep, actor: ActorDep
) -> None:
    """Drop a night's change: the crew goes back to the pattern."""
    rota.remove_rota_change(session, actor, area_id, night=night, crew_number=crew_number)


@router.get("/nights/{night}/crews", response_model=list[NightCrewRead])
def crews_on_night(
    area_id: PathId, night: date, session: SessionDep, actor: ActorDep
) -> list[NightCrewRead]:
    """The crews the area has on a night: the pattern with that night's changes."""
    crews = rota.crews_on_night(session, actor, area_id, night)
    return [
        NightCrewRead(
            crew_number=crew.crew_number,
            carer_a_id=crew.carer_a_id,
            carer_b_id=crew.carer_b_id,
            source=crew.source,
            on=crew.on,
        )
        for crew in crews
    ]
