"""Carers' phones are checked as people's and areas' are: dialable, spaces tidied, the field
named when refused, and nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from data.errors import Invalid
from data.services.access import SYSTEM
from data.services.carers import update_carer
from tests.data.factories import a_carer, an_area


def test_a_carers_phone_is_kept_with_its_spaces_tidied(db_session: Session) -> None:
    """The number is stored as dialled, runs of spaces made one; an empty one is none."""
    area = an_area(db_session)
    assert a_carer(db_session, area=area, phone="  07700   900123 ").phone == "07700 900123"
    assert a_carer(db_session, area=area, name="Beth", phone="+44 7700 900124").phone == (
        "+44 7700 900124"
    )
    assert a_carer(db_session, area=area, name="Cara", phone="   ").phone is None


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("ring Anne", "not 'r'"),
        ("0161 49", "this one has 6"),
        ("07700 +900123", "a + may only start"),
    ],
)
def test_a_carers_phone_that_cannot_be_dialled_is_refused_naming_phone(
    db_session: Session, phone: str, words: str
) -> None:
    """On create and on update; the stored number is left as it was."""
    area = an_area(db_session)
    with pytest.raises(Invalid) as refused:
        a_carer(db_session, area=area, phone=phone)
    assert refused.value.field == "phone" and words in refused.value.detail
    carer = a_carer(db_session, area=area, phone="07700 900123")
    with pytest.raises(Invalid) as refused:
        update_carer(db_session, SYSTEM, carer.id, {"phone": phone})
    assert refused.value.field == "phone"
    db_session.refresh(carer)
    assert carer.phone == "07700 900123"
