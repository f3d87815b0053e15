"""The failed sign-ins kept outside `User`: those of unknown usernames, and of client addresses.

Both live in the database because the service runs as several worker processes. Each write
first drops the rows that can no longer matter, so neither table grows without end.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.models import ClientSignInFailure, UnknownUsernameLock

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


def count_unknown_username_failure(
    session: Session, username: str, now: datetime, *, allowed: int, lock_out: timedelta
) -> None:
    """Count a failed sign-in as the unknown `username`, exactly as a known user's is counted:
    the `allowed`-th failure in a row starts the count again and locks it for `lock_out`.

    One statement (insert, or update on conflict), so two workers counting the same username
    at once neither lose a failure nor clash on the key.
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
    session.execute(
        first.on_conflict_do_update(
            index_elements=[table.c.username_digest],
            set_={
                "failed_sign_ins": case((counted >= allowed, 0), else_=counted),
                "locked_until": case((counted >= allowed, lock_ends), else_=table.c.locked_until),
                "last_failed_at": now,
            },
        )
    )


def client_address_key(address: str) -> str:
    """The address as stored: cut to the column's length (an IPv6 address is at most 45)."""
    return address[:_LONGEST_CLIENT_ADDRESS]


def client_blocked_until(
    session: Session, address: str, now: datetime, *, allowed: int, window: timedelta
) -> datetime | None:
    """Until when `address` may not sign in: it failed `allowed` times in the `window` before
    `now`, and is blocked until the oldest of those leaves the window. None: not blocked."""
    latest = session.scalars(
        select(ClientSignInFailure.failed_at)
        .where(
            ClientSignInFailure.client_address == client_address_key(address),
            ClientSignInFailure.failed_at > now - window,
        )
        .order_by(ClientSignInFailure.failed_at.desc())
        .limit(allowed)
    ).all()
    if len(latest) < allowed:
        return None
    return latest[-1] + window


def count_client_failure(
    session: Session, address: str, now: datetime, *, window: timedelta
) -> None:
    """Count a failed sign-in from `address`, dropping every address's failures older than
    `window` (they no longer count against anyone)."""
    session.execute(
        delete(ClientSignInFailure).where(ClientSignInFailure.failed_at <= now - window)
    )
    session.add(ClientSignInFailure(client_address=client_address_key(address), failed_at=now))
    session.flush()
