"""Calls for one given night only."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep
from api.idempotency import IdempotencyDep
from api.routes.filters import AreaQuery, NightQuery, PersonQuery
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.needs import OneOffCallCreate, OneOffCallRead, OneOffCallUpdate
from api.schemas.pages import Page, PageDep, page_of
from data.services import needs
from data.services.needs import OneOffFields

router = APIRouter(prefix="/one-off-calls", tags=["one-off calls"], responses=ERRORS)


@router.get("", response_model=Page[OneOffCallRead])
def list_one_off_calls(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    person_id: PersonQuery = None,
    area_id: AreaQuery = None,
    night: NightQuery = None,
) -> Page[OneOffCallRead]:
    """One-off calls of the people the caller reaches."""
    found = needs.list_one_off_calls(
        session,
        actor,
        person_id=person_id,
        area_id=area_id,
        night=night,
        offset=page.offset,
        limit=page.limit,
    )
    return page_of(found, OneOffCallRead)


@router.post("", response_model=OneOffCallRead, status_code=201)
def create_one_off_call(
    body: OneOffCallCreate, session: SessionDep, actor: ActorDep, once: IdempotencyDep
) -> OneOffCallRead:
    """Add a call for one night."""
    call = needs.create_one_off_call(session, actor, OneOffFields(**body.model_dump()))
    read = OneOffCallRead.model_validate(call)
    once.remember(201, read)
    return read


@router.get("/{call_id}", response_model=OneOffCallRead)
def read_one_off_call(call_id: PathId, session: SessionDep, actor: ActorDep) -> OneOffCallRead:
    """One one-off call."""
    return OneOffCallRead.model_validate(needs.get_one_off_call(session, actor, call_id))


@router.patch("/{call_id}", response_model=OneOffCallRead)
def update_one_off_call(
    call_id: PathId, body: OneOffCallUpdate, session: SessionDep, actor: ActorDep
) -> OneOffCallRead:
    """Change some of a one-off call's fields."""
    call = needs.update_one_off_call(session, actor, call_id, body.model_dump(exclude_unset=True))
    return OneOffCallRead.model_validate(call)


@router.delete("/{call_id}", status_code=204, response_class=Response)
def delete_one_off_call(call_id: PathId, session: SessionDep, actor: ActorDep) -> None:
    """Remove a one-off call."""
    needs.delete_one_off_call(session, actor, call_id)
