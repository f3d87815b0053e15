"""The compiled ruin-and-recreate search alone, many seeds a night: how often it ends well.

A night's good plans can lie far apart, so one run says little: this runs the search (one
thread, as each of the solver's searches) from many seeds on generated nights, two processes
at a time, and reports per night the runs leaving out the fewest calls, their travel (best,
median, mean, worst) and how many came within 1 % of a given travel. Reports figures and
never fails. Usage:

    .venv/bin/python -m bench.search_alone [--nights 1,2,3,5,11] [--calls 50] [--crews 3]
        [--seconds 1.7] [--seeds 32] [--first-seed 8000] [--tuning '{"restart_seconds": 0}']
        [--within 11=492.3] [--each]

`--tuning` sets fields of `routing.ruin_and_recreate.SearchTuning` (JSON); `--within`
night=minutes pairs give the travel a run must come within 1 % of to count as a hit.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from routing.problem_file import read_problem
from routing.ruin_and_recreate import SearchTuning, _plan_key, ruin_and_recreate
from routing.rural_night import generate_night
from routing.solver import _drop_penalties


def _run(
    night_seed: int, calls: int, crews: int, seconds: float, seed: int, tuning: dict[str, Any]
) -> tuple[int, tuple[int, ...], float]:
    night = read_problem(generate_night(calls=calls, crews=crews, seed=night_seed))
    penalties = _drop_penalties(night, night.calls)
    outcome = ruin_and_recreate(night, seconds, seed, penalties, tuning=SearchTuning(**tuning))
    on_routes = {c for call_ids in outcome.routes.values() for c in call_ids}
    left_out = [0, 0, 0]
    for call in night.calls:
        if call.id not in on_routes:
            left_out[call.priority.rank] += 1
    _dropped, travel = _plan_key(night, penalties, frozenset(), outcome)
    return night_seed, tuple(left_out), round(travel / 60, 1)


def main() -> None:
    """Run every (night, seed) and print a line per night."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nights", default="1,2,3,5,11")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--crews", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.7)
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument("--first-seed", type=int, default=8000)
    parser.add_argument("--tuning", default="{}")
    parser.add_argument("--within", default="11=492.3")
    parser.add_argument("--each", action="store_true", help="also list every run's result")
    args = parser.parse_args()
    nights = [int(n) for n in args.nights.split(",")]
    tuning: dict[str, Any] = json.loads(args.tuning)
    targets = {
        int(night): float(minutes)
        for night, minutes in (pair.split("=") for pair in args.within.split(",") if pair)
    }
    jobs = [
        (night, args.calls, args.crews, args.seconds, args.first_seed + k, tuning)
        for night in nights
        for k in range(args.seeds)
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_run, *zip(*jobs, strict=True)))
    by_night: dict[int, list[tuple[tuple[int, ...], float]]] = defaultdict(list)
    for night, left_out, travel in results:
        by_night[night].append((left_out, travel))
    print(
        f"machine: {platform.machine()} python={platform.python_version()}; {args.calls} calls,"
        f" {args.crews} crews, {args.seconds} s a run, seeds {args.first_seed}-"
        f"{args.first_seed + args.seeds - 1}, tuning {tuning}"
    )
    for night in nights:
        runs = by_night[night]
        fewest = min(left_out for left_out, _ in runs)
        travels = sorted(travel for left_out, travel in runs if left_out == fewest)
        line = (
            f"night {night}: fewest left out {fewest} in {len(travels)}/{len(runs)};"
            f" travel best {travels[0]} median {statistics.median(travels)}"
            f" mean {statistics.mean(travels):.1f} worst {travels[-1]}"
        )
        if night in targets:
            hits = sum(1 for t in travels if t <= targets[night] * 1.01)
            line += f"; within 1 % of {targets[night]}: {hits}/{len(runs)}"
        print(line, flush=True)
        if args.each:
            print("  runs: " + ", ".join(f"{left_out} {travel}" for left_out, travel in runs))


if __name__ == "__main__":
    main()
