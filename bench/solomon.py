"""Solomon VRPTW benchmark: the night solver on the 56 instances, gap to the distance-only BKS.

Each instance is solved at a fixed wall time with the given solver options, one instance per
process (`--processes`), and judged by the independent validator, by a real-valued replay of
its routes, and by its real-valued Euclidean length against ``bks_distance_only.csv``. Writes
``bench/results/solomon-<label>.csv`` (one row per instance) and ``.md`` (per-class means).
It reports figures and never fails: an instance that errors gets a row saying so.

    .venv/bin/python -m bench.solomon --seconds 10 --processes 2 --label pci-gls
    .venv/bin/python -m bench.solomon --seeding pyvrp --seeding-share 0.8 --label pyvrp-80
    .venv/bin/python -m bench.solomon --workers 2 --processes 1 --label two-process
    .venv/bin/python -m bench.solomon --instances R101 C1 --seconds 2   # names or classes
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from routing.solomon import (
    DEFAULT_SCALE,
    read_solomon_instance,
    real_time_violations,
    solomon_distance,
    solomon_night,
)
from routing.solver import FIRST_SOLUTION_STRATEGIES, METAHEURISTICS, SEEDINGS, SolveOptions, solve
from routing.validate import check_plan

SOLOMON_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "solomon"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
CLASSES = ("R1", "R2", "C1", "C2", "RC1", "RC2")


@dataclass(frozen=True, slots=True)
class InstanceResult:
    """One instance's figures; `gap_pct` is None when the plan left calls unassigned."""

    instance: str
    solomon_class: str
    vehicles: int
    distance: float
    bks_distance: float
    gap_pct: float | None
    feasible: bool
    unassigned: int
    violations: int
    real_time_violations: int
    first_solution_seconds: float | None
    solve_seconds: float
    strategy: str
    error: str = ""


def solomon_class(instance: str) -> str:
    """R1, R2, C1, C2, RC1 or RC2: the letters and the first digit of the name."""
    letters = instance.rstrip("0123456789")
    return letters + instance[len(letters)]


def read_bks(directory: Path) -> dict[str, float]:
    """Instance name -> distance-only best-known distance."""
    with (directory / "bks_distance_only.csv").open() as source:
        return {row["instance"]: float(row["distance"]) for row in csv.DictReader(source)}


def _run_instance(
    directory: Path, instance: str, bks: float, options: SolveOptions, scale: int
) -> InstanceResult:
    try:
        solomon = read_solomon_instance(directory / f"{instance}.txt")
        night = solomon_night(solomon, scale)
        plan = solve(night, options)
        distance = solomon_distance(night, solomon.coordinates, plan)
        violations = check_plan(night, plan)
        replay = real_time_violations(solomon, night, plan)
        complete = not plan.unassigned
        return InstanceResult(
            instance=instance,
            solomon_class=solomon_class(instance),
            vehicles=sum(1 for route in plan.routes if route.visits),
            distance=round(distance, 3),
            bks_distance=bks,
            gap_pct=round(100 * (distance / bks - 1), 3) if complete else None,
            feasible=complete and not violations and not replay,
            unassigned=len(plan.unassigned),
            violations=len(violations),
            real_time_violations=len(replay),
            first_solution_seconds=(
                None
                if plan.stats.first_solution_seconds is None
                else round(plan.stats.first_solution_seconds, 3)
            ),
            solve_seconds=round(plan.stats.solve_seconds, 3),
            strategy=plan.stats.strategy,
        )
    except Exception as error:  # a benchmark reports every instance, whatever goes wrong
        traceback.print_exc()
        return InstanceResult(
            instance=instance,
            solomon_class=solomon_class(instance),
            vehicles=0,
            distance=0.0,
            bks_distance=bks,
            gap_pct=None,
            feasible=False,
            unassigned=0,
            violations=0,
            real_time_violations=0,
            first_solution_seconds=None,
            solve_seconds=0.0,
            strategy="",
            error=f"{type(error).__name__}: {error}",
        )


def _selected(names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    if not wanted:
        return list(names)
    picked = [n for n in names if n in wanted or solomon_class(n) in wanted]
    return sorted(set(picked), key=list(names).index)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def class_means(results: Sequence[InstanceResult]) -> dict[str, tuple[float | None, int, int]]:
    """Class (and "all") -> (mean gap % over complete plans, feasible count, instance count)."""
    groups = {c: [r for r in results if r.solomon_class == c] for c in CLASSES}
    groups["all"] = list(results)
    return {
        name: (
            _mean([r.gap_pct for r in rows if r.gap_pct is not None]),
            sum(r.feasible for r in rows),
            len(rows),
        )
        for name, rows in groups.items()
        if rows
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def _seeding_text(arguments: argparse.Namespace) -> str:
    """The seeding as run: --seeding-share applies only where a seeding is named; "auto"
    chooses its own start and share per night (routing.solver._resolved_seeding)."""
    if arguments.seeding in ("pyvrp", "ruin-and-recreate"):
        return f"{arguments.seeding} (share {arguments.seeding_share})"
    return str(arguments.seeding)


def _markdown(
    label: str, arguments: argparse.Namespace, results: Sequence[InstanceResult], wall: float
) -> str:
    means = class_means(results)
    lines = [
        f"# Solomon VRPTW: {label}",
        "",
        f"Command: `{' '.join(['python -m bench.solomon', *sys.argv[1:]])}`",
        "",
        f"Machine: {_cpu_name()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {arguments.processes} instance(s) at a time, "
        f"{arguments.seconds} s per instance, workers={arguments.workers}, "
        f"first={arguments.first_solution}, meta={arguments.metaheuristic}, "
        f"seeding={_seeding_text(arguments)}, scale={arguments.scale}. "
        f"Whole run {wall:.0f} s.",
        "",
        "Gap: real-valued Euclidean distance against bks_distance_only.csv, mean over plans "
        "with every call assigned. Feasible: no call unassigned, validator-clean, and the "
        "routes replayed with unrounded distances keep every window.",
        "",
        "| class | mean gap % | feasible |",
        "|---|---|---|",
    ]
    for name, (gap, feasible, count) in means.items():
        shown = "n/a" if gap is None else f"{gap:.2f}"
        lines.append(f"| {name} | {shown} | {feasible}/{count} |")
    lines += [
        "",
        "| instance | vehicles | distance | BKS | gap % | feasible | first s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        gap_text = "n/a" if r.gap_pct is None else f"{r.gap_pct:.2f}"
        first = "n/a" if r.first_solution_seconds is None else f"{r.first_solution_seconds:.2f}"
        note = f" ({r.error})" if r.error else ""
        lines.append(
            f"| {r.instance} | {r.vehicles} | {r.distance:.2f} | {r.bks_distance:.2f} | {gap_text} "
            f"| {'yes' if r.feasible else 'NO'}{note} | {first} |"
        )
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, results: Sequence[InstanceResult]) -> None:
    names = [f.name for f in fields(InstanceResult)]
    with path.open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=names)
        writer.writeheader()
        for r in results:
            writer.writerow(asdict(r))
        for name, (gap, feasible, count) in class_means(results).items():
            summary: dict[str, object] = {
                "instance": f"mean {name}",
                "solomon_class": name,
                "gap_pct": "" if gap is None else round(gap, 3),
                "feasible": f"{feasible}/{count}",
            }
            writer.writerow(summary)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="*", default=[], help="names or classes (R1, C2..)")
    parser.add_argument("--seconds", type=float, default=10.0, help="wall time per instance")
    parser.add_argument("--processes", type=int, default=2, help="instances solved at once")
    parser.add_argument("--label", default=None, help="names the output files")
    parser.add_argument("--workers", type=int, default=1, help="SolveOptions.workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--first-solution", default="parallel-cheapest-insertion", choices=FIRST_SOLUTION_STRATEGIES
    )
    parser.add_argument("--metaheuristic", default="guided-local-search", choices=METAHEURISTICS)
    parser.add_argument("--seeding", default="none", choices=SEEDINGS)
    parser.add_argument("--seeding-share", type=float, default=0.5)
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE)
    parser.add_argument("--data", type=Path, default=SOLOMON_DIR, help="Solomon folder")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write its CSV and markdown; always returns 0."""
    arguments = _arguments(argv)
    bks = read_bks(arguments.data)
    ordered = sorted(bks, key=lambda n: (CLASSES.index(solomon_class(n)), n))
    names = _selected(ordered, arguments.instances)
    options = SolveOptions(
        time_limit=arguments.seconds,
        seed=arguments.seed,
        workers=arguments.workers,
        first_solution=arguments.first_solution,
        metaheuristic=arguments.metaheuristic,
        seeding=arguments.seeding,
        seeding_share=arguments.seeding_share,
    )
    label = arguments.label or f"{arguments.seeding}-{int(arguments.seconds)}s"
    began = time.perf_counter()
    results: list[InstanceResult] = []
    if arguments.processes <= 1:
        for name in names:
            results.append(_run_instance(arguments.data, name, bks[name], options, arguments.scale))
            _print_row(results[-1])
    else:
        with ProcessPoolExecutor(max_workers=arguments.processes) as pool:
            futures = [
                pool.submit(
                    _run_instance, arguments.data, name, bks[name], options, arguments.scale
                )
                for name in names
            ]
            for future in futures:
                results.append(future.result())
                _print_row(results[-1])
    wall = time.perf_counter() - began
    arguments.out.mkdir(parents=True, exist_ok=True)
    _write_csv(arguments.out / f"solomon-{label}.csv", results)
    summary = _markdown(label, arguments, results, wall)
    (arguments.out / f"solomon-{label}.md").write_text(summary)
    for name, (gap, feasible, count) in class_means(results).items():
        shown = "n/a" if gap is None else f"{gap:.2f}%"
        print(f"{name:>4}: mean gap {shown}, feasible {feasible}/{count}")
    return 0


def _print_row(r: InstanceResult) -> None:
    gap = "n/a" if r.gap_pct is None else f"{r.gap_pct:.2f}%"
    print(
        f"{r.instance:>6} {r.vehicles:>3} veh {r.distance:>9.2f} (bks {r.bks_distance:.2f}) "
        f"gap {gap:>7} {'ok' if r.feasible else 'INFEASIBLE'} {r.error}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
