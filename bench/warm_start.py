"""What a warm start saves: re-planning a night that differs by a few calls.

For each seed: plan a generated night (last night's plan), change it (two calls cancelled, one
new call), then re-plan cold and from last night's plan at several time limits. Reports the
score and how many visits changed crew or moved more than 30 minutes. Never fails.

    .venv/bin/python -m bench.warm_start [--calls 50] [--seeds 1,2,3] [--limits 1,2,5]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from routing.model import Night, Priority
from routing.plan import Plan
from routing.problem_file import read_problem
from routing.rural_night import generate_night
from routing.solver import SolveOptions, solve
from routing.validate import check_plan, score_plan

HALF_HOUR = 1800


def changed_night(night: Night) -> Night:
    """The night with two unlinked calls cancelled and one new standard call 02:00–06:00."""
    linked = {c.id for c in night.calls if c.after is not None}
    linked |= {c.after.call_id for c in night.calls if c.after is not None}
    free = [c for c in night.calls if c.id not in linked]
    gone = {free[0].id, free[len(free) // 2].id}
    extra = replace(
        free[1],
        id="v-new",
        client="p-new",
        earliest=4 * 3600,
        latest=8 * 3600 - free[1].duration,
        priority=Priority.STANDARD,
    )
    calls = (*(c for c in night.calls if c.id not in gone), extra)
    return replace(night, name=f"{night.name}-next", calls=calls)


def moved_visits(before: Plan, after: Plan) -> int:
    """Visits planned in both that changed crew or start more than 30 minutes apart."""
    where = {v.call_id: (r.crew_id, v.start) for r in after.routes for v in r.visits}
    return sum(
        1
        for route in before.routes
        for visit in route.visits
        if visit.call_id in where
        and (
            where[visit.call_id][0] != route.crew_id
            or abs(where[visit.call_id][1] - visit.start) > HALF_HOUR
        )
    )


def main() -> None:
    """Run cold and warm re-plans and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--crews", type=int, default=3)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--limits", default="1,2,5")
    parser.add_argument("--first-limit", type=float, default=10.0)
    args = parser.parse_args()
    print(
        "| seed | start | limit s | first plan s | unassigned | travel min | moved | violations |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for seed in (int(s) for s in args.seeds.split(",")):
        night = read_problem(generate_night(calls=args.calls, crews=args.crews, seed=seed))
        last = solve(night, SolveOptions(time_limit=args.first_limit))
        tonight = changed_night(night)
        hint = replace(last, problem=tonight.name)
        for limit in (float(x) for x in args.limits.split(",")):
            for label, options in (
                ("cold", SolveOptions(time_limit=limit)),
                ("warm", SolveOptions(time_limit=limit, hint=hint)),
            ):
                plan = solve(tonight, options)
                score = score_plan(tonight, plan)
                unassigned = (
                    score.critical_unassigned,
                    score.standard_unassigned,
                    score.optional_unassigned,
                )
                print(
                    f"| {seed} | {label} | {limit:g} | "
                    f"{plan.stats.first_solution_seconds or -1:.3f} | {unassigned} | "
                    f"{score.travel_seconds / 60:.1f} | {moved_visits(last, plan)} | "
                    f"{len(check_plan(tonight, plan))} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
