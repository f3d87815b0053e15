"""Keyword-only factories for small solver nights, and the checks every solver test makes.

Times are seconds from the night's start (`MIN` and `HOUR` keep them readable); a call's care
length is given in `minutes`, as in the problem file. Travel matrices come from places on a
line (`line_travel`) or on a plane (`plane_travel`), so they keep the triangle inequality.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from routing.clock import NightClock
from routing.model import (
    AfterLink,
    BreakRule,
    Call,
    Carer,
    Crew,
    Night,
    Priority,
    TravelMatrix,
)
from routing.plan import Plan
from routing.solver import SolveOptions, solve
from routing.validate import check_plan

MIN = 60
HOUR = 3600
NIGHT_LENGTH = 9 * HOUR


def make_carer(*, id: str, gender: str = "F", skills: Iterable[str] = ()) -> Carer:
    """One carer with the given gender and skills."""
    return Carer(id=id, gender=gender, skills=frozenset(skills))


def make_crew(
    *,
    id: str = "car-1",
    genders: tuple[str, str] = ("F", "M"),
    skills: Iterable[str] = (),
    shift_start: int = 0,
    shift_end: int = NIGHT_LENGTH,
    start_place: int = 0,
    end_place: int = 0,
    rest_break: BreakRule | None = None,
    capacity: int | None = None,
) -> Crew:
    """A crew of two carers of `genders`; the first carer holds every one of `skills`."""
    carers = (
        make_carer(id=f"{id}-a", gender=genders[0], skills=skills),
        make_carer(id=f"{id}-b", gender=genders[1]),
    )
    return Crew(
        id=id,
        carers=carers,
        shift_start=shift_start,
        shift_end=shift_end,
        start_place=start_place,
        end_place=end_place,
        rest_break=rest_break,
        capacity=capacity,
    )


def make_break(*, minutes: int = 30, earliest: int = 3 * HOUR, latest: int = 6 * HOUR) -> BreakRule:
    """A rest of `minutes` starting between `earliest` and `latest` (default 01:00–04:00)."""
    return BreakRule(duration=minutes * MIN, earliest=earliest, latest=latest)


def make_call(
    *,
    id: str,
    place: int,
    earliest: int,
    latest: int,
    minutes: int = 20,
    priority: Priority = Priority.STANDARD,
    skills: Iterable[str] = (),
    gender: str | None = None,
    after: AfterLink | None = None,
    demand: int | None = None,
    client: str | None = None,
) -> Call:
    """A call at `place` whose care starts in [earliest, latest] and lasts `minutes`."""
    return Call(
        id=id,
        client=client or f"p-{id}",
        place=place,
        earliest=earliest,
        latest=latest,
        duration=minutes * MIN,
        priority=priority,
        skills=frozenset(skills),
        gender=gender,
        after=after,
        demand=demand,
    )


def make_after(*, call: str, min_minutes: int, max_minutes: int) -> AfterLink:
    """An after-link: start `min_minutes`..`max_minutes` after `call` starts."""
    return AfterLink(call_id=call, min_gap=min_minutes * MIN, max_gap=max_minutes * MIN)


def line_travel(minutes_along: Sequence[int]) -> TravelMatrix:
    """Places on a straight road, given as minutes from place 0; drive = distance."""
    return TravelMatrix([[abs(a - b) * MIN for b in minutes_along] for a in minutes_along])


def plane_travel(points: Sequence[tuple[float, float]]) -> TravelMatrix:
    """Places on a plane, coordinates in minutes; drive = Euclidean distance, rounded up.

    Rounding up keeps the triangle inequality: ceil(c) <= ceil(a) + ceil(b) when c <= a + b.
    """
    return TravelMatrix([[math.ceil(math.dist(p, q) * MIN) for q in points] for p in points])


def make_night(
    *,
    calls: Sequence[Call],
    crews: Sequence[Crew],
    travel: TravelMatrix,
    name: str = "test-night",
    clock: NightClock | None = None,
) -> Night:
    """A night of these calls and crews on this travel matrix."""
    return Night(name=name, crews=tuple(crews), calls=tuple(calls), travel=travel, clock=clock)


def assert_sound_plan(night: Night, plan: Plan) -> None:
    """The validator accepts the plan; every call is in it once, with a reason if unassigned."""
    violations = check_plan(night, plan)
    assert violations == [], "\n".join(v.message for v in violations)
    listed = Counter([*plan.assigned_call_ids(), *plan.unassigned_call_ids()])
    assert listed == Counter(c.id for c in night.calls)
    for item in plan.unassigned:
        assert item.reason.strip(), f"{item.call_id} is unassigned without a reason"


def reason_of(plan: Plan, call_id: str) -> str:
    """The reason given for an unassigned call (fails when the call is on a route)."""
    reasons = {u.call_id: u.reason for u in plan.unassigned}
    assert call_id in reasons, f"{call_id} was planned, not left unassigned"
    return reasons[call_id]


def crew_of(plan: Plan, call_id: str) -> str | None:
    """The crew whose route holds the call, or None."""
    for route in plan.routes:
        if any(v.call_id == call_id for v in route.visits):
            return route.crew_id
    return None


def solve_checked(
    night: Night,
    *,
    time_limit: float = 1.0,
    stall_seconds: float | None = 0.2,
    hint: Plan | None = None,
    workers: int = 1,
    seed: int = 0,
) -> Plan:
    """Solve a small night briefly and assert the plan is sound (see `assert_sound_plan`)."""
    options = SolveOptions(
        time_limit=time_limit,
        stall_seconds=stall_seconds,
        hint=hint,
        workers=workers,
        seed=seed,
    )
    plan = solve(night, options)
    assert_sound_plan(night, plan)
    return plan
