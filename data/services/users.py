"""Users, their roles and areas, and bearer tokens (stored as SHA-256 digests only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from argon2 import PasswordHasher
from sqlalchemy import Row, Table, bindparam, delete, exists, select
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid
from data.models import ApiToken, Area, Carer, User, UserArea
from data.services.access import CARER, COORDINATOR, ROLES, Actor
from data.services.checks import text_required
from data.services.uniqueness import flush_unique

SHORTEST_PASSWORD = 10


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    area_ids: Sequence[int] = (),
    carer_id: int | None = None,
    email: str | None = None,
) -> User:
    """Create a user with an argon2-hashed password.

    Coordinators need one or more areas; carers need their carer record; commissioners reach
    every area and take neither. `email` is where a coordinator is told of their areas'
    failed publications and unassigned calls.
    """
    name = text_required(username, "username", 120)
    if role not in ROLES:
        raise Invalid(f"must be one of {', '.join(ROLES)}", "role")
    if len(password) < SHORTEST_PASSWORD:
        raise Invalid(f"must be at least {SHORTEST_PASSWORD} characters", "password")
    if session.scalar(select(exists().where(User.username == name))):
        raise Conflict(f"a user called {name!r} already exists", "username")
    if role == COORDINATOR and not area_ids:
        raise Invalid("a coordinator needs one or more areas", "area_ids")
    if role != COORDINATOR and area_ids:
        raise Invalid(f"only coordinators have areas, not a {role}", "area_ids")
    if role == CARER:
        if carer_id is None:
            raise Invalid("a carer's sign-in needs their carer record", "carer_id")
        if session.get(Carer, carer_id) is None:
            raise Invalid(f"there is no carer {carer_id}", "carer_id")
    elif carer_id is not None:
        raise Invalid(f"only carers have a carer record, not a {role}", "carer_id")
    address = email.strip() if email else None
    if address is not None and ("@" not in address or len(address) > 254):
        raise Invalid("is not an email address", "email")
    known = set(session.scalars(select(Area.id).where(Area.id.in_(list(area_ids)))))
    missing = sorted(set(area_ids) - known)
    if missing:
        raise Invalid(f"there is no area {missing[0]}", "area_ids")
    user = User(
        username=name,
        password_hash=PasswordHasher().hash(password),
        role=role,
        carer_id=carer_id,
        email=address,
        active=True,
        failed_sign_ins=0,
    )
    flush_unique(session, user, f"a user called {name!r} already exists", "username")
    session.add_all(UserArea(user_id=user.id, area_id=a) for a in sorted(set(area_ids)))
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Give `user` a new argon2-hashed password, unlock them and end their sessions."""
    if len(password) < SHORTEST_PASSWORD:
        raise Invalid(f"must be at least {SHORTEST_PASSWORD} characters", "password")
    user.password_hash = PasswordHasher().hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.flush()


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


def forget_token(session: Session, digest: str) -> None:
    """Drop one token (signing out)."""
    session.execute(delete(ApiToken).where(ApiToken.token_hash == digest))


# Built once at import, of the tables' columns: constructing a statement costs more per
# request than its compiled form, which SQLAlchemy caches, and a statement of plain columns
# skips the ORM's result handling. One round trip per request: the user and their areas come
# back as one row per area (a single row with a NULL area for users without areas).
_USERS, _USER_AREAS = cast(Table, User.__table__), cast(Table, UserArea.__table__)
_TOKENS = cast(Table, ApiToken.__table__)
ACTOR_OF_TOKEN = (
    select(_USERS.c.id, _USERS.c.role, _USERS.c.carer_id, _USER_AREAS.c.area_id)
    .join_from(_USERS, _TOKENS, _TOKENS.c.user_id == _USERS.c.id)
    .outerjoin(_USER_AREAS, _USER_AREAS.c.user_id == _USERS.c.id)
    .where(
        _TOKENS.c.token_hash == bindparam("digest"),
        _TOKENS.c.expires_at > bindparam("now"),
        _USERS.c.active.is_(True),
    )
)


def actor_of_rows(rows: Sequence[Row[*tuple[Any, ...]]]) -> Actor | None:
    """The actor in the rows of `ACTOR_OF_TOKEN` (None when there are none)."""
    if not rows:
        return None
    first = rows[0]
    areas = frozenset(row.area_id for row in rows if row.area_id is not None)
    return Actor(first.id, first.role, areas, first.carer_id)


def actor_for_token(session: Session, digest: str, now: datetime) -> Actor | None:
    """The actor signed in with a live token of this digest (None: unknown, expired, inactive)."""
    return actor_of_rows(session.execute(ACTOR_OF_TOKEN, {"digest": digest, "now": now}).all())


def actor_for_user(session: Session, user: User) -> Actor:
    """The actor a user acts as: their id, role, coordinated areas and carer record."""
    areas = session.scalars(select(UserArea.area_id).where(UserArea.user_id == user.id)).all()
    return Actor(user.id, user.role, frozenset(areas), user.carer_id)
