"""Tonight's plan as a timeline: one line per crew across the shift, each visit and the break a
block placed at its time (a share of the shift's length), and the unassigned calls with why.

Only geometry and wording: the page's CSS draws the blocks from `left` and `width` (per cent of
the shift) on a wide screen and lists them in order on a narrow one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from data.models import Area
from data.services.checks import clock_minutes
from data.services.night_overview import CallOfNight, CrewOfNight

# A block's share of the shift below which its text would be clipped. The track is drawn from a
# 48rem (768 px) window up, so it is at least ~730 px wide: 7 % (~50 px) holds "22:00" in the
# block's bold 0.75rem type with its padding, and 14 % (~100 px) a name after it (cut with an
# ellipsis if long). Narrower blocks show no text; their title and the list below say it.
TIME_FITS = 7.0
NAME_FITS = 14.0

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Block:
    """A visit (or the crew's break) on a crew's line."""

    kind: str
    start: str
    end: str
    left: float
    width: float
    call: CallOfNight | None = None
    arrive: str | None = None

    @property
    def shows_time(self) -> bool:
        """Whether the block is wide enough to print its start time inside it."""
        return self.width >= TIME_FITS

    @property
    def shows_name(self) -> bool:
        """Whether the block is wide enough to print the person (or "Break") after the time."""
        return self.width >= NAME_FITS


@dataclass(frozen=True)
class CrewLine:
    """One crew's night: who, when they leave and come back, and their blocks in time order."""

    crew_id: str
    title: str
    carers: str
    depart: str | None
    return_at: str | None
    blocks: tuple[Block, ...]

    @property
    def visits(self) -> int:
        """How many visits the crew makes."""
        return sum(1 for b in self.blocks if b.kind == "visit")


@dataclass(frozen=True)
class HourMark:
    """A whole hour on the time axis."""

    label: str
    left: float


@dataclass(frozen=True)
class UnassignedCall:
    """A call of the plan no crew takes, and why."""

    call: CallOfNight
    reason: str


@dataclass(frozen=True)
class Timeline:
    """The whole night: the axis, each crew's line, and what no crew takes."""

    start: str
    end: str
    hours: tuple[HourMark, ...]
    crews: tuple[CrewLine, ...]
    unassigned: tuple[UnassignedCall, ...]


def night_span(area: Area, night: date) -> tuple[datetime, datetime]:
    """When the area's shift of `night` starts and ends (the next morning for an overnight
    shift), as UTC instants: a night across a clock change is 8 or 10 hours long. (Aware
    datetimes of one zone subtract by the wall clock in Python, so they are not kept local.)"""
    zone = ZoneInfo(area.timezone)
    first = clock_minutes(area.shift_start, "shift_start")
    last = clock_minutes(area.shift_end, "shift_end")
    end_day = night + timedelta(days=1) if last <= first else night
    return (
        datetime.combine(night, time(first // 60, first % 60), zone).astimezone(UTC),
        datetime.combine(end_day, time(last // 60, last % 60), zone).astimezone(UTC),
    )


def night_title(night: date) -> str:
    """ "Tuesday 1 December 2026 (night into Wednesday)"."""
    following = WEEKDAYS[(night.weekday() + 1) % 7]
    return f"{WEEKDAYS[night.weekday()]} {night.day} {night:%B %Y} (night into {following})"


class _Scale:
    """Instants to per cent of the night, and to local clock times."""

    def __init__(self, start: datetime, end: datetime, zone: ZoneInfo) -> None:
        self.start = start
        self.seconds = max((end - start).total_seconds(), 1.0)
        self.zone = zone

    def at(self, text: str) -> datetime:
        return datetime.fromisoformat(text)

    def percent(self, instant: datetime) -> float:
        share = (instant.astimezone(UTC) - self.start).total_seconds() / self.seconds * 100
        return round(min(max(share, 0.0), 100.0), 2)

    def clock(self, instant: datetime) -> str:
        return instant.astimezone(self.zone).strftime("%H:%M")

    def block(self, kind: str, start_text: str, end_text: str, **rest: Any) -> Block:
        start, end = self.at(start_text), self.at(end_text)
        left = self.percent(start)
        return Block(
            kind=kind,
            start=self.clock(start),
            end=self.clock(end),
            left=left,
            width=round(max(self.percent(end) - left, 0.3), 2),
            **rest,
        )


def _unknown_call(call_id: str) -> CallOfNight:
    return CallOfNight(call_id, None, call_id, call_id, "", "", 0, "standard")


def build_timeline(
    area: Area,
    night: date,
    plan: Mapping[str, Any],
    crews: list[CrewOfNight],
    calls: Mapping[str, CallOfNight],
) -> Timeline:
    """The timeline of a stored plan document (`nightcare-plan/1`) of `area`'s `night`."""
    zone = ZoneInfo(area.timezone)
    start, end = night_span(area, night)
    scale = _Scale(start, end, zone)
    hours = []
    # Whole local hours, stepped in UTC so the hour repeated in October is marked twice.
    mark = start.astimezone(zone).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    if mark < start:
        mark += timedelta(hours=1)
    while mark <= end:
        hours.append(HourMark(scale.clock(mark), scale.percent(mark)))
        mark += timedelta(hours=1)
    routes = {str(r.get("crew")): r for r in plan.get("routes", [])}
    lines = []
    known = {crew.crew_id: crew for crew in crews}
    for crew_id in [c.crew_id for c in crews] + sorted(set(routes) - set(known)):
        crew = known.get(crew_id)
        route = routes.get(crew_id)
        blocks = []
        if route is not None:
            for visit in route.get("visits", []):
                call_id = str(visit["call"])
                blocks.append(
                    scale.block(
                        "visit",
                        visit["start"],
                        visit["end"],
                        call=calls.get(call_id) or _unknown_call(call_id),
                        arrive=scale.clock(scale.at(visit["arrive"])),
                    )
                )
            rest = route.get("break")
            if rest:
                blocks.append(scale.block("break", rest["start"], rest["end"]))
        blocks.sort(key=lambda b: b.left)
        lines.append(
            CrewLine(
                crew_id=crew_id,
                title=f"Crew {crew.number}" if crew is not None else crew_id,
                carers=" and ".join(crew.carer_names)
                if crew is not None and crew.on
                else "no car out tonight",
                depart=scale.clock(scale.at(route["depart"])) if route else None,
                return_at=scale.clock(scale.at(route["return"])) if route else None,
                blocks=tuple(blocks),
            )
        )
    unassigned = tuple(
        UnassignedCall(calls.get(str(u["call"])) or _unknown_call(str(u["call"])), str(u["reason"]))
        for u in plan.get("unassigned", [])
    )
    return Timeline(
        start=scale.clock(start),
        end=scale.clock(end),
        hours=tuple(hours),
        crews=tuple(lines),
        unassigned=unassigned,
    )
