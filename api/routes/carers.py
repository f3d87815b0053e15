"""Carers: coordinators keep their areas' carers; commissioners see every area's."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep
from api.idempotency import IdempotencyDep
from api.routes.filters import AreaQuery
from api.routes.responses import ERRORS
from api.schemas.carers import CarerCreate, CarerRead, CarerUpdate
from api.schemas.common import PathId
from api.schemas.pages import Page, PageDep, page_of
from data.services import carers
from data.services.carers import CarerFields

router = APIRouter(prefix="/carers", tags=["carers"], responses=ERRORS)


@router.get("", response_model=Page[CarerRead])
def list_carers(
    session: SessionDep, actor: ActorDep, page: PageDep, area_id: AreaQuery = None
) -> Page[CarerRead]:
    """Carers in the areas the caller reaches, by name."""
    found = carers.list_carers(
        session, actor, area_id=area_id, offset=page.offset, limit=page.limit
    )
    return page_of(found, CarerRead)


@router.post("", response_model=CarerRead, status_code=201)
def create_carer(
    body: CarerCreate, session: SessionDep, actor: ActorDep, once: IdempotencyDep
) -> CarerRead:
    """Add a carer to an area the caller coordinates."""
    read = CarerRead.model_validate(
        carers.create_carer(session, actor, CarerFields(**body.model_dump()))
    )
    once.remember(201, read)
    return read


@router.get("/{carer_id}", response_model=CarerRead)
def read_carer(carer_id: PathId, session: SessionDep, actor: ActorDep) -> CarerRead:
    """One carer."""
    return CarerRead.model_validate(carers.get_carer(session, actor, carer_id))


@router.patch("/{carer_id}", response_model=CarerRead)
def update_carer(
    carer_id: PathId, body: CarerUpdate, session: SessionDep, actor: ActorDep
) -> CarerRead:
    """Change some of a carer's fields."""
    carer = carers.update_carer(session, actor, carer_id, body.model_dump(exclude_unset=True))
    return CarerRead.model_validate(carer)


@router.delete("/{carer_id}", status_code=204, response_class=Response)
def delete_carer(carer_id: PathId, session: SessionDep, actor: ActorDep) -> None:
    """Remove a carer who is on no rota and has no sign-in."""
    carers.delete_carer(session, actor, carer_id)
