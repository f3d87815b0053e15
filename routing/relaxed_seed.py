"""Routes from PyVRP on the relaxed night, as a start for the OR-Tools solver.

PyVRP's iterated local search is far stronger than OR-Tools on plain VRPTW, but it knows
nothing of breaks or after-links. So it plans the night without them (windows, care time,
shifts, start and end places, capacity, allowed crews, priorities), and the solver cuts its
routes back until they keep every rule, then searches on from there. PyVRP objects never
leave this module: the answer is crew id -> call ids in visiting order.

How the night maps onto PyVRP:

* One PyVRP location per call (so calls at the same place can still be barred from different
  crews) plus one per distinct crew start/end place; travel comes straight from the night's
  integer matrix, as both distance and duration.
* Crews that are alike in everything PyVRP sees (places, shift, capacity, which calls they may
  take) share a vehicle type with that many vehicles; otherwise each crew is its own type.
* Allowed crews (skills, gender) are routing profiles: a profile's matrices make every leg into
  a barred call longer than the whole night, so a route holding one is never feasible.
* Every call is optional with a prize, lexicographic like the solver's drop penalties: one
  critical call outweighs every standard one, a standard one every optional one, and an
  optional one more than any detour it can cause. Calls no crew may take are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyvrp import Client, Depot, Location, ProblemData, VehicleType
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime

from routing.model import Call, Crew, Night, Priority

# PyVRP's documented ceiling for matrix entries (pyvrp.constants.MAX_VALUE).
_PYVRP_MAX_VALUE = 1 << 44


@dataclass(frozen=True, slots=True)
class _CrewKind:
    """What PyVRP sees of a crew; crews of one kind share a vehicle type."""

    start_place: int
    end_place: int
    shift_start: int
    shift_end: int
    capacity: int | None
    barred: frozenset[int]  # indices of night.calls this crew may not take


def _prizes(night: Night, calls: Sequence[Call], longest: int) -> dict[Priority, int]:
    optional = 2 * longest + 1
    standard = (sum(c.priority is Priority.OPTIONAL for c in calls) + 1) * optional
    critical = (sum(c.priority is Priority.STANDARD for c in calls) + 1) * standard
    return {Priority.OPTIONAL: optional, Priority.STANDARD: standard, Priority.CRITICAL: critical}


def _kind(night: Night, crew: Crew) -> _CrewKind:
    barred = frozenset(i for i, call in enumerate(night.calls) if not call.crew_can_take(crew))
    return _CrewKind(
        crew.start_place,
        crew.end_place,
        crew.shift_start,
        crew.shift_end,
        crew.capacity if night.uses_capacity else None,
        barred,
    )


def relaxed_routes(night: Night, time_limit: float, seed: int) -> dict[str, list[str]]:
    """Crew id -> call ids in visiting order, from PyVRP on the night without breaks or links.

    Routes may still break rules PyVRP does not model (breaks, after-links) and, when PyVRP
    ends on an infeasible solution, windows; the caller cuts them back. Crews with no route are
    left out of the answer.
    """
    if not night.crews:
        return {}
    kinds: dict[_CrewKind, list[Crew]] = {}
    for crew in night.crews:
        kinds.setdefault(_kind(night, crew), []).append(crew)
    barred_everywhere = frozenset.intersection(*(kind.barred for kind in kinds))
    planned = [i for i in range(len(night.calls)) if i not in barred_everywhere]
    if not planned:
        return {}

    depot_places = sorted({p for kind in kinds for p in (kind.start_place, kind.end_place)})
    depot_of = {place: d for d, place in enumerate(depot_places)}
    # PyVRP locations: the depots first, then one per planned call.
    location_places = depot_places + [night.calls[i].place for i in planned]
    seconds = night.travel.seconds
    base = seconds[np.ix_(location_places, location_places)]
    horizon = max([k.shift_end for k in kinds] + [night.calls[i].latest for i in planned])
    barrier = min(_PYVRP_MAX_VALUE, 2 * (horizon + int(base.max()) + 1))

    profiles: dict[frozenset[int], int] = {}
    matrices: list[npt.NDArray[np.int64]] = []
    for kind in kinds:
        if kind.barred not in profiles:
            profiles[kind.barred] = len(matrices)
            matrices.append(_profile_matrix(base, len(depot_places), planned, kind.barred, barrier))

    calls = [night.calls[i] for i in planned]
    prizes = _prizes(night, calls, int(base.max()))
    uses_capacity = night.uses_capacity
    clients = [
        Client(
            location=len(depot_places) + k,
            delivery=[night.demand_of(call)] if uses_capacity else [],
            service_duration=call.duration,
            tw_early=call.earliest,
            tw_late=call.latest,
            prize=prizes[call.priority],
            required=False,
            name=call.id,
        )
        for k, call in enumerate(calls)
    ]
    depots = [Depot(location=d) for d in range(len(depot_places))]
    total_demand = sum(night.demand_of(call) for call in calls)
    vehicle_types = [
        VehicleType(
            num_available=len(crews),
            capacity=(
                [kind.capacity if kind.capacity is not None else total_demand]
                if uses_capacity
                else []
            ),
            start_depot=depot_of[kind.start_place],
            end_depot=depot_of[kind.end_place],
            tw_early=kind.shift_start,
            tw_late=kind.shift_end,
            profile=profiles[kind.barred],
        )
        for kind, crews in kinds.items()
    ]
    # PyVRP's stub spells a matrix as np.ndarray[int], which no real array type matches.
    data = ProblemData(
        locations=[Location(0.0, 0.0) for _ in location_places],
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=matrices,  # type: ignore[arg-type]
        duration_matrices=matrices,  # type: ignore[arg-type]
    )
    result = pyvrp_solve(
        data, stop=MaxRuntime(max(time_limit, 0.01)), seed=seed, collect_stats=False
    )

    crews_of_type = [list(crews) for crews in kinds.values()]
    answer: dict[str, list[str]] = {}
    for route in result.best.routes():
        crew = crews_of_type[route.vehicle_type()].pop(0)
        answer[crew.id] = [calls[stop.idx].id for stop in route if stop.is_client()]
    return answer


def _profile_matrix(
    base: npt.NDArray[np.int64],
    depots: int,
    planned: Sequence[int],
    barred: frozenset[int],
    barrier: int,
) -> npt.NDArray[np.int64]:
    matrix = np.array(base, dtype=np.int64)
    columns = [depots + k for k, call_index in enumerate(planned) if call_index in barred]
    if columns:
        matrix[:, columns] = barrier
        np.fill_diagonal(matrix, 0)
    return matrix
