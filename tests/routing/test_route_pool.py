"""The route pool and its recombination: one pooled route per crew, chosen by CP-SAT.

Times are seconds from the night's start; places are minutes along a road (`line_travel`)
from base at place 0. Every plan is checked by the independent validator.
"""

from __future__ import annotations

import pickle
import time

from routing.model import Night, Priority
from routing.plan import Plan, PlanStats, Route, Unassigned
from routing.problem_file import read_problem
from routing.route_pool import RoutePool, recombine
from routing.route_timing import earliest_schedule
from routing.rural_night import generate_night
from routing.solver import SolveOptions, _recombined, plan_score, solve
from routing.validate import route_travel_seconds
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
    """A plan of these routes, every other call unassigned, with its travel."""
    on_route = {v.call_id for r in routes for v in r.visits}
    left = tuple(Unassigned(c.id, "left out") for c in night.calls if c.id not in on_route)
    travel = sum(route_travel_seconds(night, r) for r in routes)
    return Plan(night.name, routes, left, PlanStats(travel, 0.0))


def four_call_night() -> Night:
    """car-1 and car-2 from base; a (10 min out) and c (30 min out) at 01:00, b (20 min out)
    and d (40 min out) at 02:00. Each crew can do one 01:00 call and one 02:00 call, so
    car-1 a then b and car-2 c then d serve all four: 40 + 80 minutes of driving."""
    calls = [
        make_call(id="a", place=1, earliest=1 * HOUR, latest=1 * HOUR),
        make_call(id="b", place=2, earliest=2 * HOUR, latest=2 * HOUR),
        make_call(id="c", place=3, earliest=1 * HOUR, latest=1 * HOUR),
        make_call(id="d", place=4, earliest=2 * HOUR, latest=2 * HOUR),
    ]
    crews = [make_crew(id="car-1"), make_crew(id="car-2")]
    return make_night(calls=calls, crews=crews, travel=line_travel([0, 10, 20, 30, 40]))


def two_plans_each_one_call_short(night: Night) -> tuple[Plan, Plan]:
    """Plan A: car-1 a, b and car-2 c (d left out); plan B: car-1 a and car-2 c, d (b left
    out). Neither serves every call; car-1's route of A with car-2's of B does."""
    first = plan_of(
        night, (earliest_route(night, "car-1", ["a", "b"]), earliest_route(night, "car-2", ["c"]))
    )
    second = plan_of(
        night, (earliest_route(night, "car-1", ["a"]), earliest_route(night, "car-2", ["c", "d"]))
    )
    return first, second


def test_recombination_takes_each_crew_route_from_the_plan_that_serves_more() -> None:
    """From two plans each leaving one call out, the choice serves all four calls with
    car-1's route of the first plan and car-2's of the second (120 minutes of driving)."""
    night = four_call_night()
    first, second = two_plans_each_one_call_short(night)
    pool = RoutePool.for_night(night)
    pool.add_routes(first.routes)
    pool.add_routes(second.routes)

    choice = recombine(night, pool, ["car-1", "car-2"], seconds=1.0)

    assert choice is not None
    assert choice.crew_calls == {"car-1": ["a", "b"], "car-2": ["c", "d"]}
    assert choice.score == (0, 0, 0, 120 * MIN)
    assert choice.score < plan_score(night, first)
    assert choice.score < plan_score(night, second)


def test_recombined_plan_is_planned_again_by_the_solver_and_passes_the_validator() -> None:
    """The solver's recombination step turns the chosen routes into a plan of its own
    (times and breaks from a warm-started solve): every call served, validator-clean."""
    night = four_call_night()
    first, second = two_plans_each_one_call_short(night)
    pool = RoutePool.for_night(night)
    pool.add_routes(second.routes)
    options = SolveOptions(time_limit=1.0, workers=1, recombine_routes=True)

    plan = _recombined(night, first, pool, options, time.perf_counter())

    assert_sound_plan(night, plan)
    assert plan_score(night, plan) == (0, 0, 0, 120 * MIN)
    assert plan.stats.strategy.endswith("+recombined")


def linked_night(*, linked: bool) -> Night:
    """car-1 takes p (10 min out, 01:00–01:30) and maybe s; car-2 takes q (20 min out,
    02:00–02:30) and maybe r. With `linked`, q starts exactly 60 minutes after p."""
    after = make_after(call="p", min_minutes=60, max_minutes=60) if linked else None
    calls = [
        make_call(id="p", place=1, earliest=1 * HOUR, latest=1 * HOUR + 30 * MIN),
        make_call(id="q", place=2, earliest=2 * HOUR, latest=2 * HOUR + 30 * MIN, after=after),
        make_call(id="r", place=3, earliest=4 * HOUR, latest=4 * HOUR),
        make_call(id="s", place=4, earliest=4 * HOUR, latest=4 * HOUR),
    ]
    crews = [make_crew(id="car-1"), make_crew(id="car-2")]
    return make_night(calls=calls, crews=crews, travel=line_travel([0, 10, 20, 30, 40]))


def pool_of_linked_routes(night: Night) -> RoutePool:
    """car-1: p at 01:00 then s, or p at 01:30 alone; car-2: q at 02:30 then r, or q at 02:00
    alone. Serving all four takes p at 01:00 with q at 02:30, 90 minutes apart."""
    pool = RoutePool.for_night(night)
    pool.add("car-1", ["p", "s"], [1 * HOUR, 4 * HOUR])
    pool.add("car-1", ["p"], [1 * HOUR + 30 * MIN])
    pool.add("car-2", ["q", "r"], [2 * HOUR + 30 * MIN, 4 * HOUR])
    pool.add("car-2", ["q"], [2 * HOUR])
    return pool


def test_recombination_serves_every_call_where_no_link_holds_it_back() -> None:
    """Without the link the best choice is both longer routes: nothing left out."""
    night = linked_night(linked=False)

    choice = recombine(night, pool_of_linked_routes(night), ["car-1", "car-2"], seconds=1.0)

    assert choice is not None
    assert choice.crew_calls == {"car-1": ["p", "s"], "car-2": ["q", "r"]}
    assert choice.score[:3] == (0, 0, 0)


def test_recombination_keeps_an_after_link_between_routes_of_different_plans() -> None:
    """With q exactly 60 minutes after p, p at 01:00 goes only with q at 02:00 and p at
    01:30 only with q at 02:30: one of r and s is left out (s, whose drive is longer)."""
    night = linked_night(linked=True)

    choice = recombine(night, pool_of_linked_routes(night), ["car-1", "car-2"], seconds=1.0)

    assert choice is not None
    assert choice.crew_calls == {"car-1": ["p"], "car-2": ["q", "r"]}
    assert choice.score[:3] == (0, 1, 0)


def test_a_dependent_call_is_not_chosen_without_its_predecessor() -> None:
    """A pool with q on car-2 and no route holding p: q is left out with p."""
    night = linked_night(linked=True)
    pool = RoutePool.for_night(night)
    pool.add("car-2", ["q", "r"], [2 * HOUR + 30 * MIN, 4 * HOUR])
    pool.add("car-2", ["r"], [4 * HOUR])

    choice = recombine(night, pool, ["car-1", "car-2"], seconds=1.0)

    assert choice is not None
    assert choice.crew_calls == {"car-1": [], "car-2": ["r"]}


def test_pool_keeps_a_route_once_unless_a_linked_call_moves() -> None:
    """The same calls in the same order are one route, unless a linked call starts at
    another time; the pool survives the pipe from a search's child process."""
    night = linked_night(linked=True)
    pool = RoutePool.for_night(night)
    pool.add("car-1", ["s"], [4 * HOUR])
    pool.add("car-1", ["s"], [4 * HOUR + 1])  # s is linked to nothing: the same route
    pool.add("car-1", ["p", "s"], [1 * HOUR, 4 * HOUR])
    pool.add("car-1", ["p", "s"], [1 * HOUR + MIN, 4 * HOUR])  # p moved: another route
    pool.add("car-1", [], [])  # an idle crew is always a choice, not a pooled route

    copied = pickle.loads(pickle.dumps(pool))
    merged = RoutePool.for_night(night)
    merged.merge(copied)

    assert len(pool) == 3
    assert [(r.call_ids, r.starts) for r in merged.routes] == [
        (r.call_ids, r.starts) for r in pool.routes
    ]


def test_solves_with_recombination_pass_the_validator() -> None:
    """One search and two (the second in a child process, its routes sent back) with the
    recombination on: each plan is sound and the recombination stays inside the limit (with
    room for a busy machine)."""
    night = read_problem(generate_night(calls=20, crews=2, seed=3))
    for workers in (1, 2):
        plan = solve(night, SolveOptions(time_limit=1.0, workers=workers, recombine_routes=True))
        assert_sound_plan(night, plan)
        assert plan.stats.solve_seconds < 2.0


def test_priority_decides_before_travel() -> None:
    """A critical call on a long route is chosen over two optional calls on a short one."""
    calls = [
        make_call(
            id="far", place=2, earliest=4 * HOUR, latest=4 * HOUR, priority=Priority.CRITICAL
        ),
        make_call(id="n1", place=1, earliest=1 * HOUR, latest=1 * HOUR, priority=Priority.OPTIONAL),
        make_call(id="n2", place=1, earliest=2 * HOUR, latest=2 * HOUR, priority=Priority.OPTIONAL),
    ]
    night = make_night(calls=calls, crews=[make_crew(id="car-1")], travel=line_travel([0, 10, 200]))
    pool = RoutePool.for_night(night)
    pool.add("car-1", ["far"], [4 * HOUR])
    pool.add("car-1", ["n1", "n2"], [1 * HOUR, 2 * HOUR])

    choice = recombine(night, pool, ["car-1"], seconds=1.0)

    assert choice is not None
    assert choice.crew_calls == {"car-1": ["far"]}
    assert choice.score == (0, 0, 2, 400 * MIN)
