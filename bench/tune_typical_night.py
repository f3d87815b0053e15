"""Tune the search for the typical night: 50 calls, 3 crews, 2 seconds against 60 seconds.

Issue 2's target: in 2 s, a plan that leaves out no more calls of each priority than the
60-second plan (judged lexicographically: critical, standard, optional) with travel within 1 %.
The 60-second reference runs once per seed and is cached in `--reference`; each candidate
configuration then runs at `--seconds` on every seed, each run in a fresh process. A candidate
is named in CANDIDATES: SolveOptions fields plus OR-Tools search parameters (protobuf text)
laid over what `routing.solver` would use. Reports figures and never fails. Usage:

    .venv/bin/python -m bench.tune_typical_night [--seeds 1,2,3,5,11] [--seconds 2]
        [--candidates default,ils] [--reference bench/results/tune-reference-60s.json]
        [--reference-seconds 60] [--out bench/results/tune-typical-night.md] [--cpu-clock]
        [--repeats 3 --solve-seeds]

`--cpu-clock` gives each one-worker candidate its limit in CPU seconds of its own process,
so that candidates compare alike on a busy machine (the reference stays 60 wall seconds);
`--best-of A+B` adds the better plan of A and B per night, what two workers on cores of their
own would keep. The default's two searches, so measured:

    .venv/bin/python -m bench.tune_typical_night --cpu-clock --seconds 1.95 --processes 2
        --candidates one-worker-close-nodes-lns,one-worker-pyvrp-close-nodes-lns-15
        --best-of one-worker-close-nodes-lns+one-worker-pyvrp-close-nodes-lns-15
        --reference bench/results/tune-reference-60s-two-workers.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.problem_file import read_problem
from routing.rural_night import generate_night
from routing.validate import check_plan, score_plan


@dataclass(frozen=True)
class Candidate:
    """A search configuration: SolveOptions fields and OR-Tools parameters (protobuf text)."""

    options: dict[str, Any] = field(default_factory=dict)
    parameters: str = ""


_EXTRA_OPERATORS = (
    "local_search_operators { use_relocate_neighbors: BOOL_TRUE use_cross_exchange: BOOL_TRUE "
    "use_extended_swap_active: BOOL_TRUE use_exchange_and_make_active: BOOL_TRUE "
    "use_relocate_and_make_active: BOOL_TRUE use_inactive_lns: BOOL_TRUE "
    "use_path_lns: BOOL_TRUE }"
)
_INSERTION_OPERATORS = (
    "local_search_operators { use_extended_swap_active: BOOL_TRUE "
    "use_exchange_and_make_active: BOOL_TRUE use_relocate_and_make_active: BOOL_TRUE }"
)
_ILS = (
    "local_search_metaheuristic: GUIDED_LOCAL_SEARCH use_iterated_local_search: true "
    "iterated_local_search_parameters { perturbation_strategy: RUIN_AND_RECREATE "
    "ruin_recreate_parameters { "
    "ruin_strategies { spatially_close_routes { num_ruined_routes: 2 } } "
    "recreate_strategy { heuristic: LOCAL_CHEAPEST_INSERTION } } "
    "improve_perturbed_solution: true "
    "reference_solution_acceptance_strategy { simulated_annealing { "
    "cooling_schedule_strategy: EXPONENTIAL automatic_temperatures: true } } "
    "best_solution_acceptance_strategy { greedy_descent {} } }"
)

CANDIDATES: dict[str, Candidate] = {
    "default": Candidate(),
    # Two searches whatever the load (the default runs one on a busy machine).
    "two-workers-always": Candidate({"workers": 2}),
    # The default before bandit-chosen operators (commit 3171f68).
    "fixed-operators": Candidate(parameters="use_multi_armed_bandit_concatenate_operators: false"),
    "gls-lambda-0.05": Candidate(parameters="guided_local_search_lambda_coefficient: 0.05"),
    "gls-lambda-0.3": Candidate(parameters="guided_local_search_lambda_coefficient: 0.3"),
    "gls-lambda-0.6": Candidate(parameters="guided_local_search_lambda_coefficient: 0.6"),
    "gls-lambda-1.0": Candidate(parameters="guided_local_search_lambda_coefficient: 1.0"),
    "gls-lambda-2.0": Candidate(parameters="guided_local_search_lambda_coefficient: 2.0"),
    "extra-operators": Candidate(parameters=_EXTRA_OPERATORS),
    "insertion-operators": Candidate(parameters=_INSERTION_OPERATORS),
    "local-cheapest-insertion": Candidate({"first_solution": "local-cheapest-insertion"}),
    "sequential-cheapest-insertion": Candidate({"first_solution": "sequential-cheapest-insertion"}),
    "local-cheapest-cost-insertion": Candidate(
        parameters="first_solution_strategy: LOCAL_CHEAPEST_COST_INSERTION"
    ),
    "best-insertion": Candidate(parameters="first_solution_strategy: BEST_INSERTION"),
    "all-unperformed": Candidate(parameters="first_solution_strategy: ALL_UNPERFORMED"),
    # These two set `use_iterated_local_search` in the parameters only, which OR-Tools ignores
    # outside RoutingModel.SolveWithIteratedLocalSearch: they ran GLS and greedy descent.
    "ils": Candidate(parameters=_ILS),
    "ils-greedy": Candidate(parameters=_ILS.replace("GUIDED_LOCAL_SEARCH", "GREEDY_DESCENT")),
    # OR-Tools' iterated local search for real (routing.solver.ITERATED_LOCAL_SEARCH).
    "one-worker-ils": Candidate({"workers": 1, "metaheuristic": "iterated-local-search"}),
    "one-worker-ils-close-nodes-lns": Candidate(
        {"workers": 1, "metaheuristic": "iterated-local-search", "insertion_lns": True}
    ),
    "gls-no-reset": Candidate(
        parameters="guided_local_search_reset_penalties_on_new_best_solution: false"
    ),
    # The compiled ruin-and-recreate search (routing/ruin_and_recreate.py) for that share of
    # the limit, then OR-Tools' GLS from its routes.
    "one-worker-ruin-and-recreate": Candidate(
        {"workers": 1, "seeding": "ruin-and-recreate", "seeding_share": 0.85}
    ),
    "one-worker-ruin-and-recreate-0.7": Candidate(
        {"workers": 1, "seeding": "ruin-and-recreate", "seeding_share": 0.7}
    ),
    "one-worker-ruin-and-recreate-0.5": Candidate(
        {"workers": 1, "seeding": "ruin-and-recreate", "seeding_share": 0.5}
    ),
    "one-worker-ruin-and-recreate-0.95": Candidate(
        {"workers": 1, "seeding": "ruin-and-recreate", "seeding_share": 0.95}
    ),
    "one-worker-ruin-and-recreate-seed-1": Candidate(
        {"workers": 1, "seeding": "ruin-and-recreate", "seeding_share": 0.85, "seed": 1}
    ),
    # The default before two workers (one search, no close-nodes LNS, no PyVRP start).
    "one-worker": Candidate({"workers": 1}),
    "one-worker-close-nodes-lns": Candidate({"workers": 1, "insertion_lns": True}),
    "one-worker-pyvrp-close-nodes-lns": Candidate(
        {"workers": 1, "seeding": "pyvrp", "seeding_share": 0.3, "insertion_lns": True}
    ),
    # The second search of the default since 2026-11-26 21:00 (the LNS takes out 15 calls).
    "one-worker-pyvrp-close-nodes-lns-15": Candidate(
        {
            "workers": 1,
            "seeding": "pyvrp",
            "seeding_share": 0.3,
            "insertion_lns": True,
            "insertion_lns_calls": 15,
        }
    ),
    "one-worker-pyvrp-close-nodes-lns-20": Candidate(
        {
            "workers": 1,
            "seeding": "pyvrp",
            "seeding_share": 0.3,
            "insertion_lns": True,
            "insertion_lns_calls": 20,
        }
    ),
    # Each search without the repair phase (the default before 2026-11-26 23:20, and on nights
    # of up to 60 calls still) and with it in its last 35 % (the default on bigger nights).
    "one-worker-close-nodes-lns-no-repair": Candidate(
        {"workers": 1, "insertion_lns": True, "repair_share": 0.0}
    ),
    "one-worker-pyvrp-close-nodes-lns-15-no-repair": Candidate(
        {
            "workers": 1,
            "seeding": "pyvrp",
            "seeding_share": 0.3,
            "insertion_lns": True,
            "insertion_lns_calls": 15,
            "repair_share": 0.0,
        }
    ),
    # Search 1 with a first plan that inserts the calls fewest crews can take first, most
    # valuable first among them, instead of by cost (2026-11-27, seed 11's v-026b).
    "one-worker-lci-restricted-first-close-nodes-lns": Candidate(
        {"workers": 1, "insertion_lns": True, "first_solution": "local-cheapest-insertion"},
        "local_cheapest_insertion_parameters { "
        "insertion_sorting_properties: SORTING_PROPERTY_ALLOWED_VEHICLES "
        "insertion_sorting_properties: SORTING_PROPERTY_PENALTY }",
    ),
    "one-worker-lci-penalty-per-crew-close-nodes-lns": Candidate(
        {"workers": 1, "insertion_lns": True, "first_solution": "local-cheapest-insertion"},
        "local_cheapest_insertion_parameters { "
        "insertion_sorting_properties: SORTING_PROPERTY_PENALTY_OVER_ALLOWED_VEHICLES_RATIO }",
    ),
    "one-worker-close-nodes-lns-repair": Candidate(
        {"workers": 1, "insertion_lns": True, "repair_share": 0.35}
    ),
    "one-worker-close-nodes-lns-repair-0.5": Candidate(
        {"workers": 1, "insertion_lns": True, "repair_share": 0.5}
    ),
    "one-worker-close-nodes-lns-repair-0.65": Candidate(
        {"workers": 1, "insertion_lns": True, "repair_share": 0.65}
    ),
    "one-worker-pyvrp-close-nodes-lns-15-repair": Candidate(
        {
            "workers": 1,
            "seeding": "pyvrp",
            "seeding_share": 0.3,
            "insertion_lns": True,
            "insertion_lns_calls": 15,
            "repair_share": 0.35,
        }
    ),
    "one-worker-pyvrp": Candidate({"workers": 1, "seeding": "pyvrp", "seeding_share": 0.3}),
    "one-worker-pyvrp-0.5-close-nodes-lns": Candidate(
        {"workers": 1, "seeding": "pyvrp", "seeding_share": 0.5, "insertion_lns": True}
    ),
    "one-worker-pyvrp-seed-1-close-nodes-lns": Candidate(
        {"workers": 1, "seeding": "pyvrp", "seeding_share": 0.3, "insertion_lns": True, "seed": 1}
    ),
    "one-worker-pyvrp-close-nodes-lns-gls-lambda-1.0": Candidate(
        {"workers": 1, "seeding": "pyvrp", "seeding_share": 0.3, "insertion_lns": True},
        "guided_local_search_lambda_coefficient: 1.0",
    ),
    "one-worker-close-nodes-lns-gls-lambda-1.0": Candidate(
        {"workers": 1, "insertion_lns": True}, "guided_local_search_lambda_coefficient: 1.0"
    ),
    "one-worker-gls-lambda-1.0": Candidate(
        {"workers": 1}, "guided_local_search_lambda_coefficient: 1.0"
    ),
    "close-nodes-lns": Candidate(
        parameters="local_search_operators { use_global_cheapest_insertion_close_nodes_lns: "
        "BOOL_TRUE use_local_cheapest_insertion_close_nodes_lns: BOOL_TRUE }"
    ),
    "close-nodes-lns-10": Candidate(
        parameters="local_search_operators { use_global_cheapest_insertion_close_nodes_lns: "
        "BOOL_TRUE use_local_cheapest_insertion_close_nodes_lns: BOOL_TRUE } "
        "heuristic_close_nodes_lns_num_nodes: 10"
    ),
    "expensive-chain-lns": Candidate(
        parameters="local_search_operators { "
        "use_global_cheapest_insertion_expensive_chain_lns: BOOL_TRUE "
        "use_local_cheapest_insertion_expensive_chain_lns: BOOL_TRUE }"
    ),
    "bandit-operators": Candidate(parameters="use_multi_armed_bandit_concatenate_operators: true"),
    "bandit-close-nodes-lns-10": Candidate(
        parameters="use_multi_armed_bandit_concatenate_operators: true "
        "local_search_operators { use_global_cheapest_insertion_close_nodes_lns: "
        "BOOL_TRUE use_local_cheapest_insertion_close_nodes_lns: BOOL_TRUE } "
        "heuristic_close_nodes_lns_num_nodes: 10"
    ),
    "bandit-gls-lambda-0.3": Candidate(
        parameters="use_multi_armed_bandit_concatenate_operators: true "
        "guided_local_search_lambda_coefficient: 0.3"
    ),
    "bandit-exploration-1e3": Candidate(
        parameters="use_multi_armed_bandit_concatenate_operators: true "
        "multi_armed_bandit_compound_operator_exploration_coefficient: 1000"
    ),
    "bandit-memory-0.2": Candidate(
        parameters="use_multi_armed_bandit_concatenate_operators: true "
        "multi_armed_bandit_compound_operator_memory_coefficient: 0.2"
    ),
    "gls-penalties-in-operators": Candidate(
        parameters="use_guided_local_search_penalties_in_local_search_operators: true"
    ),
    "gls-then-sa": Candidate(
        parameters="local_search_metaheuristics: GUIDED_LOCAL_SEARCH "
        "local_search_metaheuristics: SIMULATED_ANNEALING "
        "num_max_local_optima_before_metaheuristic_switch: 50"
    ),
    "gls-then-tabu": Candidate(
        parameters="local_search_metaheuristics: GUIDED_LOCAL_SEARCH "
        "local_search_metaheuristics: TABU_SEARCH "
        "num_max_local_optima_before_metaheuristic_switch: 50"
    ),
    "neighbors-0.2": Candidate(
        parameters="ls_operator_neighbors_ratio: 0.2 ls_operator_min_neighbors: 8"
    ),
    "neighbors-0.35": Candidate(
        parameters="ls_operator_neighbors_ratio: 0.35 ls_operator_min_neighbors: 10"
    ),
    "neighbors-0.5": Candidate(
        parameters="ls_operator_neighbors_ratio: 0.5 ls_operator_min_neighbors: 10"
    ),
    "lns-time-20ms": Candidate(parameters="lns_time_limit { nanos: 20000000 }"),
}


def _apply_candidate(candidate: Candidate) -> None:
    """Lay the candidate's OR-Tools parameters over the solver's own (in this process only)."""
    if not candidate.parameters:
        return
    from google.protobuf import text_format  # type: ignore[import-untyped]

    import routing.solver as solver

    original = solver._search_parameters

    def tuned(options: Any, time_limit: float, **keywords: Any) -> Any:
        parameters = original(options, time_limit, **keywords)
        text_format.Merge(candidate.parameters, parameters)
        return parameters

    solver._search_parameters = tuned


def _use_cpu_clock() -> None:
    """Make the solver's limits CPU seconds of this process instead of wall seconds.

    On a shared machine a 2 s wall limit buys anything from 0.3 to 2 s of search; on CPU
    seconds a comparison between candidates means the same whatever the load. OR-Tools' own
    limit is wall time, so it is pushed far out and a search limit on CPU time stops it.
    One search per process only (a second worker's CPU is not counted): `workers` must be 1.
    """
    import routing.diagnosis as diagnosis
    import routing.relaxed_seed as relaxed_seed
    import routing.solver as solver

    cpu_clock = type("CpuClock", (), {"perf_counter": staticmethod(time.process_time)})
    solver.time = cpu_clock()
    diagnosis.time = cpu_clock()  # its deadline is the solver's
    original_parameters = solver._search_parameters
    original_watch = solver._SearchWatch.stalled
    original_solve_once = solver._solve_once

    def parameters(options: Any, time_limit: float, **keywords: Any) -> Any:
        tuned = original_parameters(options, time_limit, **keywords)
        tuned.time_limit.FromMilliseconds(int(max(time_limit, 0.05) * 20_000))
        return tuned

    def stalled(watch: Any) -> bool:
        # The solver's clock is this process's CPU clock here, so its own end of the search
        # (before explaining; see _SearchWatch.stalled for the repair phase's) is too.
        return time.process_time() > watch.search_ends or bool(original_watch(watch))

    def solve_once(night: Any, options: Any, progress: Any, began: float) -> Any:
        from dataclasses import replace

        if options.stall_seconds is None:  # the CPU limit rides on the stall limit's monitor
            options = replace(options, stall_seconds=1e9)
        return original_solve_once(night, options, progress, began)

    class CpuRuntime:
        """PyVRP's MaxRuntime on this process's CPU seconds (the PyVRP start's share)."""

        def __init__(self, max_runtime: float) -> None:
            self.max_runtime = max_runtime
            self.began: float | None = None

        def __call__(self, best_cost: float) -> bool:
            if self.began is None:
                self.began = time.process_time()
            return time.process_time() - self.began > self.max_runtime

    relaxed_seed.MaxRuntime = CpuRuntime  # type: ignore[misc,assignment]
    solver._search_parameters = parameters
    solver._SearchWatch.stalled = stalled  # type: ignore[method-assign,assignment]
    solver._solve_once = solve_once


def _run(
    name: str,
    seed: int,
    limit: float,
    calls: int,
    crews: int,
    cpu_clock: bool = False,
    solve_seed: int = 0,
) -> dict[str, Any]:
    from routing.solver import SolveOptions, solve

    candidate = CANDIDATES[name]
    _apply_candidate(candidate)
    if cpu_clock:
        if candidate.options.get("workers") != 1:
            raise ValueError(f"--cpu-clock measures one search: {name} runs more than one")
        _use_cpu_clock()
    night = read_problem(generate_night(calls=calls, crews=crews, seed=seed))
    began = time.perf_counter()
    cpu_began = time.process_time()
    plan = solve(night, SolveOptions(time_limit=limit, seed=solve_seed, **candidate.options))
    wall = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    score = score_plan(night, plan)
    return {
        "candidate": name,
        "seed": seed,
        "solve_seed": solve_seed,
        "limit": limit,
        "calls": calls,
        "crews": crews,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "load": round(os.getloadavg()[0], 1),
        "clock": "cpu" if cpu_clock else "wall",
        "unassigned": [
            score.critical_unassigned,
            score.standard_unassigned,
            score.optional_unassigned,
        ],
        "travel_s": score.travel_seconds,
        "violations": len(check_plan(night, plan)),
        "strategy": plan.stats.strategy,
    }


_Case = tuple[str, int, float, int, int, bool, int]


def _run_in_child(args: _Case, custom: str = "") -> dict[str, Any]:
    if custom:
        CANDIDATES["custom"] = Candidate(parameters=custom)
    return _run(*args)


def _fresh_process(args: _Case) -> dict[str, Any]:
    # Not a multiprocessing.Pool: its daemonic workers could not start a two-worker solve.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        row: dict[str, Any] = pool.submit(
            _run_in_child, args, CANDIDATES["custom"].parameters if "custom" in CANDIDATES else ""
        ).result()
    print(json.dumps(row), flush=True)
    return row


def meets_target(row: dict[str, Any], reference: dict[str, Any], tolerance: float) -> bool:
    """No more calls left out at any priority than the reference, and travel within tolerance."""
    if row["violations"]:
        return False
    ours, theirs = row["unassigned"], reference["unassigned"]
    if ours != theirs:
        # Lexicographic: fewer left out at the first priority that differs wins outright.
        return bool(ours < theirs)
    return bool(row["travel_s"] <= reference["travel_s"] * (1 + tolerance))


def reference_key(calls: int, crews: int, seed: int, seconds: float) -> str:
    """Where a reference file keeps the plan of one generated night at one limit."""
    return f"{calls}x{crews}:{seed}:{seconds:g}"


def _reference(
    path: Path, seeds: list[int], seconds: float, calls: int, crews: int
) -> dict[int, dict[str, Any]]:
    cached: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}
    for seed in seeds:
        key = reference_key(calls, crews, seed, seconds)
        if key not in cached:
            cached[key] = _fresh_process(("default", seed, seconds, calls, crews, False, 0))
            print("reference", json.dumps(cached[key]), flush=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(cached, indent=1) + "\n")
    return {seed: cached[reference_key(calls, crews, seed, seconds)] for seed in seeds}


def _cell(row: dict[str, Any], reference: dict[str, Any], tolerance: float) -> str:
    crit, std, opt = row["unassigned"]
    gap = 100 * (row["travel_s"] / reference["travel_s"] - 1) if reference["travel_s"] else 0.0
    mark = "✓" if meets_target(row, reference, tolerance) else "✗"
    return f"{mark} ({crit},{std},{opt}) {row['travel_s'] / 60:.1f} ({gap:+.1f}%)"


def _totals_table(
    names: list[str],
    rows: list[dict[str, Any]],
    references: dict[int, dict[str, Any]],
    tolerance: float,
    seeds: int,
) -> str:
    """Per candidate over every run: calls left out by priority, runs meeting the target."""
    runs = len(rows) // len(names)
    reference = [
        sum(r["unassigned"][i] for r in references.values()) * runs // seeds for i in range(3)
    ]
    lines = [
        f"| candidate ({runs} runs) | left out (crit,std,opt) | met | mean travel min |",
        "|---|---|---|---|",
        f"| reference (same seeds) | {tuple(reference)} | | |",
    ]
    for name in names:
        own = [r for r in rows if r["candidate"] == name]
        left = tuple(sum(r["unassigned"][i] for r in own) for i in range(3))
        met = sum(meets_target(r, references[r["seed"]], tolerance) for r in own)
        travel = sum(r["travel_s"] for r in own) / len(own) / 60
        lines.append(f"| {name} | {left} | {met}/{len(own)} | {travel:.1f} |")
    return "\n".join(lines)


def main() -> None:
    """Run every candidate on every seed and print a markdown table against the reference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="1,2,3,5,11")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--candidates", default="default")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--crews", type=int, default=3)
    parser.add_argument("--reference", default="bench/results/tune-reference-60s.json")
    parser.add_argument("--reference-seconds", type=float, default=60.0)
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each candidate and seed")
    parser.add_argument(
        "--solve-seeds",
        action="store_true",
        help="repeat k solves with seed k (else every repeat with the solver's default, 0, "
        "and runs differ only as the machine's timing does)",
    )
    parser.add_argument(
        "--parameters", default="", help="OR-Tools parameters (protobuf text) as candidate 'custom'"
    )
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--best-of",
        default="",
        help="rows for the better plan of candidates run apart, e.g. A+B (as two workers would "
        "keep with --cpu-clock); comma-separated, each name also in --candidates",
    )
    parser.add_argument(
        "--cpu-clock",
        action="store_true",
        help="limits in CPU seconds of the solving process (one-worker candidates only)",
    )
    args = parser.parse_args()
    if args.parameters:
        CANDIDATES["custom"] = Candidate(parameters=args.parameters)
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.candidates.split(",")
    combined = {part for c in filter(None, args.best_of.split(",")) for part in c.split("+")}
    if combined - set(names):
        parser.error(f"--best-of names candidates not run: {', '.join(combined - set(names))}")
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidates: {', '.join(unknown)}; known: {', '.join(CANDIDATES)}")
    references = _reference(
        Path(args.reference), seeds, args.reference_seconds, args.calls, args.crews
    )
    # Candidates take turns within each repeat, so a busy spell on the machine hits them alike.
    cases = [
        (n, s, args.seconds, args.calls, args.crews, args.cpu_clock, k if args.solve_seeds else 0)
        for k in range(args.repeats)
        for n in names
        for s in seeds
    ]
    if args.processes > 1:
        with ThreadPoolExecutor(max_workers=args.processes) as pool:
            rows = list(pool.map(_fresh_process, cases))
    else:
        rows = [_fresh_process(case) for case in cases]
    header = " | ".join(f"seed {s}" for s in seeds)
    lines = [
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()} "
        f"load={os.getloadavg()[0]:.1f}; {args.calls} calls, {args.crews} crews, "
        f"{args.seconds:g} {'CPU ' if args.cpu_clock else ''}s against "
        f"{args.reference_seconds:g} s; cell: target met, "
        "unassigned (crit,std,opt), travel min (gap to reference)",
        "",
        f"| candidate | {header} | met |",
        "|---" * (len(seeds) + 2) + "|",
        "| reference "
        + "".join(
            f"| ({','.join(map(str, references[s]['unassigned']))}) "
            f"{references[s]['travel_s'] / 60:.1f} "
            for s in seeds
        )
        + "| |",
    ]
    for name in names:
        by_seed = {r["seed"]: r for r in rows if r["candidate"] == name}
        met = sum(meets_target(by_seed[s], references[s], args.tolerance) for s in seeds)
        cells = " | ".join(_cell(by_seed[s], references[s], args.tolerance) for s in seeds)
        lines.append(f"| {name} | {cells} | {met}/{len(seeds)} |")
    for combination in filter(None, args.best_of.split(",")):
        parts = combination.split("+")
        best = {
            s: min(
                (r for r in rows if r["candidate"] in parts and r["seed"] == s),
                key=lambda r: (*r["unassigned"], r["travel_s"]),
            )
            for s in seeds
        }
        met = sum(meets_target(best[s], references[s], args.tolerance) for s in seeds)
        cells = " | ".join(_cell(best[s], references[s], args.tolerance) for s in seeds)
        lines.append(f"| best of {' and '.join(parts)} | {cells} | {met}/{len(seeds)} |")
    if args.repeats > 1:
        lines += ["", _totals_table(names, rows, references, args.tolerance, len(seeds))]
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with Path(args.out).open("a") as out:
            out.write(table + "\n\n")


if __name__ == "__main__":
    main()
