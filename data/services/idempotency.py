"""Stored answers to POSTs made with an `Idempotency-Key`, so a retry creates nothing twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import IdempotencyKey


def stored_response(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    """The response stored under `key` for this user, if any."""
    return session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).one_or_none()


def store_response(
    session: Session,
    *,
    user_id: int,
    key: str,
    method_path: str,
    request_hash: str,
    status_code: int,
    body: dict[str, Any],
) -> None:
    """Remember the response to a POST made with `key`, in the request's own transaction."""
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            method_path=method_path,
            request_hash=request_hash,
            status_code=status_code,
            response_body=body,
        )
    )
    session.flush()
