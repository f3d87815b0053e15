"""Rounds stay with the crews that had them when crews are interchangeable (hand-checkable
nights of two crews and four calls on a road)."""

from __future__ import annotations

from dataclasses import replace

from data.services.steady_rounds import steady_rounds
from routing.model import Crew, Night
from routing.plan import Plan
from tests.routing.night_factories import (
    HOUR,
    MIN,
    assert_sound_plan,
    crew_of,
    line_travel,
    make_call,
    make_crew,
    make_night,
    solve_checked,
)


def two_crew_night(second: Crew | None = None, *, skill: str | None = None) -> Night:
    """Crews car-1 and car-2 (or `second`) at a base on a road; calls a, b half an hour west
    and c, d half an hour east, a and c both at 23:00-23:10, so each crew takes one side; a
    `skill` is asked for by calls a and b (and held by car-1)."""
    skills = (skill,) if skill else ()
    first, then = (HOUR, HOUR + 10 * MIN), (HOUR + 30 * MIN, HOUR + 50 * MIN)
    calls = [
        make_call(id="a", place=1, earliest=first[0], latest=first[1], skills=skills),
        make_call(id="b", place=2, earliest=then[0], latest=then[1], skills=skills),
        make_call(id="c", place=3, earliest=first[0], latest=first[1]),
        make_call(id="d", place=4, earliest=then[0], latest=then[1]),
    ]
    crews = [make_crew(id="car-1", skills=skills), second or make_crew(id="car-2", skills=skills)]
    return make_night(calls=calls, crews=crews, travel=line_travel([0, -30, -35, 30, 35]))


def swapped(plan: Plan) -> Plan:
    """The plan with car-1's and car-2's rounds exchanged (times and all)."""
    other = {"car-1": "car-2", "car-2": "car-1"}
    return replace(plan, routes=tuple(replace(r, crew_id=other[r.crew_id]) for r in plan.routes))


def rounds(plan: Plan) -> dict[str, list[tuple[str, int, int]]]:
    """crew -> (call, arrive, start) in order."""
    return {r.crew_id: [(v.call_id, v.arrive, v.start) for v in r.visits] for r in plan.routes}


def test_the_rounds_of_interchangeable_crews_go_back_to_the_crews_of_the_hint() -> None:
    """The hint has each side on the other crew: the rounds are exchanged, times unchanged."""
    night = two_crew_night()
    plan = solve_checked(night)
    assert crew_of(plan, "a") == crew_of(plan, "b") != crew_of(plan, "c") == crew_of(plan, "d")
    hint = swapped(plan)
    steadied = steady_rounds(night, plan, hint)
    assert rounds(steadied) == rounds(hint)
    assert_sound_plan(night, steadied)
    assert steadied.unassigned == plan.unassigned and steadied.stats == plan.stats


def test_a_plan_that_already_matches_the_hint_comes_back_as_it_is() -> None:
    """Nothing to exchange: the very same plan."""
    night = two_crew_night()
    plan = solve_checked(night)
    assert steady_rounds(night, plan, plan) is plan


def test_a_round_with_a_pinned_call_stays_with_its_crew() -> None:
    """Call a is pinned where it is: neither round moves."""
    night = two_crew_night()
    plan = solve_checked(night)
    assert steady_rounds(night, plan, swapped(plan), pinned={"a"}) is plan


def test_crews_with_other_shifts_do_not_exchange_rounds() -> None:
    """car-2 starts an hour later: the same times would not fit its shift, nothing moves."""
    night = two_crew_night(make_crew(id="car-2", shift_start=HOUR // 2))
    plan = solve_checked(night)
    assert steady_rounds(night, plan, swapped(plan)) is plan


def test_a_crew_without_a_skill_the_round_needs_does_not_take_it() -> None:
    """Calls a and b need medication; car-2 holds no such skill, so it keeps c and d."""
    night = two_crew_night(make_crew(id="car-2"), skill="medication")
    plan = solve_checked(night)
    assert crew_of(plan, "a") == "car-1" and crew_of(plan, "c") == "car-2"
    assert steady_rounds(night, plan, swapped(plan)) is plan
