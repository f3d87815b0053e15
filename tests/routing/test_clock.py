"""The local times a clock change skips, as the problem reader explains them."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from routing.clock import skipped_times


@pytest.mark.parametrize(
    ("zone", "day", "clock", "skipped"),
    [
        ("Europe/London", date(2027, 3, 28), time(1, 30), (time(1, 0), time(2, 0))),
        ("Europe/London", date(2027, 3, 28), time(1, 0), (time(1, 0), time(2, 0))),
        ("Europe/London", date(2027, 3, 28), time(2, 0), None),
        ("Europe/London", date(2027, 10, 31), time(1, 30), None),
        ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 10), (time(2, 0), time(2, 30))),
    ],
    ids=["London 01:30", "London 01:00", "London 02:00", "October's repeat", "half an hour"],
)
def test_the_skipped_times_are_the_first_skipped_and_the_first_after_them(
    zone: str, day: date, clock: time, skipped: tuple[time, time] | None
) -> None:
    """London skips 01:00-01:59 on 28 March 2027 (02:00 happens); October repeats an hour
    and skips none; Lord Howe Island goes forward half an hour, 02:00 to 02:30."""
    assert skipped_times(day, clock, ZoneInfo(zone)) == skipped
