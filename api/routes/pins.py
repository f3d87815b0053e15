"""Pins of a night: a coordinator holds a call to a crew or a start time; pins hold for every
later publication of the night until removed."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep
from api.idempotency import IdempotencyDep
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.pins import PinCreate, PinRead
from data.services import pins
from data.services.pins import PinFields

router = APIRouter(prefix="/areas/{area_id}/nights/{night}/pins", tags=["pins"], responses=ERRORS)


@router.get("", response_model=list[PinRead])
def list_pins(area_id: PathId, night: date, session: SessionDep, actor: ActorDep) -> list[PinRead]:
    """The night's pins, oldest first."""
    return [PinRead.model_validate(p) for p in pins.list_pins(session, actor, area_id, night)]


@router.post("", response_model=PinRead, status_code=201)
def create_pin(
    area_id: PathId,
    night: date,
    body: PinCreate,
    session: SessionDep,
    actor: ActorDep,
    once: IdempotencyDep,
) -> PinRead:
    """Pin a call of the night to a crew and/or an exact start time. 404 for a call the area
    does not have that night; 409 for a call left out of the night, a crew not out or unable to
    take it, or a call already pinned; 422 for a start outside the call's window."""
    pin = pins.create_pin(session, actor, area_id, night, PinFields(**body.model_dump()))
    read = PinRead.model_validate(pin)
    once.remember(201, read)
    return read


@router.delete("/{pin_id}", status_code=204, response_class=Response)
def delete_pin(
    area_id: PathId, night: date, pin_id: PathId, session: SessionDep, actor: ActorDep
) -> None:
    """Remove a pin: the next publication plans the call freely again."""
    pins.delete_pin(session, actor, area_id, night, pin_id)
