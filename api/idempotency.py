"""`Idempotency-Key` on POSTs: a retry replays the first response and creates nothing twice.

The key is scoped to the signed-in user. The first successful response is stored in the same
transaction as what the request created, so either both are saved or neither is. A retry with
the same key and the same request gets the stored response back (with `Idempotent-Replayed:
true`); the same key with a different request is refused with 409. Two identical requests
racing each other: the second to commit breaks the unique (user, key) constraint, is rolled
back, and answers 409.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from api.deps import ActorDep, BearerToken, SessionDep, bearer_token_present
from api.security import token_digest
from data.database import SessionOrConnection
from data.errors import Conflict, Unauthorized
from data.services.access import Actor
from data.services.idempotency import StoredResponse, store_response, stored_response

REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255


class Replay(Exception):
    """Raised instead of running a route again: answer with the stored response."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(f"replay of a stored {status_code} response")
        self.status_code = status_code
        self.body = body


async def request_digest(request: Request) -> str:
    """A sha256 of the method, path and body (JSON bodies compared by content, not spacing)."""
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


class Idempotency:
    """One POST's idempotency: nothing to do without a key, else remember the response."""

    def __init__(
        self,
        session: SessionOrConnection,
        user_id: int,
        key: str | None,
        method_path: str,
        request_hash: str,
    ) -> None:
        self.session = session
        self.user_id = user_id
        self.key = key
        self.method_path = method_path
        self.request_hash = request_hash

    def remember(self, status_code: int, body: BaseModel | dict[str, Any]) -> None:
        """Store the response the route is about to give, when the request carried a key."""
        if self.key is None:
            return
        document = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        store_response(
            self.session,
            user_id=self.user_id,
            key=self.key,
            method_path=self.method_path,
            request_hash=self.request_hash,
            status_code=status_code,
            body=document,
        )


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=KEY_MAX_LENGTH,
        description="any unique string; a retry with the same key creates nothing twice",
    ),
]


@dataclass(frozen=True)
class IdempotentRequest:
    """What a POST's idempotency needs from the request itself, read without the database."""

    key: str | None
    method_path: str
    request_hash: str

    def check(self, session: Session, actor: Actor) -> Idempotency:
        """Replay a stored response for a repeated key, refuse a reused one, or let the route
        run (returning what remembers its response)."""
        earlier = None if self.key is None else stored_response(session, _user_of(actor), self.key)
        return self.answer(session, actor, earlier)

    def answer(
        self, session: SessionOrConnection, actor: Actor, earlier: StoredResponse | None
    ) -> Idempotency:
        """`check` with the actor's response stored under the key already read (`earlier`)."""
        user_id = _user_of(actor)
        if earlier is not None:
            if earlier.request_hash != self.request_hash:
                raise Conflict(
                    "this Idempotency-Key was already used for a different request; "
                    "use a new key for a new request",
                    field="Idempotency-Key",
                )
            raise Replay(earlier.status_code, earlier.body)
        return Idempotency(session, user_id, self.key, self.method_path, self.request_hash)


def _user_of(actor: Actor) -> int:
    if actor.user_id is None:  # only the system acts without a user, and never over HTTP
        raise Unauthorized("sign in first")
    return actor.user_id


@dataclass(frozen=True)
class SignedInPost:
    """What the hottest POST routes read from the request before their worker thread (see
    `api.deps.in_one_thread`): the bearer token's digest, the request's idempotency and the
    app's writing sessions. No database work yet."""

    token_digest: str
    asked: IdempotentRequest
    sessions: sessionmaker[Session]


async def signed_in_post(
    request: Request, token: BearerToken, key: IdempotencyKeyHeader = None
) -> SignedInPost:
    """The request's token (401 when missing, before the body is checked), key and digest.

    One dependency rather than one each for the token, the digest and the session: FastAPI
    spends time on every dependency of every request.
    """
    present = bearer_token_present(token)
    digest = await request_digest(request)
    asked = IdempotentRequest(key, f"{request.method} {request.url.path}", digest)
    return SignedInPost(token_digest(present), asked, request.app.state.sessions)


SignedInPostDep = Annotated[SignedInPost, Depends(signed_in_post)]


def idempotency(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    digest: Annotated[str, Depends(request_digest)],
    key: IdempotencyKeyHeader = None,
) -> Idempotency:
    """Replay a stored response for a repeated key, refuse a reused one, or let the route run."""
    asked = IdempotentRequest(key, f"{request.method} {request.url.path}", digest)
    return asked.check(session, actor)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]


async def _on_replay(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Replay)
    return JSONResponse(
        error.body, status_code=error.status_code, headers={REPLAYED_HEADER: "true"}
    )


def install_replay_handler(app: FastAPI) -> None:
    """Answer a `Replay` with the stored response."""
    app.add_exception_handler(Replay, _on_replay)
