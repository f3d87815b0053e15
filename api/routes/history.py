"""The audit log of one record, for those who may see the record."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from api.deps import ActorDep, SessionDep
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.history import AuditEventRead
from api.schemas.pages import Page, PageDep
from data.services.history import record_history

router = APIRouter(prefix="/history", tags=["history"], responses=ERRORS)

Entity = Literal[
    "area",
    "carer",
    "person",
    "need",
    "one_off_call",
    "cancellation",
    "rota",
    "rota_change",
    "pin",
]


@router.get("/{entity}/{entity_id}", response_model=Page[AuditEventRead])
def read_history(
    entity: Entity, entity_id: PathId, session: SessionDep, actor: ActorDep, page: PageDep
) -> Page[AuditEventRead]:
    """A record's changes, oldest first (a person's include their needs' and calls')."""
    events = record_history(session, actor, entity, entity_id)
    return Page[AuditEventRead](
        items=[AuditEventRead.model_validate(e) for e in events[page.offset : page.end]],
        total=len(events),
        limit=page.limit,
        offset=page.offset,
    )
