"""Passwords, bearer tokens and the limits on failed sign-ins (per username, per client).

Passwords are hashed with argon2 (argon2-cffi). A bearer token is 32 random bytes shown to the
user once; only its sha256 is stored, so a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy.orm import Session

from data.errors import DomainError, TooManyAttempts, Unauthorized
from data.services.sign_in_limits import (
    clear_user_attempts,
    client_blocked_until,
    forget_client_attempt,
    reserve_client_attempt,
    reserve_unknown_username_attempt,
    reserve_user_attempt,
    unknown_username_locked_until,
    user_locked_until,
)
from data.services.users import add_token, forget_expired_tokens, user_by_username

FAILED_SIGN_INS_ALLOWED = 5
LOCK_OUT = timedelta(minutes=15)
# Per client address: enough for a few people behind one office router mistyping, far too few
# to try usernames in bulk.
CLIENT_FAILURES_ALLOWED = 20
CLIENT_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()


@cache
def _unknown_user_hash() -> str:
    """Verified against when the username is unknown, so a wrong username costs as long as a
    wrong password and response times do not tell which usernames exist."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2 hash of `password`, with its own random salt."""
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from (None: no such user)."""
    try:
        return _hasher.verify(password_hash or _unknown_user_hash(), password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """The sha256 hex digest under which a bearer token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token: the secret for the user, and what is stored about it."""

    token: str
    digest: str
    expires_at: datetime


def issue_token(minutes: int, now: datetime | None = None) -> IssuedToken:
    """A fresh random bearer token valid for `minutes` from `now` (default: the current time)."""
    token = secrets.token_urlsafe(32)
    start = now or datetime.now(UTC)
    return IssuedToken(token, token_digest(token), start + timedelta(minutes=minutes))


def client_address(request: Request) -> str:
    """The address a sign-in comes from, for the limit per client.

    Behind a reverse proxy this is the proxy's address, shared by every caller, unless uvicorn
    runs with `--proxy-headers` (and `--forwarded-allow-ips` naming the proxy).
    """
    return request.client.host if request.client is not None else "unknown"


def _too_many_attempts(locked_until: datetime, now: datetime, whose: str) -> TooManyAttempts:
    return TooManyAttempts(
        f"too many failed sign-ins{whose}: try again after {locked_until:%H:%M} UTC",
        field="username",
        # At least a second: a lock may end between the refusal and this answer.
        retry_after=max(1, math.ceil((locked_until - now).total_seconds())),
    )


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    client: str,
    token_minutes: int,
    now: datetime,
) -> IssuedToken | DomainError:
    """A new token for `username`, or the error to answer with.

    The error is returned rather than raised: what it writes (a refused attempt forgotten)
    must be saved even though the request fails, so the caller commits and then answers with it.

    After `CLIENT_FAILURES_ALLOWED` failures from the `client` address within `CLIENT_WINDOW`,
    it is refused (429) whatever the username, until the oldest of them leaves the window.
    After `FAILED_SIGN_INS_ALLOWED` failures in a row a username is locked for `LOCK_OUT`
    (429), even to the right password. An unknown username is checked against a dummy hash,
    and counted and locked in the same way (`data.services.sign_in_limits`), so neither the
    answers nor their timing tell which usernames exist.

    Each attempt is counted as a failure before the password is checked, and forgotten if it
    signs in or is refused: sign-ins sent at the same moment, to any worker, cannot all pass
    the limits before one is counted. So that the other workers see each count at once, this
    commits the session twice: after counting the address's attempt, and after counting the
    username's.
    """
    attempt = reserve_client_attempt(session, client, now, window=CLIENT_WINDOW)
    # On PostgreSQL other workers see a row only once it is committed; the address's attempts
    # are counted after this, so each attempt there finds the ones committed before it.
    session.commit()
    blocked_until = client_blocked_until(
        session, client, now, allowed=CLIENT_FAILURES_ALLOWED, window=CLIENT_WINDOW
    )
    if blocked_until is not None:
        forget_client_attempt(session, attempt)
        return _too_many_attempts(blocked_until, now, " from this address")
    user = user_by_username(session, username)
    if user is None:
        reserved = reserve_unknown_username_attempt(
            session, username, now, allowed=FAILED_SIGN_INS_ALLOWED, lock_out=LOCK_OUT
        )
    else:
        reserved = reserve_user_attempt(
            session, user.id, now, allowed=FAILED_SIGN_INS_ALLOWED, lock_out=LOCK_OUT
        )
    if not reserved:
        # A locked username's attempts count against nobody: waiting is all it can do.
        forget_client_attempt(session, attempt)
        if user is None:
            locked_until = unknown_username_locked_until(session, username, now)
        else:
            locked_until = user_locked_until(session, user.id, now)
        return _too_many_attempts(locked_until or now, now, "")
    # Before the slow password check, and freeing the user's row for the next attempt.
    session.commit()
    matches = password_matches(user.password_hash if user is not None else None, password)
    if user is None or not matches or not user.active:
        return Unauthorized("wrong username or password", field="password")
    clear_user_attempts(session, user.id)
    forget_client_attempt(session, attempt)
    forget_expired_tokens(session, user, now)
    issued = issue_token(token_minutes, now)
    add_token(session, user, issued.digest, issued.expires_at)
    return issued
