"""A pool of crews' routes seen during searches, and the best night made of them.

Each search of a solve passes through many plans; most of their routes are sound on their
own, and the best plan of one search may do worse, crew for crew, than a mix of routes from
several plans or from both searches. The pool keeps every distinct route seen (crew, calls in
order, care start times) and `recombine` chooses one route per crew with CP-SAT (a
set-partitioning matheuristic): each call on at most one chosen route, a crew may stay idle,
and an after-linked call only with its predecessor chosen and the gap between their recorded
start times within its bounds. It is judged as the spec judges plans: calls left out by
priority, then travel.

Start times are those of the plan a route came from, so two routes from different plans are
combined only where their recorded times keep every link; the chosen routes are then handed
to the solver as a warm start, which sets the times, breaks and links itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from routing.model import Call, Night
from routing.plan import Route

# A pool stops growing here: a 300-call night's searches could otherwise gather routes faster
# than CP-SAT can choose among them in the time kept for it.
MOST_ROUTES = 20_000


@dataclass(frozen=True, slots=True)
class PooledRoute:
    """One crew's calls in visiting order, with the care start of each as it was planned."""

    crew_id: str
    call_ids: tuple[str, ...]
    starts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Recombination:
    """The routes chosen, crew id -> call ids in order, and their score as the spec judges
    (critical, standard, optional calls left out, travel seconds)."""

    crew_calls: dict[str, list[str]]
    score: tuple[int, int, int, int]


class RoutePool:
    """Distinct routes seen while searching one night.

    Two routes with the same crew and calls in the same order differ only where an
    after-linked call starts at another time (that decides which other routes it may go
    with), so only those start times are part of what makes a route distinct.
    """

    def __init__(self, linked_call_ids: Iterable[str]) -> None:
        self._linked = frozenset(linked_call_ids)
        self._routes: dict[tuple[str, tuple[str, ...], tuple[int, ...]], PooledRoute] = {}

    @classmethod
    def for_night(cls, night: Night) -> RoutePool:
        """An empty pool for this night's calls."""
        linked = {c.id for c in night.calls if c.after is not None}
        linked |= {c.after.call_id for c in night.calls if c.after is not None}
        return cls(linked)

    def __len__(self) -> int:
        return len(self._routes)

    @property
    def routes(self) -> list[PooledRoute]:
        """Every pooled route, in the order first seen."""
        return list(self._routes.values())

    def add(self, crew_id: str, call_ids: Sequence[str], starts: Sequence[int]) -> None:
        """Keep this route unless the pool already holds it (or is full)."""
        if not call_ids or len(self._routes) >= MOST_ROUTES:
            return
        linked_starts = tuple(s for c, s in zip(call_ids, starts, strict=True) if c in self._linked)
        key = (crew_id, tuple(call_ids), linked_starts)
        if key not in self._routes:
            self._routes[key] = PooledRoute(crew_id, tuple(call_ids), tuple(starts))

    def add_routes(self, routes: Iterable[Route]) -> None:
        """Keep each route of a plan."""
        for route in routes:
            self.add(
                route.crew_id,
                [v.call_id for v in route.visits],
                [v.start for v in route.visits],
            )

    def merge(self, other: RoutePool) -> None:
        """Keep every route of another search's pool too."""
        for route in other.routes:
            self.add(route.crew_id, route.call_ids, route.starts)


def recombine(
    night: Night,
    pool: RoutePool,
    crew_ids: Sequence[str],
    seconds: float = 0.1,
    hint: Mapping[str, Sequence[str]] | None = None,
) -> Recombination | None:
    """The best choice of one pooled route (or none) per crew, or None when CP-SAT finds none
    in `seconds`.

    `crew_ids` are the crews that may go out; `hint` (crew id -> call ids, e.g. the best
    plan's routes, which should be in the pool) is CP-SAT's first guess.
    """
    crews = set(crew_ids)
    routes = [r for r in pool.routes if r.crew_id in crews]
    idle = {k: _travel(night, k, ()) for k in crews}
    travel = [_travel(night, r.crew_id, r.call_ids) for r in routes]
    weight = _lexicographic_weights(night.calls, max(travel, default=0), len(crews))

    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"route {i}") for i in range(len(routes))]
    by_crew: dict[str, list[int]] = {k: [] for k in crews}
    by_call: dict[str, list[int]] = {}
    for i, route in enumerate(routes):
        by_crew[route.crew_id].append(i)
        for call_id in route.call_ids:
            by_call.setdefault(call_id, []).append(i)
    for members in (*by_crew.values(), *by_call.values()):
        if len(members) > 1:
            model.add_at_most_one(chosen[i] for i in members)
    _link_constraints(night, routes, chosen, model)

    # Constant terms (every call left out, every crew idle) leave the objective out:
    # a route earns the weights of its calls and costs its travel over the crew's idle drive.
    costs = [
        travel[i] - idle[r.crew_id] - sum(weight[night.call(c).priority.rank] for c in r.call_ids)
        for i, r in enumerate(routes)
    ]
    model.minimize(cp_model.LinearExpr.weighted_sum(chosen, costs))
    if hint is not None:
        hinted = {(k, tuple(v)) for k, v in hint.items()}
        for i, route in enumerate(routes):
            model.add_hint(chosen[i], (route.crew_id, route.call_ids) in hinted)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.001)
    # One worker: the solve's other search may still be using the second core.
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    picked = [routes[i] for i in range(len(routes)) if solver.boolean_value(chosen[i])]
    crew_calls: dict[str, list[str]] = {k: [] for k in crew_ids}
    for route in picked:
        crew_calls[route.crew_id] = list(route.call_ids)
    served = {c for r in picked for c in r.call_ids}
    counts = [0, 0, 0]
    for call in night.calls:
        if call.id not in served:
            counts[call.priority.rank] += 1
    total_travel = sum(idle.values()) + sum(
        travel[i] - idle[routes[i].crew_id]
        for i in range(len(routes))
        if solver.boolean_value(chosen[i])
    )
    return Recombination(crew_calls, (counts[0], counts[1], counts[2], total_travel))


def _lexicographic_weights(
    calls: Sequence[Call], longest_route: int, crews: int
) -> tuple[int, int, int]:
    """Weights per call left out (critical, standard, optional) so one optional call outweighs
    any travel, one standard call every optional call, one critical call every standard."""
    optional = (longest_route + 1) * (crews + 1)
    standard = (sum(c.priority.rank == 2 for c in calls) + 1) * optional
    critical = (sum(c.priority.rank == 1 for c in calls) + 1) * standard
    return critical, standard, optional


def _link_constraints(
    night: Night,
    routes: Sequence[PooledRoute],
    chosen: Sequence[cp_model.IntVar],
    model: cp_model.CpModel,
) -> None:
    """A route holding an after-linked call without its predecessor goes only with a route
    holding the predecessor whose recorded start keeps the gap."""
    holding: dict[str, list[tuple[int, int]]] = {}
    for i, route in enumerate(routes):
        for call_id, start in zip(route.call_ids, route.starts, strict=True):
            holding.setdefault(call_id, []).append((i, start))
    for call in night.calls:
        link = call.after
        if link is None or call.id not in holding:
            continue
        for i, start in holding[call.id]:
            if link.call_id in routes[i].call_ids:
                continue  # both on one route: its own plan kept the gap
            partners = [
                chosen[j]
                for j, before in holding.get(link.call_id, [])
                if routes[j].crew_id != routes[i].crew_id
                and link.min_gap <= start - before <= link.max_gap
            ]
            model.add_bool_or([*partners, chosen[i].Not()])


def _travel(night: Night, crew_id: str, call_ids: Sequence[str]) -> int:
    crew = night.crew(crew_id)
    places = [crew.start_place, *(night.call(c).place for c in call_ids), crew.end_place]
    return sum(night.travel(a, b) for a, b in zip(places, places[1:], strict=False))
