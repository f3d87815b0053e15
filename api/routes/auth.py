"""Sign-in: `POST /auth/token` exchanges a username and password for a bearer token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import ActorDep, BearerToken, SessionDep, SettingsDep
from api.errors import domain_error_response
from api.routes.responses import ERRORS
from api.schemas.auth import ActorRead, TokenRead
from api.security import client_address, sign_in, token_digest
from data.errors import DomainError
from data.services.users import forget_token

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=ERRORS)


@router.post(
    "/token",
    response_model=TokenRead,
    responses={
        401: {"description": "wrong username or password"},
        429: {
            "description": "too many failed sign-ins, for this username or from this client "
            "address; Retry-After says when to try again"
        },
    },
)
def create_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenRead | JSONResponse:
    """Sign in with the OAuth2 password form; the token expires after the configured minutes."""
    outcome = sign_in(
        session,
        form.username,
        form.password,
        client=client_address(request),
        token_minutes=settings.token_minutes,
        now=datetime.now(UTC),
    )
    if isinstance(outcome, DomainError):
        # Returned, not raised, so the session commits what sign_in wrote (a refused attempt
        # forgotten) before answering.
        return domain_error_response(outcome)
    return TokenRead(access_token=outcome.token, expires_at=outcome.expires_at)


@router.get("/me", response_model=ActorRead)
def read_me(actor: ActorDep) -> ActorRead:
    """Who the bearer token belongs to."""
    return ActorRead(
        user_id=actor.user_id,
        role=actor.role,  # type: ignore[arg-type]
        area_ids=sorted(actor.area_ids),
        carer_id=actor.carer_id,
    )


@router.delete("/token", status_code=204, response_class=Response)
def delete_token(
    actor: ActorDep,
    session: SessionDep,
    token: BearerToken,
) -> None:
    """Sign out: the token in the request stops working at once."""
    if token:
        forget_token(session, token_digest(token))
