"""The compiled ruin-and-recreate search alone, many seeds a night: how often it ends well.

A night's good plans can lie far apart, so one run says little: this runs the search (one
thread, as each of the solver's searches) from many seeds on generated nights, two processes
at a time, and reports per night the runs leaving out the fewest calls, their travel (best,
median, mean, worst) and how many came within 1 % of a given travel. Reports figures and
never fails. Usage:

    .venv/bin/python -m bench.search_alone [--nights 1,2,3,5,11] [--calls 50] [--crews 3]
        [--seconds 1.7] [--seeds 32] [--first-seed 8000] [--tuning '{"restart_seconds": 0}']
        [--within 11=492.3] [--reference bench/results/tune-reference-60s-unseen.json]
        [--each]

`--tuning` sets fields of `routing.ruin_and_recreate.SearchTuning` (JSON); `--within`
night=minutes pairs give the travel a run must come within 1 % of to count as a hit.
`--reference` (a file `bench.tune_typical_night` writes) counts a run as met as that bench
does, against each night's 60 s plan there: no more calls left out at any priority, and
travel within 1 %; it prints the total over the nights too. The nights 101-120 against
their committed reference, 8 seeds each, is the measure the 2026-11-27/28 sessions tuned by:

    .venv/bin/python -m bench.search_alone --nights $(seq -s, 101 120) --seeds 8 \
        --reference bench/results/tune-reference-60s-unseen.json

Each count carries its 95 % interval: two runs of the same code over 160 runs differ by up to
about 10, so a smaller difference between settings is not yet a difference.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench.tune_typical_night import meets_target, reference_key
from routing.problem_file import read_problem
from routing.ruin_and_recreate import SearchTuning, outcome_key, ruin_and_recreate
from routing.rural_night import generate_night
from routing.solver import drop_penalties


def _run(
    night_seed: int, calls: int, crews: int, seconds: float, seed: int, tuning: dict[str, Any]
) -> tuple[int, tuple[int, ...], float]:
    night = read_problem(generate_night(calls=calls, crews=crews, seed=night_seed))
    penalties = drop_penalties(night, night.calls)
    outcome = ruin_and_recreate(night, seconds, seed, penalties, tuning=SearchTuning(**tuning))
    on_routes = {c for call_ids in outcome.routes.values() for c in call_ids}
    left_out = [0, 0, 0]
    for call in night.calls:
        if call.id not in on_routes:
            left_out[call.priority.rank] += 1
    _dropped, travel = outcome_key(night, penalties, frozenset(), outcome)
    return night_seed, tuple(left_out), round(travel / 60, 1)


def _hit_rate_interval(hits: int, runs: int) -> tuple[float, float]:
    """The Wilson score interval (95 %) of a hit rate: two settings whose intervals overlap
    widely have not been told apart (32 runs at 50 % give about 34-66 %)."""
    if runs == 0:
        return 0.0, 1.0
    z = statistics.NormalDist().inv_cdf(0.975)
    rate = hits / runs
    centre = (rate + z * z / (2 * runs)) / (1 + z * z / runs)
    spread = (
        z * math.sqrt(rate * (1 - rate) / runs + z * z / (4 * runs * runs)) / (1 + z * z / runs)
    )
    return max(0.0, centre - spread), min(1.0, centre + spread)


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
    parser.add_argument("--reference", default=None, help="60 s plans to count runs met by")
    parser.add_argument("--each", action="store_true", help="also list every run's result")
    args = parser.parse_args()
    nights = [int(n) for n in args.nights.split(",")]
    tuning: dict[str, Any] = json.loads(args.tuning)
    targets = {
        int(night): float(minutes)
        for night, minutes in (pair.split("=") for pair in args.within.split(",") if pair)
    }
    references: dict[int, dict[str, Any]] = {}
    if args.reference is not None:
        plans = json.loads(Path(args.reference).read_text())
        for night in nights:
            key = reference_key(args.calls, args.crews, night, 60)
            if key in plans:
                references[night] = plans[key]
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
    met_total = runs_total = 0
    for night in nights:
        runs = by_night[night]
        fewest = min(left_out for left_out, _ in runs)
        travels = sorted(travel for left_out, travel in runs if left_out == fewest)
        line = (
            f"night {night}: fewest left out {fewest} in {len(travels)}/{len(runs)};"
            f" travel best {travels[0]} median {statistics.median(travels):.1f}"
            f" mean {statistics.mean(travels):.1f} worst {travels[-1]}"
        )
        if night in targets:
            hits = sum(1 for t in travels if t <= targets[night] * 1.01)
            low, high = _hit_rate_interval(hits, len(runs))
            line += (
                f"; within 1 % of {targets[night]}: {hits}/{len(runs)}"
                f" (95 % interval {low:.0%}-{high:.0%})"
            )
        if night in references:
            met = sum(_met(left_out, travel, references[night]) for left_out, travel in runs)
            met_total += met
            runs_total += len(runs)
            line += f"; met against {args.reference}: {met}/{len(runs)}"
        print(line, flush=True)
        if args.each:
            print("  runs: " + ", ".join(f"{left_out} {travel}" for left_out, travel in runs))
    if references:
        low, high = _hit_rate_interval(met_total, runs_total)
        print(f"met in all: {met_total}/{runs_total} (95 % interval {low:.0%}-{high:.0%})")


def _met(left_out: tuple[int, ...], travel_minutes: float, reference: dict[str, Any]) -> bool:
    """Met as `bench.tune_typical_night` judges a run against its reference plan."""
    row = {"unassigned": list(left_out), "travel_s": travel_minutes * 60, "violations": 0}
    return meets_target(row, reference, 0.01)


if __name__ == "__main__":
    main()
