"""The Solomon loader, real-valued distances and a solve with a hand-checked optimum."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from routing.plan import Plan, PlanStats, Route, Visit
from routing.solomon import (
    read_solomon,
    read_solomon_instance,
    real_time_violations,
    scaled_travel,
    solomon_distance,
    solomon_night,
)
from routing.solver import SolveOptions, solve
from routing.validate import check_plan

SOLOMON_DIR = Path(__file__).resolve().parents[3] / "shared" / "bench" / "solomon"
needs_solomon = pytest.mark.skipif(
    not (SOLOMON_DIR / "C101.txt").exists(), reason="the shared Solomon files are absent"
)

# Depot at (0, 0); customers on the corners of a 4 x 3 rectangle. Customer 3 at (4, 0) must be
# served by time 10, so the shortest plan goes 0 -> 3 -> 2 -> 1 -> 0: 4 + 3 + 4 + 3 = 14.
RECTANGLE = """RECTANGLE

VEHICLE
NUMBER     CAPACITY
  3          100

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0       0          0          0          0        200          0
    1       0          3         10          0        200          1
    2       4          3         10          0        200          1
    3       4          0         10          0         10          1
"""


def _rectangle(tmp_path: Path) -> Path:
    path = tmp_path / "RECTANGLE.txt"
    path.write_text(RECTANGLE.replace("\n", "\r\n"))
    return path


@needs_solomon
def test_c101_loads_with_its_depot_fleet_and_first_customer() -> None:
    """C101 has 100 calls, 25 crews of capacity 200, and customer 1 at (45, 68)."""
    instance = read_solomon_instance(SOLOMON_DIR / "C101.txt")
    night = read_solomon(SOLOMON_DIR / "C101.txt", scale=1000)
    assert instance.coordinates[1] == (45.0, 68.0)
    assert len(night.calls) == 100
    assert len(night.crews) == 25
    assert {crew.capacity for crew in night.crews} == {200}
    assert night.crews[0].shift_end == 1236 * 1000
    first = night.call("1")
    assert (first.place, first.earliest, first.latest, first.duration, first.demand) == (
        1,
        912_000,
        967_000,
        90_000,
        10,
    )
    assert night.travel(0, 1) == math.ceil(math.hypot(5, 18) * 1000)


def test_travel_is_scaled_and_rounded_up_but_exact_distances_stay_exact() -> None:
    """A 3-4-5 leg stays 5000 at scale 1000, and a diagonal of 1 becomes 1415, not 1414."""
    travel = scaled_travel([(0.0, 0.0), (3.0, 4.0), (1.0, 1.0)], 1000)
    assert travel[0, 1] == 5000
    assert travel[0, 2] == 1415
    assert travel[1, 1] == 0


def test_the_rectangle_night_solves_to_its_hand_checked_optimum(tmp_path: Path) -> None:
    """The solver finds the 14-unit tour 3, 2, 1 and the validator accepts it."""
    instance = read_solomon_instance(_rectangle(tmp_path))
    night = solomon_night(instance, scale=100)
    plan = solve(night, SolveOptions(time_limit=1.0))
    assert check_plan(night, plan) == []
    assert not plan.unassigned
    assert solomon_distance(night, instance.coordinates, plan) == pytest.approx(14.0)
    assert [ids for ids in ([v.call_id for v in r.visits] for r in plan.routes) if ids] == [
        ["3", "2", "1"]
    ]
    assert real_time_violations(instance, night, plan) == []


def test_real_replay_reports_a_call_reached_after_its_due_time(tmp_path: Path) -> None:
    """Visiting customer 3 last reaches it at 12, after its due time of 10."""
    instance = read_solomon_instance(_rectangle(tmp_path))
    night = solomon_night(instance, scale=1)
    visits = tuple(Visit(call_id, 0, 0, 1) for call_id in ("1", "2", "3"))
    plan = Plan(night.name, (Route("v1", 0, 0, visits),), (), PlanStats(0, 0.0))
    problems = real_time_violations(instance, night, plan)
    assert len(problems) == 1
    assert "call 3" in problems[0]
    assert solomon_distance(night, instance.coordinates, plan) == pytest.approx(14.0)
