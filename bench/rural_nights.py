"""Generated rural nights of 20, 50, 150 and 300 calls: first plan, travel over time, memory.

Each (size, time limit) runs in a fresh process so peak memory (max RSS) is its own. Reports
figures and never fails. Usage:

    .venv/bin/python -m bench.rural_nights [--sizes 20,50,150,300] [--limits 2,10,60]
        [--seeds 11] [--seeding auto] [--repair-share 0.35] [--out bench/results/rural-nights.md]

`--repair-share` keeps that share of each limit for the solver's repair phase
(`SolveOptions.repair_share`; without it the solver's default: 35 % over 60 calls).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from routing.problem_file import read_problem
from routing.rural_night import generate_night
from routing.solver import SolveOptions, solve
from routing.validate import check_plan, score_plan


def crews_for(calls: int) -> int:
    """Crews for a night of this many calls: about one per 16 calls, 3 for a typical 50."""
    return max(1, round(calls / 16))


def _run(
    calls: int, limit: float, seed: int, seeding: str, repair_share: float | None = None
) -> dict[str, object]:
    began = time.perf_counter()
    night = read_problem(generate_night(calls=calls, crews=crews_for(calls), seed=seed))
    read_seconds = time.perf_counter() - began
    options = SolveOptions(time_limit=limit, seeding=seeding, repair_share=repair_share)
    plan = solve(night, options)
    score = score_plan(night, plan)
    return {
        "calls": calls,
        "crews": len(night.crews),
        "limit": limit,
        "seed": seed,
        "repair_share": repair_share,
        "read_s": round(read_seconds, 3),
        "first_s": round(plan.stats.first_solution_seconds or -1.0, 3),
        "solve_s": round(plan.stats.solve_seconds, 2),
        "unassigned": [
            score.critical_unassigned,
            score.standard_unassigned,
            score.optional_unassigned,
        ],
        "travel_min": round(score.travel_seconds / 60, 1),
        "violations": len(check_plan(night, plan)),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # The second search's process (forked from this one, so sharing most of its pages).
        "search_child_peak_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "strategy": plan.stats.strategy,
    }


def _run_in_child(args: tuple[int, float, int, str, float | None]) -> dict[str, object]:
    return _run(*args)


def main() -> None:
    """Run the grid of sizes and limits and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20,50,150,300")
    parser.add_argument("--limits", default="2,10,60")
    parser.add_argument("--seeds", default="11")
    parser.add_argument("--seeding", default="auto")
    parser.add_argument("--repair-share", type=float, default=None)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    grid = [
        (int(size), float(limit), int(seed), args.seeding, args.repair_share)
        for size in args.sizes.split(",")
        for seed in args.seeds.split(",")
        for limit in args.limits.split(",")
    ]
    lines = [
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"python={platform.python_version()} seeding={args.seeding} "
        f"repair_share={'default' if args.repair_share is None else args.repair_share} "
        f"load={os.getloadavg()[0]:.1f}",
        "",
        "| calls | crews | limit s | first plan s | unassigned (crit/std/opt) | travel min "
        "| violations | peak MB | second search peak MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    # A fresh, non-daemonic process per case: the solve may fork its second search there,
    # as `nightcare solve` does (a multiprocessing.Pool worker would search alone).
    context = multiprocessing.get_context("spawn")
    for case in grid:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            row = pool.submit(_run_in_child, case).result()
        print(json.dumps(row), flush=True)
        lines.append(
            f"| {row['calls']} | {row['crews']} | {row['limit']:g} | {row['first_s']} "
            f"| {row['unassigned']} | {row['travel_min']} | {row['violations']} "
            f"| {row['peak_mb']} | {row['search_child_peak_mb']} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
