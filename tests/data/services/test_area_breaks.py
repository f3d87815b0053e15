"""Area break settings: all three fields or none, inside the shift, and on every crew's night."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from data.errors import Invalid
from data.services.access import SYSTEM
from data.services.areas import create_area, update_area
from data.services.nights import build_night
from data.services.rota import set_rota_crew
from tests.data.factories import a_carer, an_area, area_fields

TUESDAY = date(2026, 3, 3)
HALF_HOUR: dict[str, Any] = {
    "break_minutes": 30,
    "break_earliest": "01:00",
    "break_latest": "04:00",
}


def test_an_area_keeps_its_break(db_session: Session) -> None:
    """The three fields are stored as given."""
    area = an_area(db_session, **HALF_HOUR)
    assert (area.break_minutes, area.break_earliest, area.break_latest) == (30, "01:00", "04:00")


def test_an_area_without_a_break_has_none(db_session: Session) -> None:
    """No break fields, no break."""
    area = an_area(db_session)
    assert (area.break_minutes, area.break_earliest, area.break_latest) == (None, None, None)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"break_minutes": 30, "break_earliest": "01:00"}, "break_latest", "together"),
        ({"break_earliest": "01:00", "break_latest": "04:00"}, "break_minutes", "together"),
        ({**HALF_HOUR, "break_minutes": 0}, "break_minutes", "from 1 to 180"),
        ({**HALF_HOUR, "break_minutes": 181}, "break_minutes", "from 1 to 180"),
        ({**HALF_HOUR, "break_earliest": "21:00"}, "break_earliest", "outside the area's night"),
        ({**HALF_HOUR, "break_latest": "07:30"}, "break_latest", "outside the area's night"),
        ({**HALF_HOUR, "break_latest": "1:00"}, "break_latest", "not a clock time"),
        ({**HALF_HOUR, "break_latest": "00:30"}, "break_latest", "before its earliest"),
        ({**HALF_HOUR, "break_latest": "06:45"}, "break_latest", "run past the end"),
    ],
)
def test_a_break_outside_the_shift_or_half_given_is_refused_naming_the_field(
    db_session: Session, overrides: dict[str, Any], field: str, words: str
) -> None:
    """Each bad break is a 422 on the field at fault, with the reason."""
    with pytest.raises(Invalid, match=words) as refused:
        create_area(db_session, SYSTEM, area_fields(**overrides))
    assert refused.value.field == field


def test_a_shorter_shift_that_would_cut_the_break_is_refused(db_session: Session) -> None:
    """The break is checked again when the shift changes."""
    area = an_area(db_session, **HALF_HOUR)
    with pytest.raises(Invalid, match="run past the end of the shift at 04:15") as refused:
        update_area(db_session, SYSTEM, area.id, {"shift_end": "04:15"})
    assert refused.value.field == "break_latest"


def test_a_break_is_removed_by_clearing_all_three_fields(db_session: Session) -> None:
    """Nulls for all three take the break away; one null alone is refused."""
    area = an_area(db_session, **HALF_HOUR)
    with pytest.raises(Invalid) as refused:
        update_area(db_session, SYSTEM, area.id, {"break_minutes": None})
    assert refused.value.field == "break_minutes"
    cleared = {"break_minutes": None, "break_earliest": None, "break_latest": None}
    update_area(db_session, SYSTEM, area.id, cleared)
    assert area.break_minutes is None


def test_every_crew_of_an_area_with_a_break_takes_it(db_session: Session) -> None:
    """The night problem gives each crew the area's break; the solver's night holds it."""
    area = an_area(db_session, **HALF_HOUR)
    for number, names in ((1, ("Anne", "Beth")), (2, ("Cath", "Dora"))):
        first, second = (a_carer(db_session, area=area, name=n) for n in names)
        set_rota_crew(
            db_session,
            SYSTEM,
            area.id,
            weekday=TUESDAY.weekday(),
            crew_number=number,
            carer_a_id=first.id,
            carer_b_id=second.id,
        )
    build = build_night(db_session, area.id, TUESDAY)
    breaks = [crew.get("break") for crew in build.problem["crews"]]
    assert breaks == [{"minutes": 30, "earliest": "01:00", "latest": "04:00"}] * 2
    for crew in build.routing_night.crews:
        assert crew.rest_break is not None
        assert crew.rest_break.duration == 30 * 60
        # 01:00 is three hours after the 22:00 start, 04:00 six.
        assert (crew.rest_break.earliest, crew.rest_break.latest) == (3 * 3600, 6 * 3600)


def test_crews_of_an_area_without_a_break_have_none_in_the_problem(db_session: Session) -> None:
    """No break key at all (the spec's "no break"), not an empty one."""
    area = an_area(db_session)
    first, second = (a_carer(db_session, area=area, name=n) for n in ("Anne", "Beth"))
    set_rota_crew(
        db_session,
        SYSTEM,
        area.id,
        weekday=TUESDAY.weekday(),
        crew_number=1,
        carer_a_id=first.id,
        carer_b_id=second.id,
    )
    (crew,) = build_night(db_session, area.id, TUESDAY).problem["crews"]
    assert "break" not in crew
