"""How an area's nights went, read from its published plans: calls, planned and unassigned,
drive time against care time, and how much of their shift the crews were out working.

A night counts from its published plan (the version crews worked from; superseded versions
and drafts are left out). A crew's busy time is the time it was out on the round less its waits
at doors and its break: that is its driving and its care, because a planned crew arrives as soon
as the drive allows and comes back as soon as it can. A crew with no visits was not busy. Shift
use is busy time over the crew's shift length (a night across a clock change is 8 or 10 hours),
averaged over the night's crews.

Every figure comes from two queries whatever the number of nights or areas: one for the areas,
one for their published plans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Invalid, NotFound
from data.models import Area, StoredPlan
from data.services.access import Actor, require_area
from routing.clock import ClockError, NightClock, parse_clock_time

DEFAULT_NIGHTS = 30
MOST_NIGHTS = 366
PUBLISHED = "published"


@dataclass(frozen=True)
class CrewShiftUse:
    """One crew's night: minutes driving or caring against the minutes of its shift."""

    crew_id: str
    busy_minutes: float
    shift_minutes: float

    @property
    def share(self) -> float:
        """Busy time as a share of the shift, 0 to 1."""
        return self.busy_minutes / self.shift_minutes if self.shift_minutes > 0 else 0.0


@dataclass(frozen=True)
class NightFigures:
    """One night of an area. `plan_version` is None when the night has no published plan
    (then every count is 0), or `unreadable` says why its stored plan could not be read."""

    night: date
    plan_version: int | None = None
    calls: int = 0
    planned: int = 0
    unassigned: int = 0
    drive_minutes: float = 0.0
    care_minutes: float = 0.0
    crews: tuple[CrewShiftUse, ...] = ()
    unreadable: str | None = None

    @property
    def has_figures(self) -> bool:
        """Whether the night has a published plan that could be read."""
        return self.plan_version is not None and self.unreadable is None

    @property
    def shift_use(self) -> float | None:
        """The crews' mean share of their shift spent busy; None when no crew was out."""
        if not self.crews:
            return None
        return sum(c.share for c in self.crews) / len(self.crews)


@dataclass(frozen=True)
class AreaStatistics:
    """An area's nights from `first_night` to `last_night`, one entry per night in date order."""

    area_id: int
    area_name: str
    first_night: date
    last_night: date
    nights: tuple[NightFigures, ...]

    @property
    def counted(self) -> tuple[NightFigures, ...]:
        """The nights with figures (a published plan that could be read)."""
        return tuple(n for n in self.nights if n.has_figures)

    @property
    def calls(self) -> int:
        """Calls over the counted nights."""
        return sum(n.calls for n in self.counted)

    @property
    def planned(self) -> int:
        """Calls planned on a crew's round over the counted nights."""
        return sum(n.planned for n in self.counted)

    @property
    def unassigned(self) -> int:
        """Calls left unassigned over the counted nights."""
        return sum(n.unassigned for n in self.counted)

    @property
    def drive_minutes(self) -> float:
        """Minutes of driving over the counted nights."""
        return sum(n.drive_minutes for n in self.counted)

    @property
    def care_minutes(self) -> float:
        """Minutes of care over the counted nights."""
        return sum(n.care_minutes for n in self.counted)

    @property
    def shift_use(self) -> float | None:
        """Mean of the nights' shift use (each night weighs the same); None with no crews out."""
        uses = [u for u in (n.shift_use for n in self.counted) if u is not None]
        return sum(uses) / len(uses) if uses else None


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an ISO 8601 time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value} has no UTC offset")
    return moment


def _minutes_between(start: Any, end: Any) -> float:
    return (_instant(end) - _instant(start)).total_seconds() / 60


def _busy_minutes(route: Mapping[str, Any]) -> float:
    visits = route.get("visits") or []
    if not visits:
        return 0.0
    out = _minutes_between(route["depart"], route["return"])
    waits = sum(_minutes_between(v["arrive"], v["start"]) for v in visits)
    rest = route.get("break")
    resting = _minutes_between(rest["start"], rest["end"]) if rest else 0.0
    return out - waits - resting


def _shift_minutes(problem: Mapping[str, Any], crew: Mapping[str, Any], night: date) -> float:
    shift = crew.get("shift") or problem["shift"]
    start = parse_clock_time(shift["start"])
    clock = NightClock(night, start, problem["timezone"])
    return clock.length(parse_clock_time(shift["end"])) / 60


def night_figures(
    night: date,
    version: int,
    problem: Mapping[str, Any],
    plan: Mapping[str, Any],
    *,
    travel_minutes: float,
    unassigned_count: int,
) -> NightFigures:
    """The figures of one stored plan; ValueError (or KeyError, TypeError) when it is malformed.

    Drive time is the plan's stored travel; care time the visits' minutes (start to end).
    """
    routes = {r["crew"]: r for r in plan.get("routes", [])}
    visits = [v for r in routes.values() for v in r.get("visits") or []]
    crews = tuple(
        CrewShiftUse(
            crew_id=crew["id"],
            busy_minutes=_busy_minutes(routes.get(crew["id"], {})),
            shift_minutes=_shift_minutes(problem, crew, night),
        )
        for crew in problem.get("crews", [])
    )
    return NightFigures(
        night=night,
        plan_version=version,
        calls=len(problem.get("calls", [])),
        planned=len(visits),
        unassigned=unassigned_count,
        drive_minutes=travel_minutes,
        care_minutes=sum(_minutes_between(v["start"], v["end"]) for v in visits),
        crews=crews,
    )


def _checked_period(last_night: date, nights: int) -> date:
    if not isinstance(nights, int) or not 1 <= nights <= MOST_NIGHTS:
        raise Invalid(f"must be a whole number from 1 to {MOST_NIGHTS}", "nights")
    return last_night - timedelta(days=nights - 1)


def areas_statistics(
    session: Session,
    actor: Actor,
    area_ids: Sequence[int],
    *,
    last_night: date,
    nights: int = DEFAULT_NIGHTS,
) -> dict[int, AreaStatistics]:
    """The statistics of each area in `area_ids` over the `nights` nights up to `last_night`.

    Commissioners reach every area, coordinators their own (another area is NotFound).
    """
    first_night = _checked_period(last_night, nights)
    for area_id in area_ids:
        require_area(actor, area_id, f"area {area_id}")
    wanted = sorted(set(area_ids))
    names = {
        area_id: name
        for area_id, name in session.execute(select(Area.id, Area.name).where(Area.id.in_(wanted)))
    }
    missing = [i for i in wanted if i not in names]
    if missing:
        raise NotFound(f"area {missing[0]} not found")
    rows = session.execute(
        select(
            StoredPlan.area_id,
            StoredPlan.night,
            StoredPlan.version,
            StoredPlan.problem,
            StoredPlan.plan,
            StoredPlan.travel_minutes,
            StoredPlan.unassigned_count,
        )
        .where(
            StoredPlan.area_id.in_(wanted),
            StoredPlan.status == PUBLISHED,
            StoredPlan.night >= first_night,
            StoredPlan.night <= last_night,
        )
        .order_by(StoredPlan.area_id, StoredPlan.night, StoredPlan.version)
    )
    found: dict[tuple[int, date], NightFigures] = {}
    for area_id, night, version, problem, plan, travel, unassigned in rows:
        try:
            figures = night_figures(
                night,
                version,
                problem,
                plan,
                travel_minutes=travel,
                unassigned_count=unassigned,
            )
        except (ClockError, ValueError, KeyError, TypeError, AttributeError) as error:
            figures = NightFigures(
                night=night, plan_version=version, unreadable=f"stored plan unreadable: {error}"
            )
        # Only one plan of a night is published; should two be, the newer version counts.
        found[(area_id, night)] = figures
    period = [first_night + timedelta(days=d) for d in range(nights)]
    return {
        area_id: AreaStatistics(
            area_id=area_id,
            area_name=names[area_id],
            first_night=first_night,
            last_night=last_night,
            nights=tuple(found.get((area_id, n), NightFigures(night=n)) for n in period),
        )
        for area_id in wanted
    }


def area_statistics(
    session: Session,
    actor: Actor,
    area_id: int,
    *,
    last_night: date,
    nights: int = DEFAULT_NIGHTS,
) -> AreaStatistics:
    """One area's statistics over the `nights` nights up to `last_night` (see module doc)."""
    return areas_statistics(session, actor, [area_id], last_night=last_night, nights=nights)[
        area_id
    ]
