"""Local clock times of a night to and from seconds after the night's start.

A clock time falls on the night's date when it is at or after the night's shift start, and on
the next day when it is earlier. Local times are read with zoneinfo's default fold, so a time
in the hour repeated in October is its first occurrence, and a time in the hour skipped in
March moves forward (01:30 becomes 02:30 BST). Seconds are true elapsed seconds, so a night
across a clock change is 8 or 10 hours long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ClockError(ValueError):
    """A date, time or timezone that cannot be read."""


def parse_clock_time(text: str) -> time:
    """Read "HH:MM" (24-hour) into a time, refusing anything else."""
    parts = text.split(":") if isinstance(text, str) else []
    # isdigit() alone takes "０７" (full-width) and other scripts' digits for 07.
    if len(parts) != 2 or not all(len(p) == 2 and p.isascii() and p.isdigit() for p in parts):
        raise ClockError(f"{text!r} is not a clock time HH:MM")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59:
        raise ClockError(f"{text!r} is not a clock time HH:MM")
    return time(hours, minutes)


def load_zone(name: str) -> ZoneInfo:
    """The IANA timezone `name`, or ClockError when there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ClockError(f"{name!r} is not a known timezone") from error


def skipped_times(day: date, clock: time, zone: ZoneInfo) -> tuple[time, time] | None:
    """The local times skipped when clocks go forward around `clock` on `day`: the first
    skipped and the first after them ((01:00, 02:00) for London in March), or None when
    `clock` happens on that day."""
    minute = timedelta(minutes=1)

    def skipped(local: datetime) -> bool:
        aware = local.replace(tzinfo=zone)
        return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local

    given = datetime.combine(day, clock)
    if not skipped(given):
        return None
    first, after = given, given + minute
    while first.time() != time(0, 0) and skipped(first - minute):
        first -= minute
    while skipped(after):
        after += minute
    return first.time(), after.time()


@dataclass(frozen=True, slots=True)
class NightClock:
    """Maps a night's seconds to instants: `origin` is the shift start as an aware UTC instant."""

    night: date
    shift_start: time
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        """The night's timezone."""
        return load_zone(self.timezone)

    @property
    def origin(self) -> datetime:
        """The night's start as an instant in UTC."""
        return self._instant_of(self.night, self.shift_start)

    def _instant_of(self, day: date, clock: time) -> datetime:
        local = datetime.combine(day, clock, tzinfo=self.zone)
        return local.astimezone(UTC)

    def seconds(self, clock: time) -> int:
        """Seconds from the night's start to the next occurrence of `clock` (same day or next)."""
        day = self.night if clock >= self.shift_start else self.night + timedelta(days=1)
        return int((self._instant_of(day, clock) - self.origin).total_seconds())

    def instant(self, seconds: int) -> datetime:
        """The local, offset-aware instant `seconds` after the night's start."""
        return (self.origin + timedelta(seconds=seconds)).astimezone(self.zone)

    def iso(self, seconds: int) -> str:
        """ISO 8601 with the local UTC offset, e.g. 2026-12-01T23:00:00+00:00."""
        return self.instant(seconds).isoformat()

    def hhmm(self, seconds: int) -> str:
        """Local wall-clock time "HH:MM"."""
        return self.instant(seconds).strftime("%H:%M")

    def seconds_at(self, instant: datetime) -> int:
        """Seconds from the night's start to an aware instant (negative when before it)."""
        if instant.tzinfo is None:
            raise ClockError(f"{instant.isoformat()} has no UTC offset")
        return int((instant - self.origin).total_seconds())

    def length(self, end: time) -> int:
        """Seconds from the night's start to `end` (e.g. a night 22:00–07:00 is 8, 9 or 10 h)."""
        return self.seconds(end)
