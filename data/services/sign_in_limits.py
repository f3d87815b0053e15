"""The counts of failed sign-ins: a known user's (on `User`), an unknown username's, and a
client address's.

All live in the database because the service runs as several worker processes. Each attempt
is counted before its password is checked ("reserve, then verify") in one statement that reads
the count in the database, and is forgotten again if it signs in: attempts sent at the same
moment cannot each pass the limit before any of them is counted. Each count first drops the
rows that can no longer matter, so neither table grows without end.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.models import ClientSignInFailure, UnknownUsernameLock, User

# A partial count of failed sign-ins, of an unknown username or a known user alike, is
# forgotten a day after its last failure, so that spreading the tries out tells nothing either.
FORGET_FAILED_SIGN_INS_AFTER = timedelta(days=1)
_LONGEST_CLIENT_ADDRESS = 64


def username_digest(username: str) -> str:
    """The sha256 hex digest under which an unknown username's failures are kept."""
    return hashlib.sha256(username.encode("utf-8")).hexdigest()


def unknown_username_locked_until(
    session: Session, username: str, now: datetime
) -> datetime | None:
    """Until when the unknown `username` is locked, or None when it is not locked at `now`."""
    locked_until = session.scalar(
        select(UnknownUsernameLock.locked_until).where(
            UnknownUsernameLock.username_digest == username_digest(username)
        )
    )
    return locked_until if locked_until is not None and locked_until > now else None


def reserve_unknown_username_attempt(
    session: Session, username: str, now: datetime, *, allowed: int, lock_out: timedelta
) -> bool:
    """Count an attempt to sign in as the unknown `username` before its password is checked,
    exactly as a known user's is counted: the `allowed`-th in a row starts the count again and
    locks it for `lock_out`. False, counting nothing, when it is locked at `now`.

    One statement (insert, or update on conflict unless locked), so workers counting the same
    username at once neither lose an attempt nor clash on the key.
    """
    session.execute(
        delete(UnknownUsernameLock).where(
            UnknownUsernameLock.last_failed_at <= now - FORGET_FAILED_SIGN_INS_AFTER
        )
    )
    table = cast(Table, UnknownUsernameLock.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    first = insert(table).values(
        username_digest=username_digest(username),
        failed_sign_ins=1 if allowed > 1 else 0,
        locked_until=now + lock_out if allowed <= 1 else None,
        last_failed_at=now,
    )
    counted = table.c.failed_sign_ins + 1
    # Typed as the column, so SQLite stores the instant in UTC like every other one.
    lock_ends = literal(now + lock_out, type_=table.c.locked_until.type)
    reserved = session.execute(
        first.on_conflict_do_update(
            index_elements=[table.c.username_digest],
            set_={
                "failed_sign_ins": case((counted >= allowed, 0), else_=counted),
                "locked_until": case((counted >= allowed, lock_ends), else_=table.c.locked_until),
                "last_failed_at": now,
            },
            where=or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        ).returning(table.c.username_digest)
    ).first()
    return reserved is not None


def user_locked_until(session: Session, user_id: int, now: datetime) -> datetime | None:
    """Until when the user is locked, or None when they are not locked at `now`."""
    locked_until = session.scalar(select(User.locked_until).where(User.id == user_id))
    return locked_until if locked_until is not None and locked_until > now else None


def reserve_user_attempt(
    session: Session, user_id: int, now: datetime, *, allowed: int, lock_out: timedelta
) -> bool:
    """Count an attempt to sign in as the user before the password is checked: the
    `allowed`-th in a row starts the count again and locks them for `lock_out`, and a count
    whose last attempt is a day old starts again. False, counting nothing, when they are
    locked at `now`.

    One UPDATE reading the count in the database, so workers counting the same user at once
    each add their own attempt (a count read into Python and written back lost some).
    """
    table = cast(Table, User.__table__)
    # Forgotten after a quiet day, as an unknown username's count is: otherwise four tries,
    # a day's wait and two more would lock a known username and not another.
    counted = (
        case(
            (table.c.last_failed_sign_in_at <= now - FORGET_FAILED_SIGN_INS_AFTER, 0),
            else_=table.c.failed_sign_ins,
        )
        + 1
    )
    lock_ends = literal(now + lock_out, type_=table.c.locked_until.type)
    reserved = session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(
            failed_sign_ins=case((counted >= allowed, 0), else_=counted),
            locked_until=case((counted >= allowed, lock_ends), else_=table.c.locked_until),
            last_failed_sign_in_at=now,
        )
        .returning(User.id)
        .execution_options(synchronize_session="fetch")
    ).first()
    return reserved is not None


def clear_user_attempts(session: Session, user_id: int) -> None:
    """Forget the user's attempts in a row and end their lock: they signed in."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_sign_ins=0, locked_until=None)
        .execution_options(synchronize_session="fetch")
    )


def client_address_key(address: str) -> str:
    """The address as stored: cut to the column's length (an IPv6 address is at most 45)."""
    return address[:_LONGEST_CLIENT_ADDRESS]


def reserve_client_attempt(
    session: Session, address: str, now: datetime, *, window: timedelta
) -> int:
    """Count an attempt to sign in from `address` before its password is checked, dropping
    every address's attempts older than `window` (they no longer count against anyone); the
    id to forget it by (`forget_client_attempt`) if it turns out not to be a failure."""
    session.execute(
        delete(ClientSignInFailure).where(ClientSignInFailure.failed_at <= now - window)
    )
    attempt = ClientSignInFailure(client_address=client_address_key(address), failed_at=now)
    session.add(attempt)
    session.flush()
    return attempt.id


def client_blocked_until(
    session: Session, address: str, now: datetime, *, allowed: int, window: timedelta
) -> datetime | None:
    """Until when `address` may not sign in: counting the caller's own attempt, it made more
    than `allowed` in the `window` before `now`, and is blocked until the oldest of the latest
    `allowed + 1` leaves the window. None: not blocked."""
    latest = session.scalars(
        select(ClientSignInFailure.failed_at)
        .where(
            ClientSignInFailure.client_address == client_address_key(address),
            ClientSignInFailure.failed_at > now - window,
        )
        .order_by(ClientSignInFailure.failed_at.desc())
        .limit(allowed + 1)
    ).all()
    if len(latest) <= allowed:
        return None
    return latest[-1] + window


def forget_client_attempt(session: Session, attempt_id: int) -> None:
    """Forget an attempt `reserve_client_attempt` counted: it was refused, or it signed in."""
    session.execute(delete(ClientSignInFailure).where(ClientSignInFailure.id == attempt_id))
