"""Users: argon2 password hashes, roles with their areas or carer, tokens that expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid
from data.services.users import actor_for_token, add_token, add_user
from tests.data.factories import an_area

PASSWORD = "correct horse battery"


def test_a_password_is_stored_only_as_an_argon2_hash(db_session: Session) -> None:
    """The hash verifies the password and does not contain it."""
    user = add_user(db_session, username="cara", password=PASSWORD, role="commissioner")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2")
    assert PasswordHasher().verify(user.password_hash, PASSWORD)


def test_a_coordinator_needs_areas_and_usernames_are_unique(db_session: Session) -> None:
    """Coordinators without areas are refused; a second "cara" is a conflict."""
    area = an_area(db_session)
    with pytest.raises(Invalid) as refused:
        add_user(db_session, username="cara", password=PASSWORD, role="coordinator")
    assert refused.value.field == "area_ids"
    add_user(db_session, username="cara", password=PASSWORD, role="coordinator", area_ids=[area.id])
    with pytest.raises(Conflict):
        add_user(db_session, username="cara", password=PASSWORD, role="commissioner")


def test_short_passwords_and_unknown_roles_are_refused(db_session: Session) -> None:
    """Each names its field."""
    with pytest.raises(Invalid) as short:
        add_user(db_session, username="x", password="short", role="commissioner")
    assert short.value.field == "password"
    with pytest.raises(Invalid) as role:
        add_user(db_session, username="x", password=PASSWORD, role="admin")
    assert role.value.field == "role"


def test_a_token_signs_in_its_user_until_it_expires(db_session: Session) -> None:
    """The actor carries the coordinator's areas; after expiry the token is unknown."""
    area = an_area(db_session)
    user = add_user(
        db_session, username="cara", password=PASSWORD, role="coordinator", area_ids=[area.id]
    )
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    add_token(db_session, user, "d" * 64, now + timedelta(hours=1))
    actor = actor_for_token(db_session, "d" * 64, now)
    assert actor is not None
    assert (actor.user_id, actor.role, actor.area_ids) == (
        user.id,
        "coordinator",
        frozenset({area.id}),
    )
    assert actor_for_token(db_session, "d" * 64, now + timedelta(hours=2)) is None
    assert actor_for_token(db_session, "e" * 64, now) is None


def test_a_coordinators_email_is_stored_trimmed_and_a_bad_one_refused(db_session: Session) -> None:
    """The address where a coordinator is told of failures is kept; one without "@" is 422."""
    area = an_area(db_session)
    user = add_user(
        db_session,
        username="cora",
        password="a long password",
        role="coordinator",
        area_ids=[area.id],
        email=" cora@council.example ",
    )
    assert user.email == "cora@council.example"
    with pytest.raises(Invalid) as refused:
        add_user(
            db_session,
            username="dora",
            password="a long password",
            role="coordinator",
            area_ids=[area.id],
            email="dora at council",
        )
    assert refused.value.field == "email"
