"""A unique key taken by another transaction is a conflict, and the session carries on."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Conflict
from data.models import Area
from data.services.uniqueness import flush_unique
from tests.data.factories import an_area, area_fields


def test_a_taken_unique_key_is_a_conflict_and_the_session_stays_usable(
    db_session: Session,
) -> None:
    """A second "West" slipping past the service's check fails as Conflict; the first stays."""
    an_area(db_session, name="West")
    duplicate = Area(**asdict(area_fields(name="West", west=-2.8)))
    with pytest.raises(Conflict, match="taken") as refused:
        flush_unique(db_session, duplicate, "the name is taken", "name")
    assert refused.value.field == "name"
    assert db_session.scalars(select(Area.name)).all() == ["West"]
