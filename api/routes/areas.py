"""Contract areas: commissioners add and change them; coordinators read their own."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep
from api.idempotency import IdempotencyDep
from api.routes.responses import ERRORS
from api.schemas.areas import AreaCreate, AreaRead, AreaUpdate
from api.schemas.common import PathId
from api.schemas.pages import Page, PageDep, page_of
from data.services import areas
from data.services.areas import AreaFields

router = APIRouter(prefix="/areas", tags=["areas"], responses=ERRORS)


@router.get("", response_model=Page[AreaRead])
def list_areas(session: SessionDep, actor: ActorDep, page: PageDep) -> Page[AreaRead]:
    """The areas the caller reaches, by name."""
    found = areas.list_areas(session, actor, offset=page.offset, limit=page.limit)
    return page_of(found, AreaRead)


@router.post("", response_model=AreaRead, status_code=201)
def create_area(
    body: AreaCreate, session: SessionDep, actor: ActorDep, once: IdempotencyDep
) -> AreaRead:
    """Add a contract area (commissioners)."""
    area = areas.create_area(session, actor, AreaFields(**body.model_dump()))
    read = AreaRead.model_validate(area)
    once.remember(201, read)
    return read


@router.get("/{area_id}", response_model=AreaRead)
def read_area(area_id: PathId, session: SessionDep, actor: ActorDep) -> AreaRead:
    """One area."""
    return AreaRead.model_validate(areas.get_area(session, actor, area_id))


@router.patch("/{area_id}", response_model=AreaRead)
def update_area(
    area_id: PathId, body: AreaUpdate, session: SessionDep, actor: ActorDep
) -> AreaRead:
    """Change some of an area's fields (commissioners)."""
    area = areas.update_area(session, actor, area_id, body.model_dump(exclude_unset=True))
    return AreaRead.model_validate(area)


@router.delete("/{area_id}", status_code=204, response_class=Response)
def delete_area(area_id: PathId, session: SessionDep, actor: ActorDep) -> None:
    """Remove an area with nothing in it yet (commissioners)."""
    areas.delete_area(session, actor, area_id)
