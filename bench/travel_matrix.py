"""How long a night's travel matrix takes to build, three ways, for 300 places.

1. `geopy-every-pair`: one `geopy.distance.geodesic` call per ordered pair (the spec's rule as
   written, n² calls);
2. `geopy-half`: geopy once per unordered pair, mirrored (n(n-1)/2 calls);
3. `travel_matrix`: `routing.travel.travel_matrix` (vectorised Vincenty, geopy only for pairs
   near a rounding boundary).

The places are the distinct homes of a generated rural night. Prints the median of `--runs`
runs in ms for each, whether the three matrices agree entry for entry, and the machine. It
reports figures and never fails a build (exit status 0 even when something goes wrong).

    .venv/bin/python -m bench.travel_matrix [--places 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from geopy.distance import geodesic

from routing.model import Point
from routing.rural_night import generate_night
from routing.travel import TravelSettings, distinct_places, travel_matrix

Matrix = npt.NDArray[np.int64]


def county_places(count: int, seed: int) -> list[Point]:
    """`count` distinct homes of a generated rural night (more calls until there are enough)."""
    calls = count
    while True:
        problem = generate_night(calls=calls, crews=max(1, calls // 16), seed=seed)
        homes = [Point(call["lat"], call["lon"]) for call in problem["calls"]]
        places, _ = distinct_places(homes)
        if len(places) >= count:
            return places[:count]
        calls += count // 2


def _seconds(km: float, settings: TravelSettings) -> int:
    return round(km * settings.circuity / settings.speed_kmh * 3600) + round(
        settings.stop_minutes * 60
    )


def geopy_every_pair(points: Sequence[Point], settings: TravelSettings) -> Matrix:
    """The spec's rule with one geopy call per ordered pair of different points."""
    count = len(points)
    seconds = np.zeros((count, count), dtype=np.int64)
    for i, p in enumerate(points):
        for j, q in enumerate(points):
            if (p.lat, p.lon) != (q.lat, q.lon):
                seconds[i, j] = _seconds(geodesic((p.lat, p.lon), (q.lat, q.lon)).km, settings)
    return seconds


def geopy_half(points: Sequence[Point], settings: TravelSettings) -> Matrix:
    """The spec's rule with one geopy call per unordered pair, mirrored (distance is symmetric)."""
    count = len(points)
    seconds = np.zeros((count, count), dtype=np.int64)
    for i, p in enumerate(points):
        for j in range(i + 1, count):
            q = points[j]
            if (p.lat, p.lon) != (q.lat, q.lon):
                value = _seconds(geodesic((p.lat, p.lon), (q.lat, q.lon)).km, settings)
                seconds[i, j] = seconds[j, i] = value
    return seconds


def vectorised(points: Sequence[Point], settings: TravelSettings) -> Matrix:
    """routing.travel.travel_matrix, as the solver builds it."""
    return np.array(travel_matrix(points, settings).seconds)


METHODS: dict[str, Callable[[Sequence[Point], TravelSettings], Matrix]] = {
    "geopy-every-pair": geopy_every_pair,
    "geopy-half": geopy_half,
    "travel_matrix": vectorised,
}


def timed_median(
    build: Callable[[Sequence[Point], TravelSettings], Matrix],
    points: Sequence[Point],
    settings: TravelSettings,
    runs: int,
) -> tuple[float, Matrix]:
    """Median wall milliseconds over `runs` builds, and the last matrix built."""
    times: list[float] = []
    matrix = np.zeros((0, 0), dtype=np.int64)
    for _ in range(runs):
        began = time.perf_counter()
        matrix = build(points, settings)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), matrix


def machine() -> str:
    """One line naming the machine the figures come from."""
    return (
        f"{platform.platform()}; {platform.processor() or platform.machine()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}; numpy {np.__version__}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; always returns 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.travel_matrix", description=__doc__)
    parser.add_argument("--places", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        settings = TravelSettings(speed_kmh=48, circuity=1.35, stop_minutes=3)
        points = county_places(args.places, args.seed)
        print(f"travel matrix of {len(points)} places, median of {args.runs} runs")
        print(f"machine: {machine()}")
        built: dict[str, Matrix] = {}
        for name, build in METHODS.items():
            ms, built[name] = timed_median(build, points, settings, max(1, args.runs))
            print(f"  {name:<18} {ms:>10.1f} ms")
        reference = built["geopy-every-pair"]
        for name, matrix in list(built.items())[1:]:
            differing = int(np.count_nonzero(matrix != reference))
            print(f"  {name:<18} differs from geopy-every-pair in {differing} entries")
    except Exception:  # a benchmark reports, it never breaks the build
        traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
