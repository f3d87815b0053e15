"""Crew pins: a pinned call is planned on its crew or not at all, with a reason naming the pin.

Places are minutes along a road (`line_travel`); car-1 lives at place 0 next to the calls,
car-2 at place 3 an hour away, so without a pin the calls go to car-1.
"""

from __future__ import annotations

import pytest

from routing.model import CrewPin, Night
from routing.plan import Plan
from routing.solver import SolveOptions, solve
from tests.routing.night_factories import (
    HOUR,
    assert_sound_plan,
    crew_of,
    line_travel,
    make_call,
    make_crew,
    make_night,
    reason_of,
)


def near_and_far_night() -> Night:
    """Two calls near car-1's base; car-2 starts and ends an hour down the road."""
    return make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR),
            make_call(id="v-b", place=2, earliest=3 * HOUR, latest=4 * HOUR, skills=["peg"]),
        ],
        crews=[
            make_crew(id="car-1", skills=["peg"], start_place=0, end_place=0),
            make_crew(id="car-2", start_place=3, end_place=3),
        ],
        travel=line_travel([0, 5, 10, 65]),
    )


def solve_pinned(night: Night, *pins: CrewPin, hint: Plan | None = None, workers: int = 1) -> Plan:
    """Solve briefly with these pins and check the plan with the independent validator."""
    options = SolveOptions(
        time_limit=1.0, stall_seconds=0.2, hint=hint, workers=workers, crew_pins=pins
    )
    plan = solve(night, options)
    assert_sound_plan(night, plan)
    return plan


def test_without_a_pin_the_near_crew_takes_the_call() -> None:
    """The baseline the pin tests move away from: car-1 is ten minutes away, car-2 an hour."""
    plan = solve_pinned(near_and_far_night())
    assert crew_of(plan, "v-a") == "car-1"


def test_a_call_pinned_to_the_far_crew_goes_to_that_crew() -> None:
    """The pin outweighs two hours of extra driving."""
    plan = solve_pinned(near_and_far_night(), CrewPin("v-a", "car-2"))
    assert crew_of(plan, "v-a") == "car-2"
    assert crew_of(plan, "v-b") == "car-1"


def test_a_pin_overrides_a_hint_that_has_the_call_on_another_crew() -> None:
    """Last night's plan had v-a on car-1; tonight's pin puts it on car-2."""
    night = near_and_far_night()
    last_night = solve_pinned(night)
    assert crew_of(last_night, "v-a") == "car-1"
    plan = solve_pinned(night, CrewPin("v-a", "car-2"), hint=last_night)
    assert crew_of(plan, "v-a") == "car-2"
    assert plan.stats.strategy.startswith("hint")


def test_pins_hold_in_a_parallel_search() -> None:
    """Every worker honours the pins, so the plan kept does too."""
    plan = solve_pinned(near_and_far_night(), CrewPin("v-a", "car-2"), workers=2)
    assert crew_of(plan, "v-a") == "car-2"


def test_a_call_pinned_to_a_crew_without_its_skill_is_unassigned_naming_the_pin() -> None:
    """car-1 holds 'peg' and could do v-b, but the pin says car-2, which does not."""
    plan = solve_pinned(near_and_far_night(), CrewPin("v-b", "car-2"))
    assert reason_of(plan, "v-b") == "pinned to car-2, which lacks skill 'peg'"


def test_a_call_pinned_to_a_crew_not_out_tonight_is_unassigned_naming_the_pin() -> None:
    """A pin to a crew that is not in the night (stood down since) leaves the call out."""
    plan = solve_pinned(near_and_far_night(), CrewPin("v-a", "car-9"))
    assert reason_of(plan, "v-a") == "pinned to car-9, which is not out on this night"
    assert crew_of(plan, "v-b") == "car-1"


def test_a_call_pinned_to_a_crew_that_cannot_reach_it_says_so() -> None:
    """car-2's shift ends before it could drive to v-a and back."""
    night = make_night(
        calls=[make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR)],
        crews=[
            make_crew(id="car-1"),
            make_crew(id="car-2", start_place=2, end_place=2, shift_end=2 * HOUR),
        ],
        travel=line_travel([0, 5, 65]),
    )
    plan = solve_pinned(night, CrewPin("v-a", "car-2"))
    assert reason_of(plan, "v-a") == (
        "pinned to car-2, which cannot reach window t=3600–t=7200 and be back within its shift"
    )


def test_two_calls_at_once_pinned_to_one_crew_leave_one_saying_that_crew_is_busy() -> None:
    """car-2 is free, but both calls are pinned to car-1, which can do only one of them."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=HOUR, minutes=30),
            make_call(id="v-b", place=2, earliest=HOUR, latest=HOUR, minutes=30),
        ],
        crews=[make_crew(id="car-1"), make_crew(id="car-2")],
        travel=line_travel([0, 5, 10]),
    )
    plan = solve_pinned(night, CrewPin("v-a", "car-1"), CrewPin("v-b", "car-1"))
    assert crew_of(plan, "v-a") == "car-1" or crew_of(plan, "v-b") == "car-1"
    (left,) = plan.unassigned
    assert left.reason == "pinned to car-1: car-1 is busy at t=3600"
    car_2 = plan.route_of("car-2")
    assert car_2 is None or car_2.visits == ()


def test_a_call_pinned_twice_is_refused() -> None:
    """Two pins of one call contradict each other: the options say so."""
    with pytest.raises(ValueError, match="crew_pins: a call is pinned to more than one crew"):
        SolveOptions(crew_pins=(CrewPin("v-a", "car-1"), CrewPin("v-a", "car-2")))


def test_a_pin_of_a_call_the_night_does_not_have_is_refused() -> None:
    """A typo in a pin must not be silently dropped."""
    with pytest.raises(ValueError, match="crew_pins: the night has no call 'v-zz'"):
        solve(
            near_and_far_night(),
            SolveOptions(time_limit=0.5, crew_pins=(CrewPin("v-zz", "car-1"),)),
        )


def test_a_pin_needs_a_call_and_a_crew() -> None:
    """Empty ids are refused where the pin is made."""
    with pytest.raises(ValueError, match="crew: must be a non-empty string"):
        CrewPin("v-a", "")
