"""Solomon VRPTW instances as nights, and their plans measured the way the literature does.

A Solomon file (Solomon 1987; the 56 100-customer instances) has one depot and customers on
a plane with integer coordinates, demands, time windows and service times; travel time equals
Euclidean distance, real-valued. Our model holds integer times, so distances, windows and
service times are all multiplied by `scale` (default 1000). Travel is rounded *up*: a plan
that fits the rounded matrix then also fits the real-valued distances, so rounding can never
make a plan infeasible in real terms, and the error is under 1/scale per leg (at 1000, about
0.1 distance units on a 100-call plan, 0.01 % of a typical total). Figures are always
reported as `solomon_distance`, the real-valued Euclidean length of the routes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from routing.model import Call, Carer, Crew, Night, TravelMatrix
from routing.plan import Plan

DEFAULT_SCALE = 1000
# Float noise must not push an exact distance (e.g. 5.0 * 1000) over to the next integer.
_CEIL_SLACK = 1e-6


@dataclass(frozen=True, slots=True)
class SolomonCustomer:
    """One row of a Solomon file: node 0 is the depot, the others are customers."""

    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    """A Solomon file as written: its name, fleet and rows (the depot first)."""

    name: str
    vehicles: int
    capacity: int
    rows: tuple[SolomonCustomer, ...]

    @property
    def coordinates(self) -> tuple[tuple[float, float], ...]:
        """(x, y) per place of the night: index 0 is the depot, i is customer number i."""
        return tuple((row.x, row.y) for row in self.rows)


def read_solomon_instance(path: str | Path) -> SolomonInstance:
    """Parse a Solomon text file (CRLF or LF) into its fleet and rows."""
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    name = lines[0]
    vehicles, capacity = _header_fleet(lines)
    rows: list[SolomonCustomer] = []
    for line in lines:
        fields = line.split()
        if len(fields) != 7 or not all(_is_number(f) for f in fields):
            continue
        number, x, y, demand, ready, due, service = (float(f) for f in fields)
        rows.append(
            SolomonCustomer(int(number), x, y, int(demand), int(ready), int(due), int(service))
        )
    if not rows or rows[0].number != 0:
        raise ValueError(f"{path}: no depot row (customer 0)")
    if [row.number for row in rows] != list(range(len(rows))):
        raise ValueError(f"{path}: customers are not numbered 0, 1, 2, ... in order")
    return SolomonInstance(name, vehicles, capacity, tuple(rows))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _header_fleet(lines: Sequence[str]) -> tuple[int, int]:
    for i, line in enumerate(lines):
        if line.startswith("NUMBER") and "CAPACITY" in line:
            vehicles, capacity = lines[i + 1].split()
            return int(vehicles), int(capacity)
    raise ValueError("no 'NUMBER CAPACITY' header line")


def solomon_night(
    instance: SolomonInstance, scale: int = DEFAULT_SCALE, crews: int | None = None
) -> Night:
    """The instance as a night: one crew per vehicle at the depot, one call per customer.

    Place i is node i (the depot is place 0); call ids and clients are the customer numbers;
    crew ids are v1, v2, ...; `crews` overrides the header's fleet size.
    """
    depot = instance.rows[0]
    shift_start, shift_end = depot.ready * scale, depot.due * scale
    fleet = instance.vehicles if crews is None else crews
    carers = (Carer("carer-a", "F"), Carer("carer-b", "F"))
    night_crews = tuple(
        Crew(
            id=f"v{k + 1}",
            carers=carers,
            shift_start=shift_start,
            shift_end=shift_end,
            start_place=0,
            end_place=0,
            capacity=instance.capacity,
        )
        for k in range(fleet)
    )
    calls = tuple(
        Call(
            id=str(row.number),
            client=str(row.number),
            place=row.number,
            earliest=row.ready * scale,
            latest=row.due * scale,
            duration=row.service * scale,
            demand=row.demand,
        )
        for row in instance.rows[1:]
    )
    return Night(
        name=instance.name,
        crews=night_crews,
        calls=calls,
        travel=TravelMatrix(scaled_travel(instance.coordinates, scale)),
        clock=None,
    )


def scaled_travel(coordinates: Sequence[tuple[float, float]], scale: int) -> npt.NDArray[np.int64]:
    """Euclidean distances times `scale`, rounded up to integers."""
    points = np.array(coordinates, dtype=np.float64)
    deltas = points[:, None, :] - points[None, :, :]
    exact = np.sqrt((deltas**2).sum(axis=2)) * scale
    return np.ceil(exact - _CEIL_SLACK).astype(np.int64)


def read_solomon(path: str | Path, scale: int = DEFAULT_SCALE) -> Night:
    """Read a Solomon file as a night (see `solomon_night` and the module's note on scale)."""
    return solomon_night(read_solomon_instance(path), scale)


def _route_places(night: Night, plan: Plan) -> list[list[int]]:
    tours: list[list[int]] = []
    for route in plan.routes:
        if not route.visits:
            continue
        crew = night.crew(route.crew_id)
        places = [night.call(v.call_id).place for v in route.visits]
        tours.append([crew.start_place, *places, crew.end_place])
    return tours


def _distance(coordinates: Sequence[tuple[float, float]], a: int, b: int) -> float:
    (xa, ya), (xb, yb) = coordinates[a], coordinates[b]
    return math.hypot(xa - xb, ya - yb)


def solomon_distance(night: Night, coordinates: Sequence[tuple[float, float]], plan: Plan) -> float:
    """The plan's real-valued Euclidean length (routes with no visits do not leave the depot)."""
    return sum(
        _distance(coordinates, a, b)
        for tour in _route_places(night, plan)
        for a, b in zip(tour, tour[1:], strict=False)
    )


def real_time_violations(instance: SolomonInstance, night: Night, plan: Plan) -> list[str]:
    """Calls a crew could not start in time, or late returns, with real-valued travel.

    Replays each route's order at the earliest times with unrounded distances (unscaled
    units), so it judges the order alone, independently of the plan's stored times.
    """
    rows = instance.rows
    coordinates = instance.coordinates
    depot = rows[0]
    problems: list[str] = []
    for route in plan.routes:
        if not route.visits:
            continue
        crew = night.crew(route.crew_id)
        clock = float(depot.ready)
        here = crew.start_place
        for visit in route.visits:
            place = night.call(visit.call_id).place
            row = rows[place]
            clock = max(clock + _distance(coordinates, here, place), float(row.ready))
            if clock > row.due:
                problems.append(f"{route.crew_id}: call {visit.call_id} starts at {clock:.4f}")
            clock += row.service
            here = place
        clock += _distance(coordinates, here, crew.end_place)
        if clock > depot.due:
            problems.append(f"{route.crew_id}: returns at {clock:.4f} after {depot.due}")
    return problems
