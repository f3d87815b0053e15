"""Stored answers to POSTs made with an `Idempotency-Key`, so a retry creates nothing twice.

Plain statements, no ORM objects: every POST with a key reads here and writes here, and the
stored answer is only ever read back whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, insert, select
from sqlalchemy.orm import Session

from data.database import SessionOrConnection
from data.models import IdempotencyKey
from data.services.access import Actor
from data.services.users import ACTOR_OF_TOKEN, actor_of_rows


@dataclass(frozen=True)
class StoredResponse:
    """The first response to a POST made with a key, and the digest of that request."""

    request_hash: str
    status_code: int
    body: dict[str, Any]


_KEYS = cast(Table, IdempotencyKey.__table__)
_STORED_RESPONSE = select(_KEYS.c.request_hash, _KEYS.c.status_code, _KEYS.c.response_body).where(
    _KEYS.c.user_id == bindparam("user_id"), _KEYS.c.key == bindparam("key")
)
# The signed-in actor's rows, each with the response stored under the key (NULLs if none).
ACTOR_AND_STORED_RESPONSE = ACTOR_OF_TOKEN.add_columns(
    _KEYS.c.request_hash, _KEYS.c.status_code, _KEYS.c.response_body
).outerjoin(
    _KEYS,
    and_(_KEYS.c.user_id == ACTOR_OF_TOKEN.selected_columns.id, _KEYS.c.key == bindparam("key")),
)
_STORE_RESPONSE = insert(_KEYS)


def stored_response(session: Session, user_id: int, key: str) -> StoredResponse | None:
    """The response stored under `key` for this user, if any."""
    row = session.execute(_STORED_RESPONSE, {"user_id": user_id, "key": key}).one_or_none()
    return None if row is None else StoredResponse(*row)


def actor_and_earlier_of_rows(
    rows: Sequence[Row[*tuple[Any, ...]]],
) -> tuple[Actor | None, StoredResponse | None]:
    """The actor and stored response in the rows of `ACTOR_AND_STORED_RESPONSE` (or of a
    statement that adds columns to it)."""
    actor = actor_of_rows(rows)
    if actor is None or rows[0].request_hash is None:
        return actor, None
    first = rows[0]
    return actor, StoredResponse(first.request_hash, first.status_code, first.response_body)


def store_response(
    session: SessionOrConnection,
    *,
    user_id: int,
    key: str,
    method_path: str,
    request_hash: str,
    status_code: int,
    body: dict[str, Any],
) -> None:
    """Remember the response to a POST made with `key`, in the request's own transaction.

    Sent at once: a second request with the same key that committed first breaks the unique
    (user, key) constraint here.
    """
    session.execute(
        _STORE_RESPONSE,
        {
            "user_id": user_id,
            "key": key,
            "method_path": method_path,
            "request_hash": request_hash,
            "status_code": status_code,
            "response_body": body,
        },
    )
