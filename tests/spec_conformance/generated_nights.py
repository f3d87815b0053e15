"""Seeded night problem files that reach into the corners of night-problem.md.

`generated_night(seed)` writes a "nightcare-problem/1" dict of 1-3 crews and 6-14 calls, fixed
by its seed. Across seeds the nights cover: both clock changes in three timezones (London,
Berlin, New York) and clock times in the skipped and the repeated hour, windows across
midnight, zero-width windows, breaks (some windows across midnight, some reaching a shift's
edge), after-links with tight or zero-width gaps, skills and gender asked of crews that may not
have them, capacities with demands of 0-3, crews with their own shifts and start and end
points, several calls at one place, fractional minutes, and calls nobody can serve (a skill no
carer holds, a window outside every shift, a house 300 km away).

Written for the clean-room tests, so it does not import `routing` either.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Nights whose date is the evening before a clock change, and ordinary ones.
NIGHTS: tuple[tuple[str, str], ...] = (
    ("Europe/London", "2027-10-30"),
    ("Europe/London", "2027-03-27"),
    ("Europe/London", "2027-01-14"),
    ("Europe/Berlin", "2026-10-24"),
    ("Europe/Berlin", "2026-03-28"),
    ("America/New_York", "2026-10-31"),
    ("America/New_York", "2026-03-07"),
    ("Europe/London", "2026-10-24"),
    ("Europe/London", "2026-03-28"),
    ("Europe/London", "2027-07-01"),
)
SKILLS = ("medication", "catheter", "hoist")
# A skill the generator never gives a carer.
MISSING_SKILL = "peg"
BASE = (52.70, -2.75)
# Minutes after midnight the problem's shift starts: mostly 22:00, sometimes a night that
# begins after midnight (every clock time then falls on the night's date).
SHIFT_STARTS = (22 * 60, 22 * 60, 21 * 60 + 30, 23 * 60, 20 * 60, 0)


def generated_night(seed: int) -> dict[str, Any]:
    """A night problem document fixed by `seed`; seeds 0-9 take each night of `NIGHTS` once."""
    rng = random.Random(seed)
    timezone, night = NIGHTS[seed % len(NIGHTS)]
    shift_start = rng.choice(SHIFT_STARTS)
    shift_minutes = rng.choice((9 * 60, 9 * 60, 8 * 60))
    clock = _NightClock(night, timezone, shift_start)
    base = _near(rng, BASE, 0.05)
    crews = [_crew(rng, number, clock, shift_minutes, base) for number in range(rng.randint(1, 3))]
    capacity_set = any("capacity" in crew for crew in crews)
    calls: list[dict[str, Any]] = []
    for number in range(rng.randint(6, 14)):
        calls.append(_call(rng, number, calls, clock, shift_minutes, base, capacity_set))
    return {
        "format": "nightcare-problem/1",
        "name": f"clean-room-{seed}",
        "night": night,
        "timezone": timezone,
        "shift": {"start": clock.wall(0), "end": clock.wall(shift_minutes)},
        "base": {"lat": base[0], "lon": base[1]},
        "travel": {
            "speed_kmh": rng.choice((30, 40, 48, 55)),
            "circuity": rng.choice((1.0, 1.2, 1.3, 1.45)),
            "stop_minutes": rng.choice((0, 2, 2.5, 3, 1.7)),
        },
        "crews": crews,
        "calls": calls,
    }


class _NightClock:
    """Wall-clock minutes from the night's start as `HH:MM`, and the instants they mean."""

    def __init__(self, night: str, timezone: str, start_minute: int) -> None:
        self.night = date.fromisoformat(night)
        self.zone = ZoneInfo(timezone)
        self.start_minute = start_minute

    def wall(self, offset: int) -> str:
        """The clock time `offset` wall-clock minutes after the night's start."""
        minute = (self.start_minute + offset) % (24 * 60)
        return f"{minute // 60:02d}:{minute % 60:02d}"

    def instant(self, clock: str) -> datetime:
        """What the spec makes of a clock time of this night, in UTC."""
        wall = time.fromisoformat(clock)
        begins = time(self.start_minute // 60, self.start_minute % 60)
        day = self.night if wall >= begins else self.night + timedelta(days=1)
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC)

    def window(self, earliest: int, latest: int) -> tuple[str, str]:
        """A window of wall-clock offsets; a latest that a skipped hour puts before the
        earliest is moved onto the earliest (a window ending before it starts is refused)."""
        first, last = self.wall(earliest), self.wall(latest)
        if self.instant(last) < self.instant(first):
            last = first
        return first, last


def _near(rng: random.Random, point: tuple[float, float], spread: float) -> tuple[float, float]:
    return (
        round(point[0] + rng.uniform(-spread, spread), 5),
        round(point[1] + rng.uniform(-spread, spread) * 1.6, 5),
    )


def _crew(
    rng: random.Random,
    number: int,
    clock: _NightClock,
    shift_minutes: int,
    base: tuple[float, float],
) -> dict[str, Any]:
    genders = rng.choice(("FF", "FF", "FM", "MM"))
    crew: dict[str, Any] = {
        "id": f"car-{number + 1}",
        "carers": [
            {
                "id": f"k-{number + 1}{letter}",
                "gender": gender,
                "skills": rng.sample(SKILLS, rng.randint(0, 2)),
            }
            for letter, gender in zip("ab", genders, strict=True)
        ],
    }
    begins, ends = 0, shift_minutes
    if rng.random() < 0.3:
        begins, ends = rng.choice((0, 30, 60, 90)), shift_minutes - rng.choice((0, 0, 60, -30))
        crew["shift"] = {"start": clock.wall(begins), "end": clock.wall(ends)}
    if rng.random() < 0.3:
        start = _near(rng, base, 0.1)
        crew["start"] = {"lat": start[0], "lon": start[1]}
    if rng.random() < 0.3:
        end = _near(rng, base, 0.1)
        crew["end"] = {"lat": end[0], "lon": end[1]}
    if rng.random() < 0.65:
        minutes = rng.choice((20, 30, 45, 17.5))
        earliest = rng.randrange(begins + 30, ends - math.ceil(minutes) - 60, 15)
        # Some windows run past the shift's end: only the part that fits counts.
        latest = min(earliest + rng.choice((0, 30, 90, 180)), ends + 30)
        first, last = clock.window(earliest, latest)
        crew["break"] = {"minutes": minutes, "earliest": first, "latest": last}
    if rng.random() < 0.25:
        crew["capacity"] = rng.randint(2, 6)
    return crew


def _call(
    rng: random.Random,
    number: int,
    earlier: list[dict[str, Any]],
    clock: _NightClock,
    shift_minutes: int,
    base: tuple[float, float],
    capacity_set: bool,
) -> dict[str, Any]:
    minutes = rng.choice((10, 15, 20, 30, 45, 12.5, 7.3))
    width = rng.choice((0, 10, 30, 60, 120))
    # Chains of two or three calls: a longer chain loses all its calls when one cannot fit.
    chained = len(earlier) >= 2 and "after" in earlier[-1] and "after" in earlier[-2]
    linked = bool(earlier) and not chained and rng.random() < 0.3
    call: dict[str, Any] = {"id": f"v-{number + 1:02d}", "client": f"p-{number + 1:02d}"}
    if linked:
        before = earlier[-1]
        gap = rng.choice((30, 60, 120, 180, 45.5))
        call["client"] = before["client"]
        call["lat"], call["lon"] = before["lat"], before["lon"]
        begins = _offset_of(clock, before["earliest"]) + math.ceil(gap)
        begins += rng.choice((-10, 0, 0, 5, 40))
        width = rng.choice((0, 30, 60, 60))
        call["after"] = {
            "call": before["id"],
            "min_minutes": gap,
            "max_minutes": gap + rng.choice((0, 5, 15, 60)),
        }
    else:
        if earlier and rng.random() < 0.15:
            # Another household at the same address.
            other = earlier[rng.randrange(len(earlier))]
            call["lat"], call["lon"] = other["lat"], other["lon"]
        elif rng.random() < 0.06:
            # A client at the crews' base: no drive from a crew that leaves from there.
            call["lat"], call["lon"] = base
        else:
            call["lat"], call["lon"] = _near(rng, base, 0.12)
        begins = rng.randrange(0, shift_minutes - 75, 5)
    begins = max(0, min(begins, shift_minutes - 60))
    call["earliest"], call["latest"] = clock.window(begins, begins + width)
    call["minutes"] = minutes
    roll = rng.random()
    if roll < 0.15:
        call["priority"] = "critical"
    elif roll < 0.3:
        call["priority"] = "optional"
    if rng.random() < 0.2:
        call["skills"] = [rng.choice(SKILLS)]
    if rng.random() < 0.1:
        call["gender"] = rng.choice("FFFM")
    if capacity_set and rng.random() < 0.5:
        call["demand"] = rng.randint(0, 3)
    cannot = rng.random()
    if cannot < 0.04:
        call["skills"] = [MISSING_SKILL]
    elif cannot < 0.08:
        # The hour before the night starts falls on the next day, after every shift.
        call["earliest"], call["latest"] = clock.wall(-60), clock.wall(-45)
    elif cannot < 0.11 and not linked:
        call["lat"] = round(call["lat"] + 2.7, 5)
    return call


def _offset_of(clock: _NightClock, wall: str) -> int:
    hours, minutes = wall.split(":")
    return (int(hours) * 60 + int(minutes) - clock.start_minute) % (24 * 60)
