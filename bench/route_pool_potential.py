"""How much a 2 s solve's route pool could give at best, on the typical night.

For each night, one solve with `recombine_routes` (the default's two searches, wall clock)
hands over its pool and its best plan; then three choices from the pool are compared with
that plan: CP-SAT's set-partitioning choice as the solver makes it (`route_pool.recombine`);
the same pool with every left-out call inserted, where its window allows, into every pooled
route the crew can still do with its break (`earliest_schedule`); and a covering bound on
that larger pool that no recombination can beat: calls may sit on several chosen routes and
after-links are ignored. Reports figures and never fails. Usage:

    .venv/bin/python -m bench.route_pool_potential [--seeds 1,2,3,5,11] [--seconds 2]
"""

from __future__ import annotations

import argparse
import time

from ortools.sat.python import cp_model

import routing.solver as solver
from routing.model import Night
from routing.plan import Plan
from routing.problem_file import read_problem
from routing.route_pool import RoutePool, recombine
from routing.route_timing import earliest_schedule
from routing.rural_night import generate_night
from routing.solver import SolveOptions, hint_from_plan, plan_score, solve


def pool_and_plan(night: Night, seconds: float) -> tuple[RoutePool, Plan]:
    """One solve's pool (the best plan's routes in it) and its plan before recombination."""
    caught: list[tuple[RoutePool, Plan]] = []
    recombined = solver._recombined

    def catching(
        night: Night, plan: Plan, pool: RoutePool, options: SolveOptions, began: float
    ) -> Plan:
        pool.add_routes(plan.routes)
        caught.append((pool, plan))
        return recombined(night, plan, pool, options, began)

    solver._recombined = catching
    try:
        solve(night, SolveOptions(time_limit=seconds, recombine_routes=True))
    finally:
        solver._recombined = recombined
    return caught[0]


def with_left_out_calls(night: Night, pool: RoutePool, plan: Plan) -> RoutePool:
    """The pool and, per pooled route, each left-out call inserted where the crew can do it."""
    on_route = {v.call_id for r in plan.routes for v in r.visits}
    left = [c for c in night.calls if c.id not in on_route]
    larger = RoutePool.for_night(night)
    larger.merge(pool)
    for route in pool.routes:
        crew = night.crew(route.crew_id)
        calls = [night.call(c) for c in route.call_ids]
        for call in left:
            if not call.crew_can_take(crew):
                continue
            for at in range(len(calls) + 1):
                if at > 0 and route.starts[at - 1] > call.latest:
                    continue
                if at < len(calls) and route.starts[at] < call.earliest:
                    continue
                order = [*calls[:at], call, *calls[at:]]
                timed = earliest_schedule(night, crew, order)
                if timed is not None:
                    larger.add(crew.id, [c.id for c in order], [v.start for v in timed.visits])
    return larger


def covering_bound(night: Night, pool: RoutePool) -> tuple[int, int, int]:
    """The fewest calls left out (critical, standard, optional) by one pooled route per crew
    when a call may be on several routes and links are ignored."""
    routes = pool.routes
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"route {i}") for i in range(len(routes))]
    for crew in night.crews:
        model.add_at_most_one(chosen[i] for i, r in enumerate(routes) if r.crew_id == crew.id)
    served, weights = [], []
    for call in night.calls:
        holding = [chosen[i] for i, r in enumerate(routes) if call.id in r.call_ids]
        if holding:
            on = model.new_bool_var(call.id)
            model.add_bool_or([*holding, on.Not()])
            served.append((call, on))
            weights.append(10 ** (3 * (3 - call.priority.rank)))
    model.maximize(cp_model.LinearExpr.weighted_sum([on for _, on in served], weights))
    search = cp_model.CpSolver()
    search.parameters.max_time_in_seconds = 30
    search.solve(model)
    got = {call.id for call, on in served if search.boolean_value(on)}
    left = [0, 0, 0]
    for call in night.calls:
        if call.id not in got:
            left[call.priority.rank] += 1
    return left[0], left[1], left[2]


def main() -> None:
    """Print one row per night: the plan, the pool and what each choice from it scores."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="1,2,3,5,11")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--crews", type=int, default=3)
    args = parser.parse_args()
    print(
        "| seed | plan (crit,std,opt,travel s) | pool | CP-SAT choice (s) "
        "| pool with left-out calls inserted | its choice | covering bound |"
    )
    print("|---|---|---|---|---|---|---|")
    for seed in (int(s) for s in args.seeds.split(",")):
        night = read_problem(generate_night(calls=args.calls, crews=args.crews, seed=seed))
        pool, plan = pool_and_plan(night, args.seconds)
        crew_ids = [r.crew_id for r in plan.routes]
        began = time.perf_counter()
        choice = recombine(night, pool, crew_ids, seconds=1.0, hint=hint_from_plan(plan))
        took = time.perf_counter() - began
        larger = with_left_out_calls(night, pool, plan)
        larger_choice = recombine(night, larger, crew_ids, seconds=5.0, hint=hint_from_plan(plan))
        print(
            f"| {seed} | {plan_score(night, plan)} | {len(pool)} "
            f"| {choice.score if choice else None} ({took:.2f}) | {len(larger)} "
            f"| {larger_choice.score if larger_choice else None} "
            f"| {covering_bound(night, larger)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
