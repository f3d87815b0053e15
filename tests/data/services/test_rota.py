"""Rota: a crew is two different carers; a carer is in at most one crew a night."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid
from data.models import Area, Carer
from data.services.access import SYSTEM
from data.services.areas import update_area
from data.services.rota import (
    crews_on_night,
    remove_rota_change,
    set_rota_change,
    set_rota_crew,
)
from tests.data.factories import a_carer, an_area

TUESDAY = date(2026, 3, 3)


def test_a_crew_with_the_same_carer_twice_is_refused(db_session: Session) -> None:
    """Two places in the car need two carers."""
    area = an_area(db_session)
    anne = a_carer(db_session, area=area)
    with pytest.raises(Invalid, match="two different carers") as refused:
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=1,
            crew_number=1,
            carer_a_id=anne.id,
            carer_b_id=anne.id,
        )
    assert refused.value.field == "carer_b_id"


def test_a_carer_cannot_be_in_two_crews_on_the_same_weekday(db_session: Session) -> None:
    """Anne in crew 1 on Tuesdays cannot also be in crew 2 on Tuesdays (but may on Wednesdays)."""
    area = an_area(db_session)
    anne, beth, cath = (a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth", "Cath"))
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=1,
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=beth.id,
    )
    with pytest.raises(Conflict, match="crew 1 on Tuesdays") as refused:
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=1,
            crew_number=2,
            carer_a_id=cath.id,
            carer_b_id=anne.id,
        )
    assert refused.value.field == "carer_b_id"
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=2,
        crew_number=2,
        carer_a_id=cath.id,
        carer_b_id=anne.id,
    )


def test_a_nights_change_replaces_the_pattern_and_is_checked_against_it(
    db_session: Session,
) -> None:
    """Cath covers for a sick Beth; Anne cannot then be put into crew 2 the same night."""
    area = an_area(db_session)
    anne, beth, cath, dora = (
        a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth", "Cath", "Dora")
    )
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=1,
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=beth.id,
    )
    set_rota_change(
        db_session,
        SYSTEM,
        area.id,
        night=TUESDAY,
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=cath.id,
        note="Beth off sick",
    )
    crews = crews_on_night(db_session, SYSTEM, area.id, TUESDAY)
    assert [(c.crew_number, c.carer_a_id, c.carer_b_id, c.source) for c in crews] == [
        (1, anne.id, cath.id, "change"),
        (2, None, None, "none"),
    ]
    with pytest.raises(Conflict):
        set_rota_change(
            db_session,
            SYSTEM,
            area.id,
            night=TUESDAY,
            crew_number=2,
            carer_a_id=dora.id,
            carer_b_id=cath.id,
        )


def test_a_crew_is_stood_down_with_no_carers_but_not_with_one(db_session: Session) -> None:
    """Both carers empty means off; only one carer is refused."""
    area = an_area(db_session)
    anne, beth = (a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth"))
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=1,
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=beth.id,
    )
    with pytest.raises(Invalid, match="two carers"):
        set_rota_change(
            db_session,
            SYSTEM,
            area.id,
            night=TUESDAY,
            crew_number=1,
            carer_a_id=anne.id,
            carer_b_id=None,
        )
    set_rota_change(
        db_session,
        SYSTEM,
        area.id,
        night=TUESDAY,
        crew_number=1,
        carer_a_id=None,
        carer_b_id=None,
        note="car in the garage",
    )
    assert not crews_on_night(db_session, SYSTEM, area.id, TUESDAY)[0].on


def test_a_carer_of_another_area_cannot_join_a_crew(db_session: Session) -> None:
    """Crews are made of the area's own carers."""
    west = an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    anne = a_carer(db_session, area=west)
    eve = a_carer(db_session, area=east, name="Eve")
    with pytest.raises(Invalid) as refused:
        set_rota_crew(
            db_session,
            SYSTEM,
            west.id,
            weekday=0,
            crew_number=1,
            carer_a_id=anne.id,
            carer_b_id=eve.id,
        )
    assert refused.value.field == "carer_b_id"


def test_crew_numbers_stop_at_the_areas_crews_per_night(db_session: Session) -> None:
    """A two-crew area has no crew 3."""
    area = an_area(db_session)
    anne, beth = (a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth"))
    with pytest.raises(Invalid) as refused:
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=0,
            crew_number=3,
            carer_a_id=anne.id,
            carer_b_id=beth.id,
        )
    assert refused.value.field == "crew_number"


def test_a_pattern_change_cannot_double_book_a_carer_on_a_coming_changed_night(
    db_session: Session,
) -> None:
    """Cath covers crew 2 next week by a change; putting her into crew 1's weekly pattern for
    that weekday would give her two crews that night."""
    area = an_area(db_session)
    anne, beth, cath, dora = (
        a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth", "Cath", "Dora")
    )
    next_week = date.today() + timedelta(days=7)
    set_rota_change(
        db_session,
        SYSTEM,
        area.id,
        night=next_week,
        crew_number=2,
        carer_a_id=cath.id,
        carer_b_id=dora.id,
    )
    with pytest.raises(Conflict, match=next_week.isoformat()):
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=next_week.weekday(),
            crew_number=1,
            carer_a_id=anne.id,
            carer_b_id=cath.id,
        )
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=next_week.weekday(),
        crew_number=1,
        carer_a_id=anne.id,
        carer_b_id=beth.id,
    )


def stand_down_crew_2(session: Session, area_id: int) -> None:
    """Crew 2 does not go out on TUESDAY."""
    set_rota_change(
        session,
        SYSTEM,
        area_id,
        night=TUESDAY,
        crew_number=2,
        carer_a_id=None,
        carer_b_id=None,
        note="swap",
    )


def _two_tuesday_crews(session: Session) -> tuple[Area, tuple[Carer, Carer, Carer, Carer]]:
    """An area whose Tuesdays are Anne+Beth (crew 1) and Cath+Dora (crew 2)."""
    area = an_area(session)
    anne, beth, cath, dora = (
        a_carer(session, area=area, name=n) for n in ("Anne", "Beth", "Cath", "Dora")
    )
    for number, pair in ((1, (anne, beth)), (2, (cath, dora))):
        set_rota_crew(
            session,
            SYSTEM,
            area.id,
            weekday=1,
            crew_number=number,
            carer_a_id=pair[0].id,
            carer_b_id=pair[1].id,
        )
    return area, (anne, beth, cath, dora)


def test_undoing_half_of_a_swap_that_would_double_book_a_carer_is_refused(
    db_session: Session,
) -> None:
    """Tuesdays are Anne+Beth (crew 1) and Cath+Dora (crew 2). Anne and Cath swap for one
    night by changing both crews; removing crew 1's change alone would bring Anne back into
    crew 1 while she is in crew 2: a conflict naming her and crew 2, and nothing changes
    (likewise Cath, the other way). Undone as it was made (crew 2 stood down, then both
    changes removed), the pattern is back."""
    area, (anne, beth, cath, dora) = _two_tuesday_crews(db_session)
    # A swap is made as the rota allows it: crew 2 stood down, crew 1 changed, then crew 2.
    stand_down_crew_2(db_session, area.id)
    for number, pair in ((1, (cath, beth)), (2, (anne, dora))):
        set_rota_change(
            db_session,
            SYSTEM,
            area.id,
            night=TUESDAY,
            crew_number=number,
            carer_a_id=pair[0].id,
            carer_b_id=pair[1].id,
        )
    with pytest.raises(Conflict, match=rf"carer {anne.id}, who is in crew 2 on 2026-03-03"):
        remove_rota_change(db_session, SYSTEM, area.id, night=TUESDAY, crew_number=1)
    crews = crews_on_night(db_session, SYSTEM, area.id, TUESDAY)
    assert [(c.carer_a_id, c.carer_b_id) for c in crews] == [
        (cath.id, beth.id),
        (anne.id, dora.id),
    ]
    with pytest.raises(Conflict, match=rf"carer {cath.id}, who is in crew 1"):
        remove_rota_change(db_session, SYSTEM, area.id, night=TUESDAY, crew_number=2)
    stand_down_crew_2(db_session, area.id)
    remove_rota_change(db_session, SYSTEM, area.id, night=TUESDAY, crew_number=1)
    remove_rota_change(db_session, SYSTEM, area.id, night=TUESDAY, crew_number=2)
    crews = crews_on_night(db_session, SYSTEM, area.id, TUESDAY)
    assert [(c.carer_a_id, c.carer_b_id, c.source) for c in crews] == [
        (anne.id, beth.id, "pattern"),
        (cath.id, dora.id, "pattern"),
    ]


def test_more_crews_a_night_cannot_bring_back_a_carer_moved_to_another_crew(
    db_session: Session,
) -> None:
    """With crews per night cut to 1, crew 2's pattern (Cath+Dora) is out of use and Cath
    may cover crew 1 on a coming Tuesday. Going back to 2 crews would put her in both crews
    that night: refused naming her, the crews and the night; with that change gone it is
    taken."""
    area, (anne, beth, cath, dora) = _two_tuesday_crews(db_session)
    update_area(db_session, SYSTEM, area.id, {"crews_per_night": 1})
    today = date.today()
    coming_tuesday = today + timedelta(days=7 + (1 - today.weekday()) % 7)
    set_rota_change(
        db_session,
        SYSTEM,
        area.id,
        night=coming_tuesday,
        crew_number=1,
        carer_a_id=cath.id,
        carer_b_id=beth.id,
    )
    with pytest.raises(Conflict) as refused:
        update_area(db_session, SYSTEM, area.id, {"crews_per_night": 2})
    assert refused.value.field == "crews_per_night"
    assert refused.value.detail == (
        f"carer {cath.id} would be in crews 1 and 2 on {coming_tuesday.isoformat()}; "
        "change that night's rota first"
    )
    remove_rota_change(db_session, SYSTEM, area.id, night=coming_tuesday, crew_number=1)
    assert update_area(db_session, SYSTEM, area.id, {"crews_per_night": 2}).crews_per_night == 2
