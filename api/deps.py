"""Typed dependencies: the request's database session and the signed-in actor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.security import token_digest
from data.errors import Unauthorized
from data.services.access import Actor
from data.services.users import actor_for_token
from data.settings import Settings

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request: committed when the route returns, rolled back if it raises.

    The request owns the transaction; services only flush.
    """
    with request.app.state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is the response.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings_of_app(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_of_app)]


def current_actor(session: SessionDep, token: Annotated[str | None, Depends(_bearer)]) -> Actor:
    """The signed-in user behind the bearer token; 401 when it is missing, unknown or expired."""
    if not token:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    actor = actor_for_token(session, token_digest(token), datetime.now(UTC))
    if actor is None:
        raise Unauthorized("the token is unknown or has expired; sign in again")
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]
