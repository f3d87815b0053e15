"""Property tests: whatever small night hypothesis makes up, the solver returns a plan the
independent validator accepts, with every call exactly once and a reason for each one left,
and every visit starting as early as its round allows.

Nights have 1–3 crews (own shifts, points, breaks and capacities sometimes) and 0–12 calls
(windows inside the night, skills from a small set, gender requests, acyclic after-links to an
earlier call, demands), on places drawn as points of a plane so drives keep the triangle
inequality.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.model import AfterLink, BreakRule, Call, Crew, Night, Priority
from routing.plan import Plan, Route
from routing.solver import SolveOptions, solve
from tests.routing.night_factories import (
    MIN,
    NIGHT_LENGTH,
    assert_sound_plan,
    make_call,
    make_crew,
    make_night,
    plane_travel,
)

SKILLS = ("medication", "peg", "hoist")
NIGHT_MINUTES = NIGHT_LENGTH // MIN

skill_sets = st.frozensets(st.sampled_from(SKILLS), max_size=2)


@st.composite
def crews(draw: st.DrawFn, index: int, places: int, with_capacity: bool) -> Crew:
    """A crew with a random pair of carers, and sometimes its own shift, points and break."""
    shift_start, shift_end = 0, NIGHT_LENGTH
    if draw(st.booleans()):
        start_minute = draw(st.integers(0, NIGHT_MINUTES // 2))
        end_minute = draw(st.integers(start_minute + 60, NIGHT_MINUTES))
        shift_start, shift_end = start_minute * MIN, end_minute * MIN
    rest_break = None
    if draw(st.booleans()):
        minutes = draw(st.sampled_from([15, 30, 45]))
        last_start = shift_end // MIN - minutes
        if last_start >= shift_start // MIN:
            earliest = draw(st.integers(shift_start // MIN, last_start))
            latest = draw(st.integers(earliest, last_start))
            rest_break = BreakRule(minutes * MIN, earliest * MIN, latest * MIN)
    capacity = draw(st.integers(0, 6)) if with_capacity and draw(st.booleans()) else None
    return make_crew(
        id=f"car-{index}",
        genders=draw(st.tuples(st.sampled_from("FM"), st.sampled_from("FM"))),
        skills=draw(skill_sets),
        shift_start=shift_start,
        shift_end=shift_end,
        start_place=draw(st.integers(0, places - 1)),
        end_place=draw(st.integers(0, places - 1)),
        rest_break=rest_break,
        capacity=capacity,
    )


@st.composite
def calls(draw: st.DrawFn, index: int, places: int, earlier: list[Call]) -> Call:
    """A call with a window inside the night, sometimes after one of the `earlier` calls."""
    minutes = draw(st.integers(5, 60))
    earliest = draw(st.integers(0, NIGHT_MINUTES - minutes))
    latest = draw(st.integers(earliest, min(earliest + 180, NIGHT_MINUTES - minutes)))
    after = None
    if earlier and draw(st.integers(0, 3)) == 0:
        before = draw(st.sampled_from(earlier))
        low = draw(st.integers(0, 180))
        high = draw(st.integers(low, low + 180))
        after = AfterLink(before.id, low * MIN, high * MIN)
    return make_call(
        id=f"v-{index}",
        place=draw(st.integers(0, places - 1)),
        earliest=earliest * MIN,
        latest=latest * MIN,
        minutes=minutes,
        priority=draw(st.sampled_from(Priority)),
        skills=draw(st.frozensets(st.sampled_from(SKILLS), max_size=1)),
        gender=draw(st.sampled_from([None, None, None, "F", "M"])),
        after=after,
        demand=draw(st.one_of(st.none(), st.integers(0, 3))),
    )


@st.composite
def nights(draw: st.DrawFn) -> Night:
    """A small random night (see the module docstring)."""
    points = draw(
        st.lists(
            st.tuples(st.integers(-40, 40), st.integers(-40, 40)),
            min_size=1,
            max_size=8,
        )
    )
    with_capacity = draw(st.booleans())
    night_crews = [
        draw(crews(i, len(points), with_capacity)) for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    night_calls: list[Call] = []
    for i in range(draw(st.integers(0, 12))):
        night_calls.append(draw(calls(i, len(points), night_calls)))
    return make_night(
        calls=night_calls,
        crews=night_crews,
        travel=plane_travel([(float(x), float(y)) for x, y in points]),
        name="random-night",
    )


# Each example is a real solve of up to a third of a second.
random_nights = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@random_nights
@given(nights())
def test_every_random_night_gets_a_sound_plan_with_every_call_once(night: Night) -> None:
    """Valid by the validator; every call on one route or unassigned with a reason."""
    plan = solve(night, SolveOptions(time_limit=0.3, stall_seconds=0.1))
    assert_sound_plan(night, plan)


def _held_back_by(night: Night, plan: Plan, route: Route, leg: int) -> list[str]:
    """What keeps visit `leg` of `route` from starting any sooner: its window opening, the
    previous visit (or the shift's start) and the drive, the break in that leg taken as soon as
    its rule allows, the call it must follow, or a call that must follow it within a gap."""
    visit = route.visits[leg]
    call = night.call(visit.call_id)
    crew = night.crew(route.crew_id)
    if leg == 0:
        ready, place = crew.shift_start, crew.start_place
    else:
        ready, place = route.visits[leg - 1].end, night.call(route.visits[leg - 1].call_id).place
    reasons: list[str] = []
    rest = route.rest_break
    if visit.start == call.earliest:
        reasons.append("window")
    if visit.start == ready + night.travel(place, call.place):
        reasons.append("drive")
    rule = crew.rest_break
    if rest is not None and rule is not None and ready <= rest.start and rest.end <= visit.start:
        # The leg holds the drive and the break, and the break begins no sooner than its rule.
        if visit.start == max(ready + night.travel(place, call.place), rule.earliest) + (
            rule.duration
        ):
            reasons.append("break")
    starts = {v.call_id: v.start for r in plan.routes for v in r.visits}
    if call.after is not None and visit.start == starts.get(call.after.call_id, -1) + (
        call.after.min_gap
    ):
        reasons.append("the call it follows")
    for later in night.calls:
        if later.after is not None and later.after.call_id == call.id:
            if visit.start == starts.get(later.id, -1) - later.after.max_gap:
                reasons.append("a call that follows it within a gap")
    return reasons


@random_nights
@given(nights())
def test_every_visit_starts_as_early_as_its_round_allows(night: Night) -> None:
    """One rule for care times, whatever way the search found the round: no visit waits
    without cause, so a call added later in a crew's night leaves its earlier visits alone."""
    plan = solve(night, SolveOptions(time_limit=0.3, stall_seconds=0.1))
    assert_sound_plan(night, plan)
    for route in plan.routes:
        for leg, visit in enumerate(route.visits):
            assert _held_back_by(night, plan, route, leg), (route.crew_id, visit)
