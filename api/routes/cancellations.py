"""Cancellations: no calls for a person on a night (in hospital, respite, family staying)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep
from api.idempotency import IdempotencyDep
from api.routes.filters import AreaQuery, NightQuery, PersonQuery
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.needs import CancellationCreate, CancellationRead
from api.schemas.pages import Page, PageDep, page_of
from data.services import needs
from data.services.needs import CancellationFields

router = APIRouter(prefix="/cancellations", tags=["cancellations"], responses=ERRORS)


@router.get("", response_model=Page[CancellationRead])
def list_cancellations(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    person_id: PersonQuery = None,
    area_id: AreaQuery = None,
    night: NightQuery = None,
) -> Page[CancellationRead]:
    """Cancellations of the people the caller reaches."""
    found = needs.list_cancellations(
        session,
        actor,
        person_id=person_id,
        area_id=area_id,
        night=night,
        offset=page.offset,
        limit=page.limit,
    )
    return page_of(found, CancellationRead)


@router.post("", response_model=CancellationRead, status_code=201)
def create_cancellation(
    body: CancellationCreate, session: SessionDep, actor: ActorDep, once: IdempotencyDep
) -> CancellationRead:
    """Cancel a person's calls for a night (409 when that night is already cancelled)."""
    found = needs.create_cancellation(session, actor, CancellationFields(**body.model_dump()))
    read = CancellationRead.model_validate(found)
    once.remember(201, read)
    return read


@router.get("/{cancellation_id}", response_model=CancellationRead)
def read_cancellation(
    cancellation_id: PathId, session: SessionDep, actor: ActorDep
) -> CancellationRead:
    """One cancellation."""
    return CancellationRead.model_validate(needs.get_cancellation(session, actor, cancellation_id))


@router.delete("/{cancellation_id}", status_code=204, response_class=Response)
def delete_cancellation(cancellation_id: PathId, session: SessionDep, actor: ActorDep) -> None:
    """Withdraw a cancellation: the person's calls for that night are back."""
    needs.delete_cancellation(session, actor, cancellation_id)
