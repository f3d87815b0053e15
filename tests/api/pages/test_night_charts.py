"""Night charts: bar heights follow the figures, gaps stay, the descriptions say the totals."""

from __future__ import annotations

from datetime import date

import pytest

from api.pages.night_charts import (
    HEIGHT,
    calls_chart,
    hours_text,
    nice_top,
    shift_use_chart,
    time_chart,
)
from data.services.area_statistics import AreaStatistics, CrewShiftUse, NightFigures

FIRST = date(2026, 3, 1)
BOTTOM = HEIGHT - 40
PLOT = HEIGHT - 40 - 12


def _three_nights() -> AreaStatistics:
    """1 March: 8 calls, 6 planned; 2 March: no plan; 3 March: 10 calls, all planned."""
    nights = (
        NightFigures(
            night=FIRST,
            plan_version=1,
            calls=8,
            planned=6,
            unassigned=2,
            drive_minutes=90.0,
            care_minutes=270.0,
            crews=(CrewShiftUse("c1", 270.0, 540.0), CrewShiftUse("c2", 0.0, 540.0)),
        ),
        NightFigures(night=date(2026, 3, 2)),
        NightFigures(
            night=date(2026, 3, 3),
            plan_version=2,
            calls=10,
            planned=10,
            unassigned=0,
            drive_minutes=60.0,
            care_minutes=300.0,
            crews=(CrewShiftUse("c1", 432.0, 540.0),),
        ),
    )
    return AreaStatistics(7, "West", FIRST, date(2026, 3, 3), nights)


@pytest.mark.parametrize(
    ("largest", "top", "step"),
    [(0, 1, 1), (3, 3, 1), (10, 10, 2), (12, 15, 5), (37, 40, 10), (0.4, 0.4, 0.1)],
)
def test_the_value_axis_rounds_up_to_a_nice_number(largest: float, top: float, step: float) -> None:
    """Steps of 1, 2 or 5 times a power of ten, at most five of them."""
    assert nice_top(largest) == pytest.approx((top, step))


def test_calls_stack_unassigned_on_planned_and_leave_a_gap_for_no_plan() -> None:
    """The axis tops at 10 calls: 6 planned is 60% of the plot's height, 2 unassigned 20%."""
    chart = calls_chart(_three_nights())
    first, gap, third = chart.columns
    planned, unassigned = first.segments
    assert (planned.series.key, planned.text) == ("planned", "6 planned")
    assert planned.height == pytest.approx(PLOT * 0.6, abs=0.01)
    assert planned.y == pytest.approx(BOTTOM - PLOT * 0.6, abs=0.01)
    assert unassigned.height == pytest.approx(PLOT * 0.2, abs=0.01)
    assert unassigned.y == pytest.approx(BOTTOM - PLOT * 0.8, abs=0.01)
    assert (gap.segments, gap.note) == ((), "no published plan")
    assert [s.series.key for s in third.segments] == ["planned"]
    assert [t.text for t in chart.ticks] == ["0", "2", "4", "6", "8", "10"]
    assert "In all 18 calls, 16 planned and 2 unassigned." in chart.description
    assert "2 on Sun 1 March 2026" in chart.description
    assert [c.label for c in chart.columns] == ["1 Mar", None, "3 Mar"]


def test_time_puts_driving_on_care_in_hours() -> None:
    """1 March: 4.5 h care and 1.5 h driving on an axis of 6 h."""
    chart = time_chart(_three_nights())
    care, drive = chart.columns[0].segments
    assert (care.text, drive.text) == ("4 h 30 min care", "1 h 30 min driving")
    assert care.height + drive.height == pytest.approx(PLOT, abs=0.01)
    assert "9 h 30 min of care and 2 h 30 min of driving" in chart.description
    assert "Driving is 21%" in chart.description


def test_shift_use_is_a_percentage_of_the_whole_height() -> None:
    """Crews at 50% and 0% average 25%; a crew at 80% is 80% of the plot."""
    chart = shift_use_chart(_three_nights())
    assert chart.columns[0].segments[0].height == pytest.approx(PLOT * 0.25, abs=0.01)
    assert chart.columns[2].segments[0].height == pytest.approx(PLOT * 0.8, abs=0.01)
    assert [t.text for t in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert "Over the period 52%" in chart.description
    assert "Lowest 25% on Sun 1 March 2026, highest 80% on Tue 3 March 2026" in chart.description


def test_minutes_read_as_hours_and_minutes() -> None:
    """Under an hour in minutes; over it in hours and two-digit minutes."""
    assert [hours_text(m) for m in (0, 45, 60, 125.4)] == [
        "0 min",
        "45 min",
        "1 h 00 min",
        "2 h 05 min",
    ]
