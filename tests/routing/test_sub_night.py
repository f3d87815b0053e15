"""Parts of a night cut out to be planned again, and the solver's repair phase that uses them.

Times are seconds from the night's start; places are minutes along a road (`line_travel`).
Every plan is checked by the independent validator (`assert_sound_plan`).
"""

from __future__ import annotations

import time

import pytest

import routing.solver as solver_module
from routing.model import Night, Priority
from routing.plan import Plan, PlanStats, Route, Visit
from routing.problem_file import read_problem
from routing.route_timing import earliest_schedule
from routing.rural_night import generate_night
from routing.solver import SolveOptions, _next_repair, _repair, plan_score, solve
from routing.sub_night import cut_sub_night
from routing.validate import check_plan, route_travel_seconds
from tests.routing.night_factories import (
    HOUR,
    MIN,
    assert_sound_plan,
    line_travel,
    make_after,
    make_call,
    make_crew,
    make_night,
)


def earliest_route(night: Night, crew_id: str, call_ids: list[str]) -> Route:
    """The crew's earliest-start route through these calls in this order."""
    route = earliest_schedule(night, night.crew(crew_id), [night.call(c) for c in call_ids])
    assert route is not None, f"{crew_id} cannot do {call_ids}"
    return route


def plan_of(night: Night, routes: tuple[Route, ...]) -> Plan:
    """A plan of these routes with its travel (unassigned calls are not listed)."""
    travel = sum(route_travel_seconds(night, r) for r in routes)
    return Plan(night.name, routes, (), PlanStats(travel, 0.0))


def visit(call_id: str, start: int) -> Visit:
    """A 20-minute visit starting at `start`, the crew at the door 5 minutes before."""
    return Visit(call_id, start - 5 * MIN, start, start + 20 * MIN)


def two_crew_night() -> Night:
    """car-1 and car-2 out of base (place 0); calls at 10, 20 and 30 minutes along the road.

    y (01:00) and z (02:00) fit one after the other on one crew; x is at 01:00 too, so it
    needs the other crew: every call can be planned.
    """
    calls = [
        make_call(id="y", place=1, earliest=1 * HOUR, latest=1 * HOUR, minutes=30),
        make_call(id="z", place=2, earliest=2 * HOUR, latest=2 * HOUR, minutes=30),
        make_call(id="x", place=3, earliest=1 * HOUR, latest=1 * HOUR + 10 * MIN, minutes=30),
    ]
    crews = [make_crew(id="car-1"), make_crew(id="car-2")]
    return make_night(calls=calls, crews=crews, travel=line_travel([0, 10, 20, 30]))


def test_the_repair_phase_plans_a_call_the_given_routes_leave_out() -> None:
    """car-1 does y then z, car-2 stays in, x is left out: the part of both crews plans x on
    car-2, and the whole plan passes the validator."""
    night = two_crew_night()
    routes = (earliest_route(night, "car-1", ["y", "z"]), earliest_route(night, "car-2", []))
    repaired, better = _repair(night, routes, SolveOptions(), {}, set(), time.perf_counter() + 1)
    assert better
    assert {v.call_id for r in repaired for v in r.visits} == {"x", "y", "z"}
    assert check_plan(night, plan_of(night, repaired)) == []


def test_the_repair_phase_never_returns_worse_routes_than_it_was_given() -> None:
    """Routes that already plan every call come back no worse by the spec's order."""
    night = two_crew_night()
    routes = (earliest_route(night, "car-1", ["y", "z"]), earliest_route(night, "car-2", ["x"]))
    repaired, _ = _repair(night, routes, SolveOptions(), {}, set(), time.perf_counter() + 0.5)
    assert check_plan(night, plan_of(night, repaired)) == []
    assert plan_score(night, plan_of(night, repaired)) <= plan_score(night, plan_of(night, routes))


def test_a_part_holds_a_link_to_a_call_outside_as_a_window() -> None:
    """b follows a (10–20 minutes after); a stays on car-1 at 01:00, so b, cut out with
    car-2, may start only 01:10–01:20 and carries no link; a call followed by a held call
    becomes critical with what the link leaves of its window (01:00–01:05)."""
    calls = [
        make_call(id="a", place=1, earliest=1 * HOUR, latest=2 * HOUR),
        make_call(
            id="b",
            place=2,
            earliest=0,
            latest=3 * HOUR,
            after=make_after(call="a", min_minutes=10, max_minutes=20),
        ),
    ]
    crews = [make_crew(id="car-1"), make_crew(id="car-2")]
    night = make_night(calls=calls, crews=crews, travel=line_travel([0, 10, 20]))
    held_a = Route("car-1", 0, 4 * HOUR, (visit("a", 1 * HOUR),), None)
    on_b = Route("car-2", 0, 4 * HOUR, (visit("b", 1 * HOUR + 15 * MIN),), None)

    b_cut = cut_sub_night(night, (held_a, on_b), {"car-2"}, [])
    b = b_cut.night.call("b")
    assert (b.earliest, b.latest, b.after) == (1 * HOUR + 10 * MIN, 1 * HOUR + 20 * MIN, None)
    assert b_cut.held == (held_a,)

    a_cut = cut_sub_night(night, (held_a, on_b), {"car-1"}, [])
    a = a_cut.night.call("a")
    assert (a.earliest, a.latest) == (1 * HOUR, 1 * HOUR + 5 * MIN)
    assert a.priority is Priority.CRITICAL


def test_a_part_cut_by_time_holds_the_visits_outside_the_band_at_their_start() -> None:
    """car-1 does y at 01:00 and z at 02:00 (windows of an hour); with a band of 00:30–01:30
    y keeps its window and z may only start at 02:00, on whichever crew of the part."""
    calls = [
        make_call(id="y", place=1, earliest=1 * HOUR, latest=2 * HOUR),
        make_call(id="z", place=2, earliest=2 * HOUR, latest=3 * HOUR),
        make_call(id="x", place=1, earliest=1 * HOUR, latest=1 * HOUR + 10 * MIN),
    ]
    crews = [make_crew(id="car-1"), make_crew(id="car-2")]
    night = make_night(calls=calls, crews=crews, travel=line_travel([0, 10, 20]))
    routes = (earliest_route(night, "car-1", ["y", "z"]), earliest_route(night, "car-2", []))

    cut = cut_sub_night(night, routes, {"car-1", "car-2"}, ["x"], (HOUR // 2, 3 * HOUR // 2))

    windows = {c.id: (c.earliest, c.latest) for c in cut.night.calls}
    assert windows == {
        "y": (1 * HOUR, 2 * HOUR),
        "z": (2 * HOUR, 2 * HOUR),
        "x": (1 * HOUR, 1 * HOUR + 10 * MIN),
    }
    assert cut.held == ()


def test_the_repair_phase_first_gives_a_left_out_call_to_three_crews_in_a_band() -> None:
    """On a night of three crews the first repair tried for x is the part of all three with
    the visits around x's window free; it plans x and the whole plan passes the validator."""
    night = two_crew_night()
    night = make_night(
        calls=night.calls,
        crews=[make_crew(id="car-1"), make_crew(id="car-2"), make_crew(id="car-3")],
        travel=night.travel,
    )
    routes = (
        earliest_route(night, "car-1", ["y", "z"]),
        earliest_route(night, "car-2", []),
        earliest_route(night, "car-3", []),
    )

    first = _next_repair(night, routes, {}, set(), set())
    repaired, better = _repair(night, routes, SolveOptions(), {}, set(), time.perf_counter() + 1)

    assert first == ("x", ("car-1", "car-2", "car-3"), "band-pyvrp-call-first")
    assert better
    assert {v.call_id for r in repaired for v in r.visits} == {"x", "y", "z"}
    assert check_plan(night, plan_of(night, repaired)) == []


def test_a_left_out_call_following_a_call_nobody_plans_stays_out_of_the_part() -> None:
    """b follows a; with a left out and not in the part, b cannot go in; with both, both do."""
    calls = [
        make_call(id="a", place=1, earliest=1 * HOUR, latest=2 * HOUR),
        make_call(
            id="b",
            place=2,
            earliest=0,
            latest=3 * HOUR,
            after=make_after(call="a", min_minutes=10, max_minutes=20),
        ),
    ]
    night = make_night(calls=calls, crews=[make_crew(id="car-1")], travel=line_travel([0, 10, 20]))
    idle = Route("car-1", 0, 0, (), None)
    cut = cut_sub_night(night, (idle,), {"car-1"}, ["b"])
    assert [c.id for c in cut.night.calls] == []
    both = cut_sub_night(night, (idle,), {"car-1"}, ["a", "b"])
    assert [c.id for c in both.night.calls] == ["a", "b"]


def test_a_solve_with_the_repair_phase_keeps_its_deadline_and_passes_the_validator() -> None:
    """A 50-call, 3-crew rural night at 1 s, half of it for the repair phase."""
    night = read_problem(generate_night(calls=50, crews=3, seed=5))
    plan = solve(night, SolveOptions(time_limit=1.0, workers=1, repair_share=0.5))
    assert_sound_plan(night, plan)
    assert plan.stats.solve_seconds < 1.3


def test_by_default_only_big_warm_starts_keep_time_for_the_repair_phase() -> None:
    """A warm start of more than 60 calls (OR-Tools from the hint) keeps 35 % of the limit for
    the repair phase; a night the compiled search starts, or a small one, keeps none."""
    big = read_problem(generate_night(calls=150, crews=9, seed=11))
    small = read_problem(generate_night(calls=50, crews=3, seed=11))
    hint = Plan(big.name, (), (), PlanStats(0, 0.0))
    share = solver_module._default_repair_share
    resolved = solver_module._resolved_seeding
    assert share(big, resolved(big, SolveOptions(hint=hint))) == solver_module._REPAIR_SHARE
    assert share(big, resolved(big, SolveOptions())) == 0.0
    assert share(small, resolved(small, SolveOptions(hint=hint))) == 0.0


def test_a_big_night_is_planned_by_the_compiled_search_within_its_deadline() -> None:
    """150 calls, 9 crews, 1.5 s, default options but one search: the compiled search starts
    it, without the repair phase, and the plan is sound, on time and serves every critical
    call (OR-Tools from its own start left 4-18 of 300 out at 2 s)."""
    night = read_problem(generate_night(calls=150, crews=9, seed=11))
    plan = solve(night, SolveOptions(time_limit=1.5, workers=1))
    assert_sound_plan(night, plan)
    assert plan.stats.strategy == "ruin-and-recreate+guided-local-search"
    assert plan.stats.solve_seconds < 2.0
    critical = {c.id for c in night.calls if c.priority is Priority.CRITICAL}
    assert not critical & {u.call_id for u in plan.unassigned}


@pytest.mark.parametrize(
    ("seeding", "share"), [("ruin-and-recreate", 0.85), ("pyvrp", 0.9)], ids=["compiled", "pyvrp"]
)
def test_a_start_that_takes_the_search_past_the_repair_phase_is_still_searched_from(
    seeding: str, share: float
) -> None:
    """A start taking most of the limit leaves the repair phase's time already come when
    OR-Tools begins: restoring the start reported a plan, the repair phase's stop then ended
    the search before the start was restored, and the plan left out all 61 calls (PyVRP's
    90 %); the compiled search now also leaves OR-Tools its time before that phase."""
    night = read_problem(generate_night(calls=61, crews=4, seed=3))
    options = SolveOptions(
        time_limit=1.0, workers=1, seeding=seeding, seeding_share=share, repair_share=0.35
    )
    plan = solve(night, options)
    assert_sound_plan(night, plan)
    assert len(plan.unassigned) < len(night.calls) // 4
