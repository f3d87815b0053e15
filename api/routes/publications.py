"""Publishing a night again on demand, the night's versions with what each one changed, and
what the evening's scheduled runs did (cut-off, publication, failure and the version kept)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Request

from api.deps import ActorDep, SessionDep, SettingsDep
from api.idempotency import IdempotencyDep
from api.routes.responses import ERRORS
from api.schemas.common import PathId
from api.schemas.nights import PlanSummaryRead, UnassignedRead
from api.schemas.publications import (
    EveningRunRead,
    PublicationChangesRead,
    PublicationCreated,
    PublicationRead,
    PublishRequest,
)
from data.models import StoredPlan
from data.services import plans
from data.services.access import require_area
from data.services.notifications import notify_committed_publication
from data.services.publication import (
    REPUBLISHED,
    evening_runs,
    prepare_night,
    publication_changes,
    solve_prepared,
    write_publication,
)

router = APIRouter(tags=["publications"], responses=ERRORS)


@router.post(
    "/areas/{area_id}/nights/{night}/publish", response_model=PublicationCreated, status_code=201
)
def publish_night_again(
    area_id: PathId,
    night: date,
    session: SessionDep,
    actor: ActorDep,
    once: IdempotencyDep,
    settings: SettingsDep,
    request: Request,
    background: BackgroundTasks,
    body: Annotated[PublishRequest | None, Body()] = None,
) -> PublicationCreated:
    """Solve the night again and publish it as the next version (the published one becomes
    superseded); answers the new version's figures, unassigned calls and per-crew changes.
    Carers and the webhook are told after the commit, once the answer has gone."""
    seconds = (body or PublishRequest()).seconds
    require_area(actor, area_id, f"area {area_id}")
    prepared = prepare_night(session, area_id, night)
    # End the reading transaction before searching: on SQLite every transaction holds the
    # write lock from BEGIN, and other requests must not wait seconds for the solver.
    session.commit()
    plan = solve_prepared(prepared, seconds)
    result = write_publication(session, prepared, plan, trigger=REPUBLISHED, actor=actor)
    stored = session.get(StoredPlan, result.plan_id)
    assert stored is not None  # write_publication has just flushed it
    created = PublicationCreated(
        **PlanSummaryRead.model_validate(stored).model_dump(),
        changes=PublicationChangesRead.model_validate(result.changes),
        unassigned=[
            UnassignedRead(call=u["call"], reason=u["reason"])
            for u in stored.plan.get("unassigned", [])
        ],
    )
    once.remember(201, created)
    # Background tasks run after the response, so after the session's commit (and not at all
    # if it failed); notifying never raises.
    background.add_task(
        notify_committed_publication, request.app.state.read_sessions, settings, result
    )
    return created


@router.get("/areas/{area_id}/nights/{night}/publications", response_model=list[PublicationRead])
def list_night_publications(
    area_id: PathId, night: date, session: SessionDep, actor: ActorDep
) -> list[PublicationRead]:
    """Every stored version of the night, newest first, with what each publication changed."""
    found = plans.list_plans(session, actor, area_id, night)
    versions = []
    for stored in found:
        changes = publication_changes(session, stored.id)
        versions.append(
            PublicationRead(
                **PlanSummaryRead.model_validate(stored).model_dump(),
                changes=(
                    PublicationChangesRead.model_validate(changes) if changes is not None else None
                ),
            )
        )
    return versions


@router.get("/areas/{area_id}/nights/{night}/runs", response_model=list[EveningRunRead])
def list_evening_runs(
    area_id: PathId, night: date, session: SessionDep, actor: ActorDep
) -> list[EveningRunRead]:
    """What the evening did for the night, oldest first: the cut-off, each scheduled
    publication, and each failed one with its reason and the version that stayed published."""
    return [
        EveningRunRead.model_validate(run) for run in evening_runs(session, actor, area_id, night)
    ]
