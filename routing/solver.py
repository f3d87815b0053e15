"""The night solver: OR-Tools routing with every rule of the night-problem spec.

Order of building follows the OR-Tools samples: index manager, model, integer transit
matrices, time dimension with windows and shifts, breaks, allowed crews, after-links,
capacity, drop penalties, search parameters, solve, copy into plain dataclasses. OR-Tools
objects never leave this module.

Drop penalties make the objective lexicographic, as the spec judges plans: one critical call
outweighs every standard call, one standard call every optional call, and one optional call
any possible total travel.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.util import optional_boolean_pb2

from routing.diagnosis import explain_unassigned, pin_conflicts, structurally_impossible
from routing.model import Call, CrewPin, Night, Priority
from routing.plan import BreakSlot, Plan, PlanStats, Route, Unassigned
from routing.route_timing import (
    earliest_care_starts,
    earliest_schedule,
    most_valuable_round,
    route_from_starts,
)
from routing.sub_night import cut_sub_night, part_pins
from routing.validate import check_plan

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
ITERATED_LOCAL_SEARCH = "iterated-local-search"
FIRST_SOLUTION_STRATEGIES = {
    "parallel-cheapest-insertion": _FIRST.PARALLEL_CHEAPEST_INSERTION,
    "local-cheapest-insertion": _FIRST.LOCAL_CHEAPEST_INSERTION,
    "sequential-cheapest-insertion": _FIRST.SEQUENTIAL_CHEAPEST_INSERTION,
    "savings": _FIRST.SAVINGS,
    "path-cheapest-arc": _FIRST.PATH_CHEAPEST_ARC,
    "christofides": _FIRST.CHRISTOFIDES,
}
METAHEURISTICS = {
    "guided-local-search": _META.GUIDED_LOCAL_SEARCH,
    "simulated-annealing": _META.SIMULATED_ANNEALING,
    "tabu-search": _META.TABU_SEARCH,
    "greedy-descent": _META.GREEDY_DESCENT,
    # OR-Tools' iterated local search: ruin (SISR string removal) and recreate (local cheapest
    # insertion), a greedy descent after each, the next start chosen by simulated annealing.
    # It runs only through RoutingModel.SolveWithIteratedLocalSearch, which builds its own
    # first plan; `use_iterated_local_search` in the parameters alone changes nothing.
    ITERATED_LOCAL_SEARCH: _META.GREEDY_DESCENT,
}

# "pyvrp" seeds OR-Tools with routes from PyVRP's genetic search on the relaxed night (no
# breaks or after-links), spending `seeding_share` of the time there; OR-Tools then enforces
# every rule of the night from that start. "ruin-and-recreate" seeds it with routes from the
# compiled search of routing/ruin_and_recreate.py, which keep every rule as they are. "auto"
# (the default) is "ruin-and-recreate" for `_RUIN_AND_RECREATE_SHARE` of the time on a night
# without a hint, else "none".
SEEDINGS = ("auto", "none", "pyvrp", "ruin-and-recreate")


@dataclass(frozen=True, slots=True)
class Progress:
    """A moment in a solve: the best plan so far, reported to a progress callback."""

    elapsed: float
    unassigned: int
    travel_seconds: int


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How long and how to search.

    `time_limit` is wall seconds, start-up of any worker process included; `stall_seconds`
    stops early when the best plan has not improved for that long; `workers` runs that many
    searches at once, one in this process and the others in child processes, each its own
    way (see `_worker_options`), and keeps the best plan; None (the default) runs two when
    the process may use two cores and has no other threads (see `workers_for_now`); `hint`
    is a previous plan (last night's, or pinned visits) to start from; `crew_pins` holds
    calls to the one crew each names (a pinned call is planned on that crew or not at all);
    `first_solution` and `metaheuristic` name entries of FIRST_SOLUTION_STRATEGIES and
    METAHEURISTICS; `seeding` names where OR-Tools starts from (SEEDINGS; "auto", the
    default, is the compiled ruin-and-recreate search on a night without a hint) and
    `seeding_share` the share of the limit that start may take; `insertion_lns` adds
    OR-Tools' close-nodes insertion LNS operators to the local search, each taking out and
    putting back `insertion_lns_calls` calls close to each other; `repair_share` keeps
    that share of the limit, at the end, for the repair phase (see `_repair`), which plans
    the crews that could take a left-out call again on their own; None (the default) keeps
    35 % on nights of more than 60 calls that the compiled search does not start, else none.
    """

    time_limit: float = 10.0
    seed: int = 0
    stall_seconds: float | None = None
    workers: int | None = None
    hint: Plan | None = None
    crew_pins: tuple[CrewPin, ...] = ()
    first_solution: str = "parallel-cheapest-insertion"
    metaheuristic: str = "guided-local-search"
    seeding: str = "auto"
    seeding_share: float = 0.5
    insertion_lns: bool = False
    insertion_lns_calls: int = 10
    repair_share: float | None = None

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError("time_limit: must be more than 0 seconds")
        if self.workers is not None and self.workers < 1:
            raise ValueError("workers: must be 1 or more")
        if self.stall_seconds is not None and not self.stall_seconds > 0:
            raise ValueError("stall_seconds: must be more than 0 seconds")
        if self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise ValueError(f"first_solution: {self.first_solution!r} is not a known strategy")
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"metaheuristic: {self.metaheuristic!r} is not a known one")
        if self.seeding not in SEEDINGS:
            raise ValueError(f"seeding: {self.seeding!r} is not one of {', '.join(SEEDINGS)}")
        if self.insertion_lns_calls < 1:
            raise ValueError("insertion_lns_calls: must be 1 or more")
        if not 0 < self.seeding_share < 1:
            raise ValueError("seeding_share: must be between 0 and 1")
        if self.repair_share is not None and not 0 <= self.repair_share < 1:
            raise ValueError("repair_share: must be 0 or more and less than 1")
        pinned = [pin.call_id for pin in self.crew_pins]
        if len(set(pinned)) < len(pinned):
            raise ValueError("crew_pins: a call is pinned to more than one crew")


ProgressCallback = Callable[[Progress], None]

# Time kept back for explaining unassigned calls against the final routes: a share of the
# limit, capped (about 1 s covers a 300-call night).
_EXPLAIN_SHARE = 0.05
_EXPLAIN_CAP_SECONDS = 1.0
# Seconds of travel that splitting a hinted round over one more crew costs (a warm start).
_HINT_STICKINESS = 900
# Nights up to this many calls search with bandit-chosen operators (see _search_parameters).
_BANDIT_MOST_CALLS = 60
_BOOL_TRUE = optional_boolean_pb2.BOOL_TRUE
_COOLING_EXPONENTIAL = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL


def solve(
    night: Night,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Plan:
    """Plan the night: every call ends up in exactly one route or unassigned with a reason."""
    options = options or SolveOptions()
    began = time.perf_counter()
    if options.workers is None:
        options = replace(options, workers=workers_for_now())
    if options.workers == 1:
        plan = _solve_once(night, options, progress, began)
    else:
        plan = _solve_in_parallel(night, options, progress, began)
    return replace(plan, stats=replace(plan.stats, solve_seconds=time.perf_counter() - began))


# Measured on 50-call, 3-crew nights (bench/tune_typical_night.py, 2 s against 60 s): the
# second search starts from PyVRP's routes on the night without breaks and links, and both
# add the close-nodes insertion LNS; with a 30 % PyVRP share the two find the 60 s count of
# calls on nights where the plain search stays one optional call short.
_SECOND_WORKER_SEEDING_SHARE = 0.3
# Measured on the same nights (2026-11-27, bench/results/tune-typical-night.md): the compiled
# ruin-and-recreate search for 85 % of the limit, then OR-Tools' GLS from its routes, met the
# target on 8 of 10 runs as one search where GLS alone met it on 2-4 (95 %: 8/10 but more
# travel; 70 % and 50 %: no better on the hard nights); as every search of a small night, 25
# of 25 against its 60 s reference. On bigger nights it places far more calls than OR-Tools
# from its own or PyVRP's start with the repair phase (generated rural nights, seeds 11, 1, 2,
# 2026-11-27 19:50 UTC, left out (critical, standard, optional)): 150 calls at 2 s
# (0,0,5) (0,0,8) (0,2,10) against (0,2,9) (0,3,6) (0,9,7); 300 calls (0,0,0) (0,0,10)
# (0,1,14) against (0,13,9) (0,34,18) (0,41,7); 600 calls (0,0,4) against (1,54,25). With
# the repair phase after it, worse than without (it takes the time of the search).
_RUIN_AND_RECREATE_SHARE = 0.85
# From PyVRP's routes the LNS does best taking out 15 calls at a time (10 for the first
# worker, OR-Tools' default 5): at 1.95 CPU s it met the 60 s target on 6 of 10 runs over
# five nights against 4 of 10 with 10 calls (left out (0,6,14) against (0,8,12)); 20 calls
# reached the 60 s count on seed 5 but drove 3 % more, 2 of 10.
_SECOND_WORKER_LNS_CALLS = 15
# On nights up to this many calls the search here runs without the close-nodes LNS: on the
# spec's small-north example (21 calls, 2 crews) it ended 7-16 % over the 60 s travel at 2 s
# in every run, and the PyVRP search made up for it in only 4 of 9 runs (422.0 min there,
# else 428-452); plain GLS finds the 60 s plan every time. Generated 24-36-call nights were
# as good either way (2026-11-27, bench/results/tune-typical-night.md); on the 50-call nights
# the LNS search beside the PyVRP one met the target more often, so it stays above this.
_FIRST_WORKER_LNS_ABOVE_CALLS = 40
# Wall seconds kept back for a child process to hand its plan over and stop, and how long
# past the deadline a child may take before it is given up as stuck.
_HAND_OVER_SECONDS = 0.05
_LATE_CHILD_SECONDS = 2.0
# Without `workers`, a process that may fork runs this many searches when it has the cores.
_AUTO_WORKERS = 2


def workers_for_now() -> int:
    """Searches a solve runs when not told: two when this process may use two cores or more,
    else one; and one in a process with other threads (the API solves in a request thread),
    where a fork could copy a lock that another thread's solve holds inside OR-Tools.

    It counts cores, not the load: the same night gets the same kind of search whatever else
    the machine is doing, and a caller that already runs solves side by side (the evening
    scheduler's pool) asks for one search each. Measured on the typical night at 2 s wall on a
    quiet machine (bench/results/tune-typical-night.md): two searches meet the 60 s target on
    3 of 5 nights, one search on 1; on 2 cores loaded about 7 each of two searches got 0.7 CPU
    seconds and they did worse than one search.
    """
    if threading.active_count() > 1 or multiprocessing.current_process().daemon:
        return 1  # (a daemonic process, a multiprocessing.Pool worker, may not have children)
    return min(_AUTO_WORKERS, usable_cores())


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform: every core counts
        return os.cpu_count() or 1


def _worker_options(options: SolveOptions, worker: int, calls: int) -> SolveOptions:
    """Each worker searches differently, so that two cores find what one search would not."""
    if options.seeding == "auto" and (worker == 1 or worker > 1 and not options.hint):
        # Each search is the compiled one from its own seed (see _RUIN_AND_RECREATE_SHARE); a
        # hint stays with the first and the third on, and the second starts from nothing.
        return replace(options, workers=1, hint=None, seed=options.seed + worker)
    if options.seeding == "pyvrp":
        # The PyVRP start decides most of the result (Solomon), so each worker draws another.
        return replace(options, workers=1, seed=options.seed + worker)
    if worker == 0:
        return replace(options, workers=1, insertion_lns=calls > _FIRST_WORKER_LNS_ABOVE_CALLS)
    if options.hint is not None and worker > 1:
        # A warm start keeps its start in these workers, searching on without LNS.
        return replace(options, workers=1, seed=options.seed + worker)
    if worker == 1:
        # With a hint this one starts from nothing: a hint can hold a short search in a worse
        # basin (README, warm start), and `_solve_in_parallel` keeps the hinted plan unless
        # this one leaves out fewer calls.
        return replace(
            options,
            workers=1,
            hint=None,
            seed=options.seed + worker,
            seeding="pyvrp",
            seeding_share=_SECOND_WORKER_SEEDING_SHARE,
            insertion_lns=True,
            insertion_lns_calls=_SECOND_WORKER_LNS_CALLS,
        )
    mixes = [
        ("local-cheapest-insertion", "guided-local-search"),
        ("sequential-cheapest-insertion", "simulated-annealing"),
        ("savings", "tabu-search"),
    ]
    first, meta = mixes[worker % len(mixes)]
    return replace(
        options, workers=1, seed=options.seed + worker, first_solution=first, metaheuristic=meta
    )


def _search_child(
    night: Night, options: SolveOptions, started_at: float, sending: Connection, *, parent: int
) -> None:
    """One search in a child process, on the caller's clock (`started_at` is its time.time()
    when the solve began, so start-up of this process counts against the limit); the plan
    goes back through `sending`."""
    _die_with_parent(parent)
    began = time.perf_counter() - max(0.0, time.time() - started_at)
    sending.send(_solve_once(night, options, None, began))
    sending.close()


def _die_with_parent(parent: int) -> None:
    """A search child ends when the solving process does (Linux): a forked child holds copies
    of the parent's open files, such as a database connection in a transaction, which would
    stay open, locks and all, if a killed publisher left its child running."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _solve_in_parallel(
    night: Night, options: SolveOptions, progress: ProgressCallback | None, began: float
) -> Plan:
    """Worker 0 searches here (and reports progress); the others in forked child processes."""
    workers = options.workers or _AUTO_WORKERS
    started_at = time.time() - (time.perf_counter() - began)
    child_options = [_worker_options(options, w, len(night.calls)) for w in range(1, workers)]
    if any(o.seeding == "pyvrp" for o in child_options):
        import routing.relaxed_seed  # noqa: F401  (imported once here, not in every child)
    # Fork where there is one: a child starts in milliseconds with everything imported.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    limit = max(options.time_limit - _HAND_OVER_SECONDS, 0.05)
    searching: list[tuple[BaseProcess, Connection]] = []
    for child_options_of_one in child_options:
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(
            target=_search_child,
            args=(night, replace(child_options_of_one, time_limit=limit), started_at, sending),
            kwargs={"parent": os.getpid()},
            daemon=True,
        )
        try:
            child.start()
        except (AssertionError, OSError):
            # No child here (a daemonic process such as a multiprocessing.Pool worker may
            # not have one, or the system is out of processes): the search here goes alone.
            receiving.close()
            sending.close()
            break
        sending.close()
        searching.append((child, receiving))
    own = replace(_worker_options(options, 0, len(night.calls)), time_limit=limit)
    plans = [_solve_once(night, own, progress, began)]
    # A child that has not answered a moment after the deadline is stuck: its plan is lost,
    # never the night's.
    answer_by = began + options.time_limit + _LATE_CHILD_SECONDS
    for searcher, answers in searching:
        try:
            if answers.poll(max(0.0, answer_by - time.perf_counter())):
                plans.append(answers.recv())
        except (EOFError, OSError):  # the child died without a plan
            pass
        finally:
            answers.close()
            if searcher.is_alive():
                searcher.kill()
            searcher.join()
    return kept_plan(night, plans, hinted=options.hint is not None)


def kept_plan(night: Night, plans: Sequence[Plan], *, hinted: bool) -> Plan:
    """The plan a solve keeps of its searches' (this process's first): the best by the spec's
    order; with a hint, this process's hinted plan unless another leaves out fewer calls,
    since steady rounds are worth more to a coordinator than a little travel."""
    if not hinted:
        return min(plans, key=lambda p: plan_score(night, p))
    return min(
        enumerate(plans),
        key=lambda p: (plan_score(night, p[1])[:3], p[0] > 0, plan_score(night, p[1])[3]),
    )[1]


def plan_score(night: Night, plan: Plan) -> tuple[int, int, int, int]:
    """(critical, standard, optional unassigned, travel seconds): the spec's order of judging."""
    counts = [0, 0, 0]
    for item in plan.unassigned:
        counts[night.call(item.call_id).priority.rank] += 1
    return counts[0], counts[1], counts[2], plan.stats.travel_seconds


@dataclass
class _Model:
    """The OR-Tools model of one night, with the maps back to calls and crews."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    breaks: dict[int, pywrapcp.IntervalVar]
    call_nodes: list[int]  # night.calls index -> node (or -1 when left out of the model)
    node_call: dict[int, int]  # node -> night.calls index
    node_penalty: dict[int, int]  # node -> its drop penalty
    # Cost units per second of travel: 2 with a hint, where an arc not in the hint costs one
    # unit more, so that of two plans driving alike the search keeps the hinted order.
    cost_scale: int = 1


def _modelled_nodes(night: Night, call_nodes: Sequence[int], call_ids: Iterable[str]) -> list[int]:
    """The model's nodes of the given calls, in order, skipping calls unknown tonight or left
    out of the model."""
    indices = (night.call_index.get(c) for c in call_ids)
    return [call_nodes[i] for i in indices if i is not None and call_nodes[i] >= 0]


def drop_penalties(night: Night, modelled: Sequence[Call]) -> dict[Priority, int]:
    """Penalties so the objective is lexicographic: critical, standard, optional, travel."""
    seconds = night.travel.seconds
    longest = int(seconds.max()) if seconds.size else 0
    # Travel is at most one longest drive per call and crew; a warm start's stickiness adds at
    # most one more per call. An optional call outweighs both together.
    travel_bound = (2 * len(modelled) + len(night.crews) + 1) * (longest + 1)
    optional = travel_bound
    standard = (sum(c.priority is Priority.OPTIONAL for c in modelled) + 1) * optional
    critical = (sum(c.priority is Priority.STANDARD for c in modelled) + 1) * standard
    return {Priority.OPTIONAL: optional, Priority.STANDARD: standard, Priority.CRITICAL: critical}


def _build_model(
    night: Night,
    left_out: set[str],
    *,
    with_links: bool = True,
    pins: Mapping[str, str] | None = None,
    hinted_rounds: Mapping[str, Sequence[str]] | None = None,
) -> _Model:
    calls = [c for c in night.calls if c.id not in left_out]
    call_nodes = [-1] * len(night.calls)
    node_call: dict[int, int] = {}
    node_place: list[int] = []
    node_service: list[int] = []
    for call in calls:
        index = night.call_index[call.id]
        call_nodes[index] = len(node_place)
        node_call[len(node_place)] = index
        node_place.append(call.place)
        node_service.append(call.duration)
    starts: list[int] = []
    ends: list[int] = []
    for crew in night.crews:
        starts.append(len(node_place))
        node_place.append(crew.start_place)
        node_service.append(0)
        ends.append(len(node_place))
        node_place.append(crew.end_place)
        node_service.append(0)

    manager = pywrapcp.RoutingIndexManager(len(node_place), len(night.crews), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    seconds = night.travel.seconds
    travel = seconds[node_place][:, node_place]
    transit = travel + [[s] for s in node_service]
    cost_scale = 1
    cost = travel
    if hinted_rounds is not None:
        # A round turned end to end drives the same: without this, the search may hand back
        # either, and a coordinator who added one call sees every time of the round change.
        cost_scale = 2
        cost = travel * cost_scale + 1
        for crew_id, call_ids in hinted_rounds.items():
            if crew_id not in night.crew_index:
                continue
            v = night.crew_index[crew_id]
            nodes = [starts[v], *_modelled_nodes(night, call_nodes, call_ids), ends[v]]
            for here, there in zip(nodes, nodes[1:], strict=False):
                cost[here, there] -= 1
    cost_index = routing.RegisterTransitMatrix(cost.tolist())
    time_index = routing.RegisterTransitMatrix(transit.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_index)

    horizon = max(
        [crew.shift_end for crew in night.crews] + [c.latest + c.duration for c in calls] + [1]
    )
    routing.AddDimension(time_index, horizon, horizon, False, "time")
    dimension = routing.GetDimensionOrDie("time")
    solver = routing.solver()

    for call in calls:
        index = manager.NodeToIndex(call_nodes[night.call_index[call.id]])
        dimension.CumulVar(index).SetRange(call.earliest, call.latest)
        allowed = [
            v
            for v, crew in enumerate(night.crews)
            if call.crew_can_take(crew) and (pins or {}).get(call.id, crew.id) == crew.id
        ]
        if len(allowed) < len(night.crews):
            routing.VehicleVar(index).SetValues([-1, *allowed])

    breaks: dict[int, pywrapcp.IntervalVar] = {}
    for v, crew in enumerate(night.crews):
        start, end = routing.Start(v), routing.End(v)
        dimension.CumulVar(start).SetRange(crew.shift_start, crew.shift_end)
        dimension.CumulVar(end).SetRange(crew.shift_start, crew.shift_end)
        routing.AddVariableMinimizedByFinalizer(dimension.CumulVar(end))
        routing.AddVariableMaximizedByFinalizer(dimension.CumulVar(start))
        if crew.rest_break is not None:
            rest = crew.rest_break
            interval = solver.FixedDurationIntervalVar(
                rest.earliest, rest.latest, rest.duration, False, f"break {crew.id}"
            )
            dimension.SetBreakIntervalsOfVehicle([interval], v, node_service)
            # OR-Tools lets a break fall before departure or after return; a crew rests on shift.
            solver.Add(interval.StartExpr() >= dimension.CumulVar(start))
            solver.Add(interval.EndExpr() <= dimension.CumulVar(end))
            breaks[v] = interval

    for call in calls:
        if call.after is None or not with_links:
            continue
        node = manager.NodeToIndex(call_nodes[night.call_index[call.id]])
        before_node = call_nodes[night.call_index[call.after.call_id]]
        if before_node < 0:
            # Its call is left out (impossible, or pinned where it cannot go): so is this one.
            solver.Add(routing.ActiveVar(node) == 0)
            continue
        before = manager.NodeToIndex(before_node)
        active, before_active = routing.ActiveVar(node), routing.ActiveVar(before)
        solver.Add(active <= before_active)
        gap = dimension.CumulVar(node) - dimension.CumulVar(before)
        solver.Add(active * (gap - call.after.min_gap) >= 0)
        solver.Add(active * (call.after.max_gap - gap) >= 0)

    if night.uses_capacity:
        demands = [
            night.demand_of(night.calls[node_call[n]]) if n in node_call else 0
            for n in range(len(node_place))
        ]
        capacities = [
            crew.capacity if crew.capacity is not None else sum(demands) for crew in night.crews
        ]
        demand_index = routing.RegisterUnaryTransitVector(demands)
        routing.AddDimensionWithVehicleCapacity(demand_index, 0, capacities, True, "load")

    penalties = {k: p * cost_scale for k, p in drop_penalties(night, calls).items()}
    node_penalty: dict[int, int] = {}
    for call in calls:
        node = call_nodes[night.call_index[call.id]]
        node_penalty[node] = penalties[call.priority]
        routing.AddDisjunction([manager.NodeToIndex(node)], penalties[call.priority])

    return _Model(
        manager, routing, dimension, breaks, call_nodes, node_call, node_penalty, cost_scale
    )


def _search_parameters(options: SolveOptions, time_limit: float, *, calls: int = 0) -> Any:
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = FIRST_SOLUTION_STRATEGIES[options.first_solution]
    parameters.local_search_metaheuristic = METAHEURISTICS[options.metaheuristic]
    # Measured on 50-call, 3-crew nights at 2 s (bench/tune_typical_night.py): choosing the
    # next local-search operator by how well it has paid lately (a multi-armed bandit) instead
    # of in a fixed order leaves out 6 standard calls in 15 runs instead of 19 (the 60 s count
    # on every seed). On 100- and 150-call nights it left out more, so only small nights.
    if 0 < calls <= _BANDIT_MOST_CALLS:
        parameters.use_multi_armed_bandit_concatenate_operators = True
    if options.insertion_lns:
        operators = parameters.local_search_operators
        operators.use_global_cheapest_insertion_close_nodes_lns = _BOOL_TRUE
        operators.use_local_cheapest_insertion_close_nodes_lns = _BOOL_TRUE
        parameters.heuristic_close_nodes_lns_num_nodes = options.insertion_lns_calls
    if options.metaheuristic == ITERATED_LOCAL_SEARCH:
        _iterated_local_search_parameters(parameters)
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    return parameters


def _iterated_local_search_parameters(parameters: Any) -> None:
    """Ruin and recreate as measured best on the typical night (bench/results/
    tune-typical-night.md, 2026-11-27): about 15 calls taken out per round in strings of up
    to 10, put back by local cheapest insertion, each round's plan kept as the next start by
    simulated annealing (100 to 0.01 s of travel), the best by plain improvement."""
    parameters.use_iterated_local_search = True
    ils = parameters.iterated_local_search_parameters
    ils.improve_perturbed_solution = True
    ruin_recreate = ils.ruin_recreate_parameters
    del ruin_recreate.ruin_strategies[:]
    sisr = ruin_recreate.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = 10
    sisr.avg_num_removed_visits = 15
    sisr.bypass_factor = 0.01
    recreate = ruin_recreate.recreate_strategy
    recreate.heuristic = _FIRST.LOCAL_CHEAPEST_INSERTION
    recreate.parameters.local_cheapest_insertion.CopyFrom(
        parameters.local_cheapest_insertion_parameters
    )
    annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
    annealing.cooling_schedule_strategy = _COOLING_EXPONENTIAL
    annealing.automatic_temperatures = False
    annealing.initial_temperature = 100.0
    annealing.final_temperature = 0.01
    ils.best_solution_acceptance_strategy.Clear()
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()


class _SearchWatch:
    """Follows the search: time of the first solution, progress reports, stop on a stall."""

    def __init__(
        self, model: _Model, options: SolveOptions, progress: ProgressCallback | None, began: float
    ) -> None:
        # Weakly: OR-Tools holds this watch (a solution callback, a search limit) for as long
        # as the routing model lives, a reference Python's collector cannot see, so a strong
        # one back to the model kept every solve's whole model alive (measured: 3.7 MB per
        # solve of a 35-call night, growing without end in the API and scheduler processes).
        self._model = weakref.ref(model)
        self.options = options
        self.progress = progress
        self.began = began
        self.first_solution: float | None = None
        self.best: int | None = None
        self.best_at = time.perf_counter()
        # When the search must end (time.perf_counter() values): by `search_ends` whatever
        # happens, leaving time to explain what is left out; by `search_until`, earlier, once
        # it has a plan, leaving time for the repair phase too.
        self.search_ends = began + options.time_limit
        self.search_until = self.search_ends
        # A plan costing at least the smallest drop penalty leaves a call out (one optional
        # call outweighs any travel), and only then is there anything to repair.
        self.leaves_out_from = min(model.node_penalty.values(), default=None)

    @property
    def model(self) -> _Model:
        """The model being searched (alive while its search runs)."""
        model = self._model()
        assert model is not None, "the search outlived its model"
        return model

    def __call__(self) -> None:
        now = time.perf_counter()
        if self.first_solution is None:
            self.first_solution = now - self.began
        cost = self.model.routing.CostVar().Value()
        if self.best is None or cost < self.best:
            self.best = cost
            self.best_at = now
            if self.progress is not None:
                self.progress(self._snapshot(now, cost))

    def heard_of_plan(self, unassigned: int, travel_seconds: int) -> None:
        """A plan from a search before OR-Tools' (the compiled ruin and recreate): the first
        plan's time, and progress, which OR-Tools' own reports carry on from."""
        now = time.perf_counter()
        if self.first_solution is None:
            self.first_solution = now - self.began
        if self.progress is not None:
            self.progress(Progress(now - self.began, unassigned, travel_seconds))

    def stalled(self) -> bool:
        """True once the search's time is up (OR-Tools' own time limit is checked too seldom on
        a night of hundreds of calls: 0.7 s late on 600), once the best plan has not improved
        for the stall time, or once the repair phase's share of the limit has come and the
        plan leaves a call out (a search limit).

        Never before the first plan: on a busy machine (or beside a second worker) reaching
        it can take longer than the stall time, and stopping then would plan nothing.
        """
        if self.best is None:
            return False
        now = time.perf_counter()
        if now > self.search_ends:
            return True
        share = self.options.repair_share
        if share and now > self.search_until and self._leaves_out():
            return True
        stall = self.options.stall_seconds
        return stall is not None and now - self.best_at > stall

    def _leaves_out(self) -> bool:
        """True when the best plan so far leaves at least one call out."""
        least = self.leaves_out_from
        return least is not None and self.best is not None and self.best >= least

    def _snapshot(self, now: float, cost: int) -> Progress:
        routing, manager = self.model.routing, self.model.manager
        dropped = [
            node
            for node in self.model.node_call
            if routing.NextVar(manager.NodeToIndex(node)).Value() == manager.NodeToIndex(node)
        ]
        penalty = sum(self.model.node_penalty[node] for node in dropped)
        return Progress(now - self.began, len(dropped), (cost - penalty) // self.model.cost_scale)


def _hint_routes(
    night: Night,
    model: _Model,
    crew_calls: dict[str, list[str]],
    pins: Mapping[str, str] | None = None,
) -> list[list[int]]:
    """Routes (crew id -> call ids in order) cut back until each crew can do them with its
    break, leaving out the least drop penalty (and no call on a crew other than the one it
    is pinned to); a call whose after-link predecessor is left out goes too."""
    kept_by_crew: dict[int, list[Call]] = {}
    for crew_id, call_ids in crew_calls.items():
        if crew_id not in night.crew_index:
            continue
        v = night.crew_index[crew_id]
        crew = night.crews[v]
        round_: list[Call] = []
        for call_id in call_ids:
            index = night.call_index.get(call_id)
            if index is None or model.call_nodes[index] < 0:
                continue
            call = night.calls[index]
            if not call.crew_can_take(crew) or (pins or {}).get(call.id, crew_id) != crew_id:
                continue
            round_.append(call)
        kept_by_crew[v] = most_valuable_round(
            night, crew, round_, lambda c: model.node_penalty[_node_of(night, model, c)]
        )
    on_route = {c.id for kept in kept_by_crew.values() for c in kept}
    orphans = _orphaned(night, on_route)
    routes: list[list[int]] = [[] for _ in night.crews]
    for v, kept in kept_by_crew.items():
        routes[v] = [
            model.manager.NodeToIndex(_node_of(night, model, c))
            for c in kept
            if c.id not in orphans
        ]
    return routes


def _node_of(night: Night, model: _Model, call: Call) -> int:
    return model.call_nodes[night.call_index[call.id]]


def _orphaned(night: Night, on_route: set[str]) -> set[str]:
    """Calls on a route whose after-link predecessor is not (directly or down the chain)."""
    orphans: set[str] = set()
    changed = True
    while changed:
        changed = False
        for call in night.calls:
            if call.id in on_route and call.id not in orphans and call.after is not None:
                before = call.after.call_id
                if before not in on_route or before in orphans:
                    orphans.add(call.id)
                    changed = True
    return orphans


def _initial_assignment(
    night: Night,
    model: _Model,
    crew_calls: dict[str, list[str]],
    pins: Mapping[str, str] | None = None,
) -> pywrapcp.Assignment | None:
    """A feasible start from given routes, dropping after-linked calls whose links clash.

    Tries the routes as they are first (cheap, and usual for the solver's own routes), then
    each cut back to the most valuable round its crew can do with the break, then without
    dependent calls (as they are, then cut back), then without any linked call.
    """
    routing = model.routing
    dependants = {c.id for c in night.calls if c.after is not None}
    linked = dependants | {c.after.call_id for c in night.calls if c.after is not None}

    def without(drop: set[str]) -> dict[str, list[str]]:
        return {k: [c for c in v if c not in drop] for k, v in crew_calls.items()}

    def as_indices(routes: dict[str, list[str]]) -> list[list[int]]:
        result: list[list[int]] = [[] for _ in night.crews]
        for crew_id, call_ids in routes.items():
            if crew_id in night.crew_index:
                result[night.crew_index[crew_id]] = [
                    model.manager.NodeToIndex(node)
                    for node in _modelled_nodes(night, model.call_nodes, call_ids)
                ]
        return result

    def allowed_as_they_are() -> bool:
        # OR-Tools logs "Vehicle N is not allowed at index M" for each refused call, so
        # routes with a call its crew may not take (tonight's rota, a pin) skip this try.
        for crew_id, call_ids in crew_calls.items():
            if crew_id not in night.crew_index:
                return False
            crew = night.crews[night.crew_index[crew_id]]
            for call_id in call_ids:
                if call_id not in night.call_index:
                    return False
                call = night.calls[night.call_index[call_id]]
                if not call.crew_can_take(crew) or (pins or {}).get(call_id, crew_id) != crew_id:
                    return False
        return True

    as_they_are = allowed_as_they_are()
    if as_they_are:
        initial = routing.ReadAssignmentFromRoutes(as_indices(crew_calls), True)
        if initial is not None:
            return initial
    # Cut back with every call first: dropping every dependent call at once (the next try)
    # loses more than the best cut does when the routes are only too full for the breaks.
    initial = routing.ReadAssignmentFromRoutes(_hint_routes(night, model, crew_calls, pins), True)
    if initial is not None:
        return initial
    if as_they_are:
        initial = routing.ReadAssignmentFromRoutes(as_indices(without(dependants)), True)
        if initial is not None:
            return initial
    for routes in (without(dependants), without(linked)):
        initial = routing.ReadAssignmentFromRoutes(_hint_routes(night, model, routes, pins), True)
        if initial is not None:
            return initial
    return None


def hint_from_plan(plan: Plan) -> dict[str, list[str]]:
    """A plan's routes as crew id -> call ids in visiting order."""
    return {route.crew_id: [v.call_id for v in route.visits] for route in plan.routes}


def _keep_hinted_rounds_together(
    night: Night, model: _Model, crew_calls: dict[str, list[str]]
) -> None:
    """Make splitting a hinted round across crews cost a little, so routes stay steady."""
    seconds = night.travel.seconds
    stickiness = min(_HINT_STICKINESS, int(seconds.max()) + 1 if seconds.size else 1)
    for call_ids in crew_calls.values():
        indices = [
            model.manager.NodeToIndex(node)
            for node in _modelled_nodes(night, model.call_nodes, call_ids)
        ]
        if len(indices) > 1:
            model.routing.AddSoftSameVehicleConstraint(indices, stickiness * model.cost_scale)


def _first_routes_without_links(
    night: Night,
    left_out: set[str],
    options: SolveOptions,
    began: float,
    pins: Mapping[str, str] | None = None,
) -> dict[str, list[str]] | None:
    """Routes from the first-solution strategy alone on the night with its links relaxed."""
    relaxed = _build_model(night, left_out, with_links=False, pins=pins)
    remaining = options.time_limit - (time.perf_counter() - began)
    # The first plan is what everything else improves on, and a busy machine can slow it a
    # lot; it stops at its first solution, so a generous share costs nothing when it is quick.
    parameters = _search_parameters(options, max(remaining * 0.8, 0.05), calls=len(night.calls))
    parameters.solution_limit = 1
    solution = relaxed.routing.SolveWithParameters(parameters)
    if solution is None:
        return None
    return {
        crew.id: [v.call_id for v in _read_route(night, relaxed, solution, i).visits]
        for i, crew in enumerate(night.crews)
    }


def _resolved_seeding(night: Night, options: SolveOptions) -> SolveOptions:
    """Options with "auto" seeding made what it means for this night (see SEEDINGS)."""
    if options.seeding != "auto":
        return options
    # OR-Tools' iterated local search makes its own start.
    if options.hint is None and options.metaheuristic != ITERATED_LOCAL_SEARCH:
        return replace(options, seeding="ruin-and-recreate", seeding_share=_RUIN_AND_RECREATE_SHARE)
    return replace(options, seeding="none")


def _default_repair_share(night: Night, options: SolveOptions) -> float:
    """The repair phase's share of the limit when the options leave it open: none where the
    compiled search starts the night (it places calls better) or on a small night."""
    if len(night.calls) > _REPAIR_ABOVE_CALLS and options.seeding != "ruin-and-recreate":
        return _REPAIR_SHARE
    return 0.0


def _solve_once(
    night: Night, options: SolveOptions, progress: ProgressCallback | None, began: float
) -> Plan:
    options = _resolved_seeding(night, options)
    if options.repair_share is None:
        options = replace(options, repair_share=_default_repair_share(night, options))
    # A crew that cannot even get from its start to its end point (and take its break) within
    # its shift cannot go out; left in, it would make the whole model infeasible.
    able = tuple(crew for crew in night.crews if earliest_schedule(night, crew, []) is not None)
    if len(able) < len(night.crews):
        night = replace(night, crews=able)
    pins = _checked_pins(night, options.crew_pins)
    impossible = {**structurally_impossible(night), **pin_conflicts(night, pins)}
    if not night.crews:
        unassigned = tuple(Unassigned(c.id, impossible[c.id]) for c in night.calls)
        stats = PlanStats(0, time.perf_counter() - began, None, "no crew can go out")
        return Plan(night.name, (), unassigned, stats)
    hinted_rounds = (
        _with_pinned_calls(night, hint_from_plan(options.hint), pins)
        if options.hint is not None
        else None
    )
    model = _build_model(night, set(impossible), pins=pins, hinted_rounds=hinted_rounds)
    routing = model.routing
    watch = _SearchWatch(model, options, progress, began)
    routing.AddAtSolutionCallback(watch)
    routing.AddSearchMonitor(routing.solver().CustomLimit(watch.stalled))
    remaining = options.time_limit - (time.perf_counter() - began)
    parameters = _search_parameters(options, max(remaining, 0.05), calls=len(night.calls))
    solution = None
    strategy = f"{options.first_solution}+{options.metaheuristic}"
    start_routes: dict[str, list[str]] | None = None
    if hinted_rounds is not None:
        start_routes = hinted_rounds
        _keep_hinted_rounds_together(night, model, start_routes)
        strategy = f"hint+{options.metaheuristic}"
    elif options.seeding == "pyvrp":
        from routing.relaxed_seed import relaxed_routes

        start_routes = relaxed_routes(night, remaining * options.seeding_share, options.seed)
        strategy = f"pyvrp+{options.metaheuristic}"
    elif options.seeding == "ruin-and-recreate":
        from routing.ruin_and_recreate import ruin_and_recreate

        planned = [c for c in night.calls if c.id not in impossible]
        # Its share is of the time before the repair phase's, so OR-Tools searches from its
        # routes before that phase begins.
        before_repair = remaining - options.time_limit * (options.repair_share or 0.0)
        start_routes = ruin_and_recreate(
            night,
            max(before_repair, 0.0) * options.seeding_share,
            options.seed,
            drop_penalties(night, planned),
            left_out=set(impossible),
            pins=pins,
            stall_seconds=options.stall_seconds,
            best_found=watch.heard_of_plan,
        ).routes
        strategy = f"ruin-and-recreate+{options.metaheuristic}"
    if start_routes is None and any(c.after is not None for c in night.calls):
        # OR-Tools' first-solution heuristics do not see the after-link constraints (posted on
        # the CP solver), so on a linked night they can fail outright. Build the first plan
        # on the night without links, then keep what the links allow as the start.
        start_routes = _first_routes_without_links(night, set(impossible), options, began, pins)
        strategy = f"{options.first_solution}(unlinked)+{options.metaheuristic}"
    remaining = options.time_limit - (time.perf_counter() - began)
    explaining = min(remaining * _EXPLAIN_SHARE, _EXPLAIN_CAP_SECONDS)
    searching = max(remaining - explaining, 0.05)
    # The repair phase's share is taken from the search only once it has a plan (see
    # _SearchWatch.stalled): a big night can take most of the limit to reach its first.
    watch.search_ends = time.perf_counter() + searching
    watch.search_until = watch.search_ends - options.time_limit * (options.repair_share or 0.0)
    parameters = _search_parameters(options, searching, calls=len(night.calls))
    routing.CloseModelWithParameters(parameters)
    if (
        options.metaheuristic == ITERATED_LOCAL_SEARCH
        and options.hint is None
        and options.seeding == "none"
    ):
        # Its own first plan; on a linked night that can fail, and the start below is used.
        solution = routing.SolveWithIteratedLocalSearch(parameters)
    if solution is None and start_routes is not None:
        initial = _initial_assignment(night, model, start_routes, pins)
        # Restoring the start reports it as a solution; counted as the search's best, the
        # repair phase's stop (see _SearchWatch.stalled) could end the search before it has
        # restored its start, and OR-Tools would hand back a plan leaving most calls out.
        watch.best = None
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, parameters)
    if solution is None:
        solution = routing.SolveWithParameters(parameters)
    if solution is None:
        # Never come back empty-handed: idle crews are always a feasible start to improve on.
        idle = routing.ReadAssignmentFromRoutes([[] for _ in night.crews], True)
        if idle is not None:
            strategy = f"idle-start+{options.metaheuristic}"
            solution = routing.SolveFromAssignmentWithParameters(idle, parameters)
    if solution is None:
        routes = tuple(_idle_route(night, v) for v in range(len(night.crews)))
    else:
        routes = tuple(_read_route(night, model, solution, v) for v in range(len(night.crews)))
        if options.repair_share:
            repair_until = began + options.time_limit - explaining
            routes, repaired = _repair(night, routes, options, pins, set(impossible), repair_until)
            if repaired:
                strategy += "+repair"
        routes = earliest_care_starts(night, routes)
    travel_seconds = sum(_route_travel(night, r) for r in routes)
    on_route = {v.call_id for r in routes for v in r.visits}
    left = [c for c in night.calls if c.id not in on_route]
    deadline = began + options.time_limit
    reasons = explain_unassigned(night, routes, left, impossible, deadline=deadline, pins=pins)
    unassigned = tuple(Unassigned(c.id, reasons[c.id]) for c in left)
    stats = PlanStats(
        travel_seconds=travel_seconds,
        solve_seconds=time.perf_counter() - began,
        first_solution_seconds=watch.first_solution,
        strategy=strategy,
    )
    return Plan(night.name, routes, unassigned, stats)


# Measured on generated rural nights of 150 and 300 calls (bench/results/tune-typical-night.md,
# 2026-11-26 23:11): with the last 35 % of the limit for the repair phase, each search left
# out fewer calls in 22 of 24 runs (at 2 s on 300 calls 0-9 critical calls instead of 4-18),
# one standard call more in 2. On 50-call nights it found one standard call at the price of
# 3-4 optional ones, or nothing, and cost travel, so it waits for bigger nights. Since
# 2026-11-27 the compiled search starts every night without a hint and places more than the
# repair phase did, so that phase is left to warm starts (see _RUIN_AND_RECREATE_SHARE).
_REPAIR_SHARE = 0.35
_REPAIR_ABOVE_CALLS = 60
# The repair phase: each attempt plans a part of the night (two crews, their calls and the
# left-out calls) for this long. On the 50-call nights a 2-crew part of ~35 calls reaches a
# plan worth keeping in 0.2 s where 0.15 s mostly did not.
_REPAIR_ATTEMPT_SECONDS = 0.2
_REPAIR_LEAST_SECONDS = 0.08
# A crew counts as near a left-out call by its visits this close to the call's window.
_REPAIR_NEAR_SECONDS = 2 * 3600
# How a part is planned again, in turn: two crews with the call made critical and a fresh
# start from PyVRP's routes or from OR-Tools' first plan (so the plan is built around it), or
# from the crews' routes with one crew's break held before the call's window (OR-Tools' local
# search never moves a break to make room, it only checks that some placement exists); then
# three crews with only their visits in a band of time around the call's window free to move,
# the call made critical, from a PyVRP start. On a night of three crews or fewer the band
# way comes first: its part is the whole night, rearranged around the call.
_REPAIR_WAYS = ("pyvrp-call-first", "call-first", "break-before", "band-pyvrp-call-first")
# The band way: on the 50-call night, seed 5, from a plan leaving out a standard call, a part
# of all three crews with ±2.5 h free (39 calls) served it at the cost of one optional call
# in 0.3 s, twice of two; ±1.5 h lost two optional calls, the whole night free found nothing.
# Tried first on 300-call nights it left out more calls in 5 of 6 per-search runs at 2 CPU s,
# though two runs of the same code differ by up to 5 calls (bench/results/tune-typical-night.md,
# 2026-11-26 23:25); it waits behind the two-crew ways there, as those were measured.
_REPAIR_BAND_CREWS = 3
_REPAIR_BAND_SECONDS = int(2.5 * 3600)
_REPAIR_BAND_ATTEMPT_SECONDS = 0.3


def _repair(
    night: Night,
    routes: tuple[Route, ...],
    options: SolveOptions,
    pins: Mapping[str, str],
    impossible: set[str],
    until: float,
) -> tuple[tuple[Route, ...], bool]:
    """Routes no worse than `routes` by `plan_score`, and whether they are better.

    While time is left (until `until`, a time.perf_counter() value), the most important
    left-out call is given to a part of the night, the crews that could take it taken two at
    a time (or three, with only the visits near the call's time free to move) with their
    calls and every left-out call; a plan of the part replaces theirs when the whole night's
    plan is then better and the validator finds nothing wrong.
    """
    best = routes
    best_score = _routes_score(night, routes)
    tried: set[tuple[str, tuple[str, ...], str]] = set()
    repaired = False
    while until - time.perf_counter() > _REPAIR_LEAST_SECONDS:
        attempt = _next_repair(night, best, pins, impossible, tried)
        if attempt is None:
            break
        tried.add(attempt)
        target, crew_ids, way = attempt
        on_route = {v.call_id for r in best for v in r.visits}
        left = [c.id for c in night.calls if c.id not in on_route and c.id not in impossible]
        band = None
        if way.startswith("band-"):
            call = night.call(target)
            band = (call.earliest - _REPAIR_BAND_SECONDS, call.latest + _REPAIR_BAND_SECONDS)
        try:
            cut = cut_sub_night(night, best, set(crew_ids), left, band)
        except ValueError:  # routes that break a link: nothing to cut, keep them as they are
            break
        if target not in cut.night.call_index:
            continue
        part = _repair_part(cut.night, target, way)
        if part is None:
            continue
        hint = None
        if way == "break-before":
            part_routes = tuple(r for r in best if r.crew_id in crew_ids)
            hint = Plan(part.name, part_routes, (), PlanStats(0, 0.0))
        attempt_seconds = _REPAIR_BAND_ATTEMPT_SECONDS if band else _REPAIR_ATTEMPT_SECONDS
        part_options = SolveOptions(
            time_limit=min(attempt_seconds, until - time.perf_counter()),
            workers=1,
            seeding="none",
            hint=hint,
            crew_pins=tuple(CrewPin(c, k) for c, k in part_pins(pins, part).items()),
            insertion_lns=True,
            stall_seconds=options.stall_seconds,
            repair_share=0.0,
        )
        if way.endswith("pyvrp-call-first"):
            part_options = replace(
                part_options,
                seeding="pyvrp",
                seeding_share=_SECOND_WORKER_SEEDING_SHARE,
                insertion_lns_calls=_SECOND_WORKER_LNS_CALLS,
            )
        part_plan = _solve_once(part, part_options, None, time.perf_counter())
        by_crew = {r.crew_id: r for r in (*cut.held, *part_plan.routes)}
        candidate = tuple(by_crew[crew.id] for crew in night.crews)
        score = _routes_score(night, candidate)
        if score < best_score and not _breaks_a_rule(night, candidate):
            best, best_score, repaired = candidate, score, True
            tried.clear()
    return best, repaired


def _next_repair(
    night: Night,
    routes: Sequence[Route],
    pins: Mapping[str, str],
    impossible: set[str],
    tried: set[tuple[str, tuple[str, ...], str]],
) -> tuple[str, tuple[str, ...], str] | None:
    """The next (left-out call, crews, way) to try: the most important call first, then the
    crews whose routes pass nearest it at its time."""
    on_route = {v.call_id for r in routes for v in r.visits}
    left = [c for c in night.calls if c.id not in on_route and c.id not in impossible]
    left.sort(key=lambda c: (c.priority.rank, c.earliest))
    for call in left:
        able = [
            crew.id
            for crew in night.crews
            if call.crew_can_take(crew) and pins.get(call.id, crew.id) == crew.id
        ]
        if not able:
            continue
        nearness = {r.crew_id: _nearness(night, r, call) for r in routes}
        others = sorted((c.id for c in night.crews), key=lambda k: nearness.get(k, 0))
        in_order = night.crew_index.__getitem__
        groups: list[tuple[str, ...]] = []
        bands: list[tuple[str, ...]] = []
        for first in sorted(able, key=lambda k: nearness.get(k, 0)):
            for second in others:
                group = tuple(sorted({first, second}, key=in_order))
                if len(group) == 2 or len(night.crews) == 1:
                    if group not in groups:
                        groups.append(group)
            nearest = [first, *(k for k in others if k != first)][:_REPAIR_BAND_CREWS]
            band = tuple(sorted(nearest, key=in_order))
            if band not in bands:
                bands.append(band)
        ways = _REPAIR_WAYS
        if len(night.crews) <= _REPAIR_BAND_CREWS:
            ways = (ways[-1], *ways[:-1])
        for way in ways:
            for group in bands if way.startswith("band-") else groups:
                if (call.id, group, way) not in tried:
                    return call.id, group, way
    return None


def _nearness(night: Night, route: Route, call: Call) -> int:
    """Seconds of drive from the route's nearest visit around the call's window to the call
    (a crew with nothing near the call in place and time is the least likely host)."""
    around = [
        v
        for v in route.visits
        if call.earliest - _REPAIR_NEAR_SECONDS <= v.start <= call.latest + _REPAIR_NEAR_SECONDS
    ]
    if not around:
        return 10**9
    return min(night.travel(night.call(v.call_id).place, call.place) for v in around)


def _repair_part(part: Night, target: str, way: str) -> Night | None:
    """The part as planned one way: the target call critical, or (with the target critical
    too) the break of a crew that could take it held before the target's window."""
    calls = tuple(
        replace(c, priority=Priority.CRITICAL) if c.id == target else c for c in part.calls
    )
    if way != "break-before":
        return replace(part, calls=calls)
    call = part.call(target)
    crews = []
    moved = False
    for crew in part.crews:
        rest = crew.rest_break
        if not moved and rest is not None and call.crew_can_take(crew):
            latest = min(rest.latest, call.earliest - rest.duration)
            if latest >= rest.earliest:
                crew = replace(crew, rest_break=replace(rest, latest=latest))
                moved = True
        crews.append(crew)
    if not moved:
        return None
    return replace(part, crews=tuple(crews), calls=calls)


def _routes_score(night: Night, routes: Sequence[Route]) -> tuple[int, int, int, int]:
    """`plan_score` of a plan with these routes."""
    counts = [0, 0, 0]
    on_route = {v.call_id for r in routes for v in r.visits}
    for call in night.calls:
        if call.id not in on_route:
            counts[call.priority.rank] += 1
    return counts[0], counts[1], counts[2], sum(_route_travel(night, r) for r in routes)


def _breaks_a_rule(night: Night, routes: tuple[Route, ...]) -> bool:
    """True when the validator finds anything wrong with a plan of these routes."""
    on_route = {v.call_id for r in routes for v in r.visits}
    left = tuple(Unassigned(c.id, "left out") for c in night.calls if c.id not in on_route)
    return bool(check_plan(night, Plan(night.name, routes, left, PlanStats(0, 0.0))))


def _checked_pins(night: Night, crew_pins: Sequence[CrewPin]) -> dict[str, str]:
    """call id -> the crew it is pinned to; a pin to a crew not out tonight is kept (its call
    is left unassigned with that reason), a pin of a call the night does not have is refused."""
    for pin in crew_pins:
        if pin.call_id not in night.call_index:
            raise ValueError(f"crew_pins: the night has no call {pin.call_id!r}")
    return {pin.call_id: pin.crew_id for pin in crew_pins}


def _with_pinned_calls(
    night: Night, crew_calls: dict[str, list[str]], pins: Mapping[str, str]
) -> dict[str, list[str]]:
    """A hint with each pinned call moved onto its crew's round, in order of window."""
    if not pins:
        return crew_calls
    routes = {crew: [c for c in calls if c not in pins] for crew, calls in crew_calls.items()}
    for call_id, crew_id in pins.items():
        if crew_id not in night.crew_index:
            continue
        call = night.call(call_id)
        round_ = routes.setdefault(crew_id, [])
        later = [
            i
            for i, c in enumerate(round_)
            if c in night.call_index and night.call(c).earliest > call.earliest
        ]
        round_.insert(later[0] if later else len(round_), call_id)
    return routes


def _idle_route(night: Night, v: int) -> Route:
    crew = night.crews[v]
    rest = crew.rest_break
    slot = BreakSlot(rest.earliest, rest.earliest + rest.duration) if rest is not None else None
    return route_from_starts(night, crew, [], [], slot, crew.shift_start, crew.shift_end)


def _read_route(night: Night, model: _Model, solution: pywrapcp.Assignment, v: int) -> Route:
    routing, manager, dimension = model.routing, model.manager, model.time
    crew = night.crews[v]
    calls: list[Call] = []
    starts: list[int] = []
    index = solution.Value(routing.NextVar(routing.Start(v)))
    while not routing.IsEnd(index):
        calls.append(night.calls[model.node_call[manager.IndexToNode(index)]])
        starts.append(solution.Value(dimension.CumulVar(index)))
        index = solution.Value(routing.NextVar(index))
    slot = None
    if v in model.breaks:
        interval = model.breaks[v]
        start = solution.StartValue(interval)
        slot = BreakSlot(start, start + solution.DurationValue(interval))
    depart_at = solution.Value(dimension.CumulVar(routing.Start(v)))
    return_by = solution.Value(dimension.CumulVar(routing.End(v)))
    return route_from_starts(night, crew, calls, starts, slot, depart_at, return_by)


def _route_travel(night: Night, route: Route) -> int:
    crew = night.crew(route.crew_id)
    places = [
        crew.start_place,
        *(night.call(v.call_id).place for v in route.visits),
        crew.end_place,
    ]
    return sum(night.travel(a, b) for a, b in zip(places, places[1:], strict=False))
