"""People receiving care. Their access notes and key-safe code are read only through
`/people/{id}/secrets`: by the area's coordinators and the crew visiting that night, audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, SessionDep, SettingsDep, writes_on_read
from api.idempotency import IdempotencyDep
from api.routes.filters import AreaQuery
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.pages import Page, PageDep
from api.schemas.people import PersonCreate, PersonRead, PersonSecretsRead, PersonUpdate
from data.services import people
from data.services.people import PersonFields, geocoder_from_settings

router = APIRouter(prefix="/people", tags=["people"], responses=ERRORS)


@router.get("", response_model=Page[PersonRead])
def list_people(
    session: SessionDep, actor: ActorDep, page: PageDep, area_id: AreaQuery = None
) -> Page[PersonRead]:
    """People in the areas the caller reaches, by name."""
    found = people.list_people(
        session, actor, area_id=area_id, offset=page.offset, limit=page.limit
    )
    return Page[PersonRead](
        items=[PersonRead.of(person) for person in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


@router.post("", response_model=PersonRead, status_code=201)
def create_person(
    body: PersonCreate,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    once: IdempotencyDep,
) -> PersonRead:
    """Add a person; the area is found from where they live (422 on `lat` when outside all)."""
    person = people.create_person(
        session,
        actor,
        PersonFields(**body.model_dump()),
        geocoder=geocoder_from_settings(settings),
    )
    read = PersonRead.of(person)
    once.remember(201, read)
    return read


@router.get("/{person_id}", response_model=PersonRead)
def read_person(person_id: PathId, session: SessionDep, actor: ActorDep) -> PersonRead:
    """One person (without their secrets)."""
    return PersonRead.of(people.get_person(session, actor, person_id))


@router.get("/{person_id}/secrets", response_model=PersonSecretsRead)
@writes_on_read
def read_person_secrets(
    person_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    night: Annotated[date | None, Query(description="default: the night under way")] = None,
) -> PersonSecretsRead:
    """Access notes, key-safe code, phone and who answers it: the area's coordinators, and
    the crew visiting that night; every read is written to the audit log."""
    secrets = people.read_person_secrets(session, actor, person_id, night=night)
    return PersonSecretsRead(
        person_id=secrets.person_id,
        access_notes=secrets.access_notes,
        key_safe_code=secrets.key_safe_code,
        phone=secrets.phone,
        contact_name=secrets.contact_name,
    )


@router.patch("/{person_id}", response_model=PersonRead)
def update_person(
    person_id: PathId,
    body: PersonUpdate,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> PersonRead:
    """Change some of a person's fields; a move re-derives their area."""
    person = people.update_person(
        session,
        actor,
        person_id,
        body.model_dump(exclude_unset=True),
        geocoder=geocoder_from_settings(settings),
    )
    return PersonRead.of(person)


@router.delete("/{person_id}", status_code=204, response_class=Response)
def delete_person(person_id: PathId, session: SessionDep, actor: ActorDep) -> None:
    """Remove a person with their needs, one-off calls and cancellations."""
    people.delete_person(session, actor, person_id)
