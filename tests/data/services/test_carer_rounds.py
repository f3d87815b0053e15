"""Which crew a signed-in carer is on tonight, and tonight's current plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from data.errors import Forbidden, NotFound
from data.services.access import CARER, SYSTEM, Actor
from data.services.carer_rounds import carer_tonight
from data.services.nights import solve_night_to_draft
from data.services.rota import set_rota_change, set_rota_crew
from tests.data.factories import a_carer, a_need, a_person, an_area, coordinator_of

# 02:00 in London on Wednesday 4 March 2026: the night of Tuesday the 3rd is under way.
SMALL_HOURS = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
NIGHT = date(2026, 3, 3)


def test_a_carer_in_the_small_hours_is_on_the_night_that_began_yesterday(
    db_session: Session,
) -> None:
    """Crew 2 on Tuesdays; at 02:00 on Wednesday the night is Tuesday's, with its plan."""
    area = an_area(db_session)
    carers = [a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth", "Cara", "Dee")]
    for number, pair in ((1, carers[:2]), (2, carers[2:])):
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=NIGHT.weekday(),
            crew_number=number,
            carer_a_id=pair[0].id,
            carer_b_id=pair[1].id,
        )
    a_need(db_session, person=a_person(db_session))
    plan = solve_night_to_draft(db_session, area.id, NIGHT, SYSTEM, 0.5)
    tonight = carer_tonight(db_session, Actor(1, CARER, carer_id=carers[3].id), SMALL_HOURS)
    assert (tonight.night, tonight.crew_number, tonight.plan_id) == (NIGHT, 2, plan.id)
    assert (tonight.carer_name, tonight.area_id) == ("Dee", area.id)


def test_a_carer_off_tonight_has_no_crew_and_no_plan_yet(db_session: Session) -> None:
    """Crew 1 is stood down tonight by a rota change: its carers are on no crew."""
    area = an_area(db_session)
    anne, beth = (a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth"))
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=NIGHT.weekday(),
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=beth.id,
    )
    set_rota_change(
        db_session, SYSTEM, area.id, night=NIGHT, crew_number=1, carer_a_id=None, carer_b_id=None
    )
    tonight = carer_tonight(db_session, Actor(1, CARER, carer_id=anne.id), SMALL_HOURS)
    assert (tonight.crew_number, tonight.plan_id) == (None, None)


def test_only_a_carer_with_a_carer_record_asks(db_session: Session) -> None:
    """A coordinator is refused; a carer sign-in without its record is not found."""
    area = an_area(db_session)
    with pytest.raises(Forbidden):
        carer_tonight(db_session, coordinator_of(area), SMALL_HOURS)
    with pytest.raises(NotFound, match="no carer record"):
        carer_tonight(db_session, Actor(1, CARER, carer_id=None), SMALL_HOURS)
