"""PyVRP routes on the relaxed night: allowed crews, windows, and a seeded solve that validates.

The night: a base (place 0) and five clients (places 1-5), 10 to 25 minutes apart. car-f is two
women, one with the skill "peg"; car-m is a man and a woman with no skills. c-peg needs "peg" and
c-women asks for women, so only car-f may take them; c-oxygen needs a skill no crew has.
"""

from __future__ import annotations

from routing.model import AfterLink, BreakRule, Call, Carer, Crew, Night, Priority, TravelMatrix
from routing.relaxed_seed import relaxed_routes
from routing.route_timing import earliest_schedule
from routing.solver import SolveOptions, solve
from routing.validate import check_plan

HOUR = 3600
TRAVEL = TravelMatrix(
    [
        [0, 600, 900, 1200, 1500, 900],
        [600, 0, 300, 700, 1100, 800],
        [900, 300, 0, 400, 900, 1000],
        [1200, 700, 400, 0, 600, 1300],
        [1500, 1100, 900, 600, 0, 1200],
        [900, 800, 1000, 1300, 1200, 0],
    ]
)


def make_night(*, rest_break: BreakRule | None = None, linked: bool = False) -> Night:
    """The two-crew night above; `linked` makes c-late follow c-any-1 by 2-3 hours."""
    crews = (
        Crew(
            "car-f",
            (Carer("k-anne", "F", frozenset({"peg"})), Carer("k-beth", "F")),
            0,
            8 * HOUR,
            rest_break=rest_break,
        ),
        Crew(
            "car-m",
            (Carer("k-carl", "M"), Carer("k-dora", "F")),
            0,
            8 * HOUR,
            rest_break=rest_break,
        ),
    )
    after = AfterLink("c-any-1", 2 * HOUR, 3 * HOUR) if linked else None
    calls = (
        Call("c-peg", "p1", 1, HOUR, 2 * HOUR, 1800, skills=frozenset({"peg"})),
        Call("c-women", "p2", 2, HOUR, 3 * HOUR, 1200, gender="F"),
        Call("c-any-1", "p3", 3, 0, HOUR, 900),
        Call("c-any-2", "p4", 4, 2 * HOUR, 4 * HOUR, 900, priority=Priority.CRITICAL),
        Call("c-late", "p5", 5, 3 * HOUR, 6 * HOUR, 600, after=after),
        Call("c-oxygen", "p5", 5, HOUR, 5 * HOUR, 600, skills=frozenset({"oxygen"})),
    )
    return Night("two-crews", crews, calls, TRAVEL)


def test_relaxed_routes_give_calls_only_to_crews_allowed_to_take_them() -> None:
    """c-peg and c-women ride with car-f; c-oxygen, which no crew may take, is on no route."""
    night = make_night()
    routes = relaxed_routes(night, time_limit=0.3, seed=1)
    assert "c-peg" in routes["car-f"]
    assert "c-women" in routes["car-f"]
    on_routes = [call_id for call_ids in routes.values() for call_id in call_ids]
    assert "c-oxygen" not in on_routes
    assert len(on_routes) == len(set(on_routes))
    for crew_id, call_ids in routes.items():
        crew = night.crew(crew_id)
        assert all(night.call(call_id).crew_can_take(crew) for call_id in call_ids)


def test_relaxed_routes_keep_every_window_and_shift() -> None:
    """Each route can be driven at its earliest times within windows and shift."""
    night = make_night()
    routes = relaxed_routes(night, time_limit=0.3, seed=2)
    assert sum(len(call_ids) for call_ids in routes.values()) == 5
    for crew_id, call_ids in routes.items():
        crew = night.crew(crew_id)
        schedule = earliest_schedule(night, crew, [night.call(c) for c in call_ids])
        assert schedule is not None, f"{crew_id} cannot drive {call_ids}"


def test_a_seeded_solve_with_breaks_and_an_after_link_is_validator_clean() -> None:
    """The solver repairs PyVRP's routes for the rules PyVRP does not know."""
    night = make_night(rest_break=BreakRule(1800, 2 * HOUR, 4 * HOUR), linked=True)
    plan = solve(night, SolveOptions(time_limit=1.0, seeding="pyvrp", seeding_share=0.5))
    assert check_plan(night, plan) == []
    assert sorted(plan.unassigned_call_ids()) == ["c-oxygen"]
    assert len(plan.assigned_call_ids()) == 5
