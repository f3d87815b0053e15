"""Publishing again keeps each round with the crew that had it, where nothing else changes.

The solver keeps a hinted round together but not on its crew: to it, two crews alike in
shift, base, break and capacity are interchangeable, so a publication after one more call may
hand crew 1's whole round to crew 2 at no cost, and both crews' sheets change. Exchanging such
crews' rounds back changes nothing the solver weighs (times, travel and unassigned calls stay
the same) and the carers keep the rounds they had.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from itertools import combinations

from routing.model import Night
from routing.plan import Plan, Route
from routing.validate import is_feasible


def steady_rounds(night: Night, plan: Plan, hint: Plan, pinned: Collection[str] = ()) -> Plan:
    """`plan` with the rounds of interchangeable crews exchanged so that as many visits as
    possible stay with the crew `hint` had them on. A round holding a `pinned` call stays with
    its crew; if the exchanged plan were not feasible (it always is when `plan` is), `plan`
    comes back unchanged."""
    hinted = {v.call_id: r.crew_id for r in hint.routes for v in r.visits}
    rounds = {r.crew_id: r for r in plan.routes}

    def kept(route: Route, crew_id: str) -> int:
        return sum(1 for v in route.visits if hinted.get(v.call_id) == crew_id)

    exchanged = False
    improved = True
    while improved:
        improved = False
        for a, b in combinations(sorted(rounds), 2):
            first, second = rounds[a], rounds[b]
            gain = kept(second, a) + kept(first, b) - kept(first, a) - kept(second, b)
            if gain > 0 and _exchangeable(night, first, second, pinned):
                rounds[a] = replace(second, crew_id=a)
                rounds[b] = replace(first, crew_id=b)
                exchanged = improved = True
    if not exchanged:
        return plan
    steadied = replace(plan, routes=tuple(rounds[r.crew_id] for r in plan.routes))
    return steadied if is_feasible(night, steadied) else plan


def _exchangeable(night: Night, first: Route, second: Route, pinned: Collection[str]) -> bool:
    """Whether the two crews can do each other's rounds at the same times: the same shift,
    start and end places, break rule and capacity, each able to take the other's calls, and
    no pinned call on either round."""
    if first.crew_id not in night.crew_index or second.crew_id not in night.crew_index:
        return False
    a = night.crews[night.crew_index[first.crew_id]]
    b = night.crews[night.crew_index[second.crew_id]]
    alike = (a.shift_start, a.shift_end, a.start_place, a.end_place, a.rest_break, a.capacity) == (
        b.shift_start,
        b.shift_end,
        b.start_place,
        b.end_place,
        b.rest_break,
        b.capacity,
    )
    if not alike:
        return False
    for route, crew in ((first, b), (second, a)):
        for visit in route.visits:
            if visit.call_id in pinned or visit.call_id not in night.call_index:
                return False
            if not night.calls[night.call_index[visit.call_id]].crew_can_take(crew):
                return False
    return True
