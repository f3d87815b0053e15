"""Area statistics: each night's figures from its published plan, in two queries.

The stored plans are written by hand so every figure can be checked on paper. West's shift is
22:00-07:00 in Europe/London: 540 minutes on an ordinary night, 600 across the October change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from data.errors import Forbidden, Invalid, NotFound
from data.models import Area, StoredPlan
from data.services.access import CARER, Actor
from data.services.area_statistics import area_statistics, areas_statistics
from tests.data.factories import an_area, commissioner, coordinator_of

NIGHT = date(2026, 3, 3)
CLOCKS_GO_BACK = date(2026, 10, 24)


def _at(night: date, clock: str, *, next_day: bool = False, offset: str = "+00:00") -> str:
    day = night.toordinal() + (1 if next_day else 0)
    return f"{date.fromordinal(day).isoformat()}T{clock}:00{offset}"


def _problem(night: date, crews: list[dict[str, Any]], calls: int) -> dict[str, Any]:
    return {
        "night": night.isoformat(),
        "timezone": "Europe/London",
        "shift": {"start": "22:00", "end": "07:00"},
        "crews": crews,
        "calls": [{"id": f"c{i}"} for i in range(calls)],
    }


def _busy_round(night: date) -> dict[str, Any]:
    """Crew 1 of `night`: two visits (60 + 30 min of care), a 10-minute wait, a 30-minute break.

    Out 22:00-01:22 is 202 minutes; less the wait and the break, 162 minutes busy (30% of 540).
    """
    return {
        "crew": "west-car-1",
        "depart": _at(night, "22:00"),
        "return": _at(night, "01:22", next_day=True),
        "visits": [
            {
                "call": "c0",
                "arrive": _at(night, "22:20"),
                "start": _at(night, "22:30"),
                "end": _at(night, "23:30"),
            },
            {
                "call": "c1",
                "arrive": _at(night, "23:40"),
                "start": _at(night, "23:40"),
                "end": _at(night, "00:10", next_day=True),
            },
        ],
        "break": {
            "start": _at(night, "00:10", next_day=True),
            "end": _at(night, "00:40", next_day=True),
        },
    }


def _stored(
    session: Session,
    area: Area,
    night: date,
    *,
    version: int = 1,
    status: str = "published",
    problem: dict[str, Any] | None = None,
    plan: dict[str, Any] | None = None,
    travel: float = 72.0,
    unassigned: int = 1,
) -> StoredPlan:
    crews = [{"id": "west-car-1"}, {"id": "west-car-2"}]
    stored = StoredPlan(
        area_id=area.id,
        night=night,
        version=version,
        status=status,
        trigger="test",
        problem=problem if problem is not None else _problem(night, crews, calls=3),
        plan=plan
        if plan is not None
        else {
            "routes": [_busy_round(night), {"crew": "west-car-2", "visits": []}],
            "unassigned": [{"call": "c2", "reason": "every crew is busy"}],
        },
        travel_minutes=travel,
        unassigned_count=unassigned,
        solve_seconds=1.0,
    )
    session.add(stored)
    session.flush()
    return stored


def test_a_published_night_gives_its_calls_drive_care_and_shift_use(db_session: Session) -> None:
    """3 calls, 2 planned, 1 unassigned; 72 min driving, 90 min care; crews busy 30% and 0%."""
    area = an_area(db_session)
    _stored(db_session, area, NIGHT)
    stats = area_statistics(db_session, commissioner(), area.id, last_night=NIGHT, nights=1)
    (night,) = stats.nights
    assert (night.night, night.plan_version) == (NIGHT, 1)
    assert (night.calls, night.planned, night.unassigned) == (3, 2, 1)
    assert (night.drive_minutes, night.care_minutes) == (72.0, 90.0)
    assert [(c.crew_id, c.busy_minutes, c.shift_minutes) for c in night.crews] == [
        ("west-car-1", 162.0, 540.0),
        ("west-car-2", 0.0, 540.0),
    ]
    assert night.shift_use == pytest.approx(0.15)


def test_thirty_nights_cover_every_date_and_count_only_published_plans(
    db_session: Session,
) -> None:
    """Drafts, superseded versions, nights outside the period and other areas are left out;
    a night with no published plan is listed without figures."""
    west = an_area(db_session)
    east = an_area(db_session, name="East", west=-2.8)
    first = date(2026, 2, 2)
    _stored(db_session, west, first, version=1, status="superseded", travel=999.0)
    _stored(db_session, west, first, version=2, travel=10.0)
    _stored(db_session, west, date(2026, 2, 20), status="draft", travel=999.0)
    _stored(db_session, west, NIGHT, travel=20.0, unassigned=0)
    _stored(db_session, west, date(2026, 2, 1), travel=999.0)
    _stored(db_session, west, date(2026, 3, 4), travel=999.0)
    _stored(db_session, east, NIGHT, travel=999.0)
    stats = area_statistics(db_session, commissioner(), west.id, last_night=NIGHT)
    assert (stats.first_night, stats.last_night) == (first, NIGHT)
    assert len(stats.nights) == 30
    assert [n.night for n in stats.nights][:2] == [first, date(2026, 2, 3)]
    counted = [(n.night, n.plan_version, n.drive_minutes) for n in stats.counted]
    assert counted == [(first, 2, 10.0), (NIGHT, 1, 20.0)]
    assert (stats.calls, stats.planned, stats.unassigned) == (6, 4, 1)
    assert (stats.drive_minutes, stats.care_minutes) == (30.0, 180.0)
    assert stats.shift_use == pytest.approx(0.15)
    empty = next(n for n in stats.nights if n.night == date(2026, 2, 20))
    assert (empty.has_figures, empty.calls, empty.shift_use) == (False, 0, None)


def test_a_night_across_the_clock_change_has_a_ten_hour_shift(db_session: Session) -> None:
    """22:00 BST to 07:00 GMT is 600 minutes; 120 minutes out with no wait is 20% busy."""
    area = an_area(db_session)
    night = CLOCKS_GO_BACK
    round_ = {
        "crew": "west-car-1",
        "depart": _at(night, "23:00", offset="+01:00"),
        "return": _at(night, "01:00", next_day=True, offset="+01:00"),
        "visits": [
            {
                "call": "c0",
                "arrive": _at(night, "23:30", offset="+01:00"),
                "start": _at(night, "23:30", offset="+01:00"),
                "end": _at(night, "00:30", next_day=True, offset="+01:00"),
            }
        ],
    }
    _stored(
        db_session,
        area,
        night,
        problem=_problem(night, [{"id": "west-car-1"}], calls=1),
        plan={"routes": [round_], "unassigned": []},
        unassigned=0,
    )
    (figures,) = area_statistics(
        db_session, commissioner(), area.id, last_night=night, nights=1
    ).nights
    assert [(c.busy_minutes, c.shift_minutes) for c in figures.crews] == [(120.0, 600.0)]
    assert figures.shift_use == pytest.approx(0.2)
    assert figures.care_minutes == 60.0


def test_a_crew_with_its_own_shift_is_measured_against_it(db_session: Session) -> None:
    """A crew on 23:00-03:00 (240 minutes) busy 162 minutes uses 67.5% of its shift."""
    area = an_area(db_session)
    crews = [{"id": "west-car-1", "shift": {"start": "23:00", "end": "03:00"}}]
    _stored(
        db_session,
        area,
        NIGHT,
        problem=_problem(NIGHT, crews, calls=2),
        plan={"routes": [_busy_round(NIGHT)], "unassigned": []},
    )
    (figures,) = area_statistics(
        db_session, commissioner(), area.id, last_night=NIGHT, nights=1
    ).nights
    assert figures.shift_use == pytest.approx(162 / 240)


def test_an_unreadable_stored_plan_is_named_not_a_failure(db_session: Session) -> None:
    """A plan whose visit has no times is listed as unreadable and not counted."""
    area = an_area(db_session)
    broken = {"routes": [{"crew": "west-car-1", "visits": [{"call": "c0"}]}], "unassigned": []}
    _stored(db_session, area, NIGHT, plan=broken)
    stats = area_statistics(db_session, commissioner(), area.id, last_night=NIGHT, nights=1)
    (figures,) = stats.nights
    assert figures.unreadable is not None and "stored plan unreadable" in figures.unreadable
    assert stats.counted == ()
    assert stats.shift_use is None


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    connection = session.connection()

    def record(*args: Any) -> None:
        statement: str = args[2]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_every_area_and_night_is_read_in_two_statements(db_session: Session) -> None:
    """Two areas with plans on several nights: one query for the areas, one for the plans."""
    west = an_area(db_session)
    east = an_area(db_session, name="East", west=-2.8)
    for day in (1, 2, 3):
        _stored(db_session, west, date(2026, 3, day))
        _stored(db_session, east, date(2026, 3, day))
    with _statements(db_session) as seen:
        found = areas_statistics(db_session, commissioner(), [west.id, east.id], last_night=NIGHT)
    assert len(seen) == 2, seen
    assert [len(found[a.id].counted) for a in (west, east)] == [3, 3]


def test_a_coordinator_reaches_their_own_areas_statistics_only(db_session: Session) -> None:
    """Another area is not found; a carer is refused; an unknown area is not found."""
    west = an_area(db_session)
    east = an_area(db_session, name="East", west=-2.8)
    mine = area_statistics(db_session, coordinator_of(west), west.id, last_night=NIGHT)
    assert mine.area_name == "West"
    with pytest.raises(NotFound):
        area_statistics(db_session, coordinator_of(west), east.id, last_night=NIGHT)
    with pytest.raises(Forbidden):
        area_statistics(db_session, Actor(None, CARER, carer_id=1), west.id, last_night=NIGHT)
    with pytest.raises(NotFound, match="area 999999"):
        area_statistics(db_session, commissioner(), 999999, last_night=NIGHT)


@pytest.mark.parametrize("nights", [0, 367])
def test_the_number_of_nights_is_bounded(db_session: Session, nights: int) -> None:
    """From 1 to 366 nights, or Invalid naming the field."""
    area = an_area(db_session)
    with pytest.raises(Invalid) as raised:
        area_statistics(db_session, commissioner(), area.id, last_night=NIGHT, nights=nights)
    assert raised.value.field == "nights"
