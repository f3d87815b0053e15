"""Typed dependencies: the request's database session and the signed-in actor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.security import token_digest
from data.database import POOL_SIZE
from data.errors import Unauthorized
from data.services.access import Actor
from data.services.users import actor_for_token
from data.settings import Settings

# At most one pool's worth of submissions at once per process; the other routes' threads
# (anyio's, 40) share the pool's overflow with them.
DATABASE_THREADS = POOL_SIZE

bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
BearerToken = Annotated[str | None, Depends(bearer_token)]


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()  # rolls back when the commit failed


_WRITING_READ = "_nightcare_writes_on_read"
_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


def writes_on_read(endpoint: _Endpoint) -> _Endpoint:
    """Mark a GET route whose service writes (an audit event): it gets a writing session."""
    setattr(endpoint, _WRITING_READ, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one session: committed when the route returns, rolled back if it raises.

    The request owns the transaction; services only flush. GETs get a read-only session,
    which on SQLite begins without the write lock, so reads never queue behind writers
    (unless the route is marked `writes_on_read`).

    Async because opening a session does no I/O: only the commit (or the rollback) goes to a
    worker thread, which saves a thread hop per request.
    """
    state = request.app.state
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    reading = request.method in READING_METHODS and not getattr(endpoint, _WRITING_READ, False)
    session = (state.read_sessions if reading else state.sessions)()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a dropped client still gets the rollback
            await run_in_threadpool(session.close)
        raise
    if session.in_transaction():
        await run_in_threadpool(_commit_and_close, session)
    else:  # never touched the database: nothing to send
        session.close()


# scope="function": commit before the response is sent, so a failed commit is the response.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_settings_of_app(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_of_app)]


def actor_of_token(session: Session, token: str | None) -> Actor:
    """The signed-in user behind the bearer token; 401 when it is missing, unknown or expired."""
    digest = token_digest(bearer_token_present(token))
    return signed_in(actor_for_token(session, digest, datetime.now(UTC)))


def signed_in(actor: Actor | None) -> Actor:
    """The actor a token was found for; 401 when none was (the token is unknown or expired)."""
    if actor is None:
        raise Unauthorized("the token is unknown or has expired; sign in again")
    return actor


def current_actor(
    session: SessionDep, token: Annotated[str | None, Depends(bearer_token)]
) -> Actor:
    """The signed-in user behind the bearer token; 401 when it is missing, unknown or expired."""
    return actor_of_token(session, token)


ActorDep = Annotated[Actor, Depends(current_actor)]


def bearer_token_present(token: str | None) -> str:
    """The bearer token; 401 when the request has none."""
    if not token:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    return token


_Result = TypeVar("_Result")


async def in_one_thread(
    sessions: sessionmaker[Session], work: Callable[[Connection], _Result]
) -> _Result:
    """Run a route's database work in a transaction of its own, and commit it, in one worker
    thread, on a Core connection of the sessions' engine.

    For the hottest async routes: each sync dependency and the sync route itself costs a
    thread hand-off (and GIL hand-overs) of its own, and the `SessionDep` generator costs
    its own bookkeeping; here the token lookup, the checks, the inserts and the commit share
    one hand-off, and no Session (its transaction object, snapshot and identity map: 10 % of
    a submission's instructions) is built for statements that need none. The request still
    owns the transaction: committed when `work` returns, rolled back when `work` or the
    commit raises. When the sessions are bound to a connection (tests run the app inside a
    transaction they roll back) the work gets a savepoint there, as those sessions would.

    The hand-off is the event loop's own `run_in_executor` on threads of this module, not
    anyio's `to_thread` (its capacity limiter, queue and condition): counted in the serving
    process (`bench/api_instructions.py`) that took a submission from 3.03 M to 2.79 M
    instructions. A cancelled request still waits for its thread, as with anyio.
    """
    bind = sessions.kw["bind"]

    def work_and_commit() -> _Result:
        if isinstance(bind, Connection):
            with bind.begin_nested():
                return work(bind)
        with bind.begin() as connection:
            return work(connection)

    future = asyncio.get_running_loop().run_in_executor(_database_threads(), work_and_commit)
    # As anyio's hand-off does: a cancelled request still waits for its thread's commit or
    # rollback, so the connection is back in the pool before the request is let go.
    with anyio.CancelScope(shield=True):
        done = await future
    return done


@cache
def _database_threads() -> ThreadPoolExecutor:
    """The process's threads for `in_one_thread` (started on first use, after any fork)."""
    return ThreadPoolExecutor(max_workers=DATABASE_THREADS, thread_name_prefix="nightcare-db")
