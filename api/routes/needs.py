"""Recurring night calls (needs) of the people in the caller's areas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from api.deps import ActorDep, SessionDep, in_one_thread, signed_in
from api.idempotency import SignedInPostDep
from api.routes.filters import AreaQuery, PersonQuery
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.needs import NeedCreate, NeedRead, NeedUpdate
from api.schemas.pages import Page, PageDep, page_of
from api.signed_in_route import SignedInPostRoute
from data.services import needs
from data.services.needs import NeedFields

router = APIRouter(prefix="/needs", tags=["needs"], responses=ERRORS)


@router.get("", response_model=Page[NeedRead])
def list_needs(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    person_id: PersonQuery = None,
    area_id: AreaQuery = None,
) -> Page[NeedRead]:
    """Needs of the people the caller reaches."""
    found = needs.list_needs(
        session,
        actor,
        person_id=person_id,
        area_id=area_id,
        offset=page.offset,
        limit=page.limit,
    )
    return page_of(found, NeedRead)


async def create_need(body: NeedCreate, post: SignedInPostDep) -> JSONResponse:
    """Add a recurring call; its window must fit the area's shift and hold the call."""

    # The busiest write of all: the token, the key and the person read in one statement, the
    # inserts and the commit, all in one thread; the response serialised once (the same
    # document the key remembers).
    def submit(session: Connection) -> dict[str, Any]:
        context = needs.submission_context(
            session, post.token_digest, datetime.now(UTC), post.asked.key, body.person_id
        )
        actor = signed_in(context.actor)
        once = post.asked.answer(session, actor, context.earlier)
        fields = NeedFields(**body.model_dump())
        stored = needs.add_need(session, actor, fields, person_area=context.person_area)
        document = NeedRead.model_validate(stored).model_dump(mode="json")
        once.remember(201, document)
        return document

    return JSONResponse(await in_one_thread(post.sessions, submit), status_code=201)


# Added here, between the list and the /{need_id} routes, as the decorator would add it.
router.add_api_route(
    "",
    create_need,
    methods=["POST"],
    response_model=NeedRead,
    status_code=201,
    route_class_override=SignedInPostRoute,
)


@router.get("/{need_id}", response_model=NeedRead)
def read_need(need_id: PathId, session: SessionDep, actor: ActorDep) -> NeedRead:
    """One need."""
    return NeedRead.model_validate(needs.get_need(session, actor, need_id))


@router.patch("/{need_id}", response_model=NeedRead)
def update_need(
    need_id: PathId, body: NeedUpdate, session: SessionDep, actor: ActorDep
) -> NeedRead:
    """Change some of a need's fields (pause it, move its window...)."""
    need = needs.update_need(session, actor, need_id, body.model_dump(exclude_unset=True))
    return NeedRead.model_validate(need)


@router.delete("/{need_id}", status_code=204, response_class=Response)
def delete_need(need_id: PathId, session: SessionDep, actor: ActorDep) -> None:
    """Remove a need (refused while another need is linked after it)."""
    needs.delete_need(session, actor, need_id)
