"""ADAPTER, to move into data/: the sign-in, token and idempotency queries the API needs.

The shared design puts every query in data/, but lists no service for users, tokens or
idempotency keys. Until data/ has them (asked for in the API report: `data/services/users.py`
and `data/services/idempotency.py` with these signatures), they live here, and only here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data.models import ApiToken, IdempotencyKey, User, UserArea
from data.services.access import Actor


def user_by_username(session: Session, username: str) -> User | None:
    """The user signing in as `username`, if there is one."""
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def add_token(session: Session, user: User, digest: str, expires_at: datetime) -> None:
    """Store a bearer token's digest for `user`."""
    session.add(ApiToken(user_id=user.id, token_hash=digest, expires_at=expires_at))
    session.flush()


def forget_expired_tokens(session: Session, user: User, now: datetime) -> None:
    """Drop `user`'s tokens that have expired, so the table does not grow without end."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at <= now))


def actor_for_token(session: Session, digest: str, now: datetime) -> Actor | None:
    """The actor signed in with a live token of this digest (None: unknown, expired, inactive)."""
    user = session.scalars(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest, ApiToken.expires_at > now, User.active.is_(True))
    ).one_or_none()
    if user is None:
        return None
    areas = session.scalars(select(UserArea.area_id).where(UserArea.user_id == user.id)).all()
    return Actor(user.id, user.role, frozenset(areas), user.carer_id)


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
    body: dict[str, object],
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
