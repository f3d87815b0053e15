"""How long an evening's publication takes: N areas of M calls solved by W worker processes.

Only the solve part is measured here (the part that takes the time): each area's night is a
generated rural night (`routing.rural_night.generate_night`, a different seed per area) solved
with `routing.solver.solve` at a fixed time limit in a `ProcessPoolExecutor`, as the scheduler
does. Building each night from the database and writing the plan take milliseconds beside it.
Prints one Markdown row per worker count. Never fails.

    .venv/bin/python -m bench.evening [--areas 40] [--calls 50] [--crews 3] [--seconds 2]
                                      [--workers 1,2]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from routing.problem_file import read_problem
from routing.rural_night import generate_night
from routing.solver import SolveOptions, solve


def solve_area(problem: dict[str, Any], seconds: float) -> tuple[float, int]:
    """Solve one area's night: (solve seconds, unassigned calls)."""
    night = read_problem(problem)
    plan = solve(night, SolveOptions(time_limit=seconds))
    return plan.stats.solve_seconds, len(plan.unassigned)


def evening_seconds(
    problems: list[dict[str, Any]], seconds: float, workers: int
) -> tuple[float, float, int]:
    """(wall seconds, longest single area, unassigned calls in all) of one evening."""
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(solve_area, problems, [seconds] * len(problems)))
    wall = time.perf_counter() - began
    return wall, max(r[0] for r in results), sum(r[1] for r in results)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=40)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--crews", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args(argv)
    problems = [
        generate_night(calls=args.calls, crews=args.crews, seed=seed, name=f"area-{seed}")
        for seed in range(1, args.areas + 1)
    ]
    print(f"{args.areas} areas × {args.calls} calls, {args.crews} crews, {args.seconds} s each")
    print()
    print("| workers | evening wall s | longest area s | unassigned (all areas) |")
    print("|---|---|---|---|")
    for workers in (int(w) for w in args.workers.split(",")):
        wall, longest, unassigned = evening_seconds(problems, args.seconds, workers)
        print(f"| {workers} | {wall:.1f} | {longest:.2f} | {unassigned} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
