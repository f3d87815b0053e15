"""Times along one crew's ordered calls: when it can arrive, start, finish, rest and return.

The solver decides the order and the care start times; this module turns them into a route a
crew can follow (latest sensible departure, arrival per leg, the break inside one leg), and
answers "could this crew do these calls in this order?" for the warm start and the diagnosis.
A break is taken inside one leg (between leaving a place and arriving at the next) and that
leg must leave time for both the drive and the break.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from routing.model import Call, Crew, Night
from routing.plan import BreakSlot, Route, Visit

SETTLE_IN = 5 * 60
"""How long before care starts a crew reaches the door when it could come later: time to
park, find the key safe and go in. The rest of any wait is spent at base or the last house."""


@dataclass(frozen=True, slots=True)
class Window:
    """Bounds on when care may start, in seconds."""

    earliest: int
    latest: int


def earliest_schedule(
    night: Night,
    crew: Crew,
    calls: Sequence[Call],
    windows: Mapping[str, Window] | None = None,
) -> Route | None:
    """The earliest-start route for these calls in this order, or None if none fits.

    `windows` narrows some calls' start windows (e.g. to keep an after-link with a call on
    another route). Tries the break in every leg and keeps the schedule that returns first.
    """
    best: Route | None = None
    legs = len(calls) + 1
    break_legs: Sequence[int | None] = range(legs) if crew.rest_break is not None else [None]
    for break_leg in break_legs:
        timing = _forward_pass(night, crew, calls, windows or {}, break_leg)
        if timing is None:
            continue
        starts, slot = timing
        route = route_from_starts(
            night, crew, calls, starts, slot, crew.shift_start, crew.shift_end
        )
        if route.return_at <= crew.shift_end and (best is None or route.return_at < best.return_at):
            best = route
    return best


def most_valuable_round(
    night: Night, crew: Crew, calls: Sequence[Call], value: Callable[[Call], int]
) -> list[Call]:
    """The calls of this round, in the order given, that the crew can do with its break on
    the way, leaving out the least value (then returning earliest among equal choices).

    A round planned without the break (PyVRP's, or last night's on a night that changed) is
    often too full for it; cutting it back call by call keeps the first calls and loses
    whatever comes after the break would fit, where the best cut may leave out one optional
    call instead. Exact, by labels (value left out, finish time, break taken) kept per last
    call, dropping any label another beats on all three; a few milliseconds for 20 calls.
    """
    rest = crew.rest_break
    # A label: value left out so far, when care at the last kept call ends, break taken, and
    # the calls kept; labels[i] hold those whose last kept call is calls[i] (-1: none yet).
    Label = tuple[int, int, bool, tuple[Call, ...]]
    labels: dict[int, list[Label]] = {-1: [(0, crew.shift_start, rest is None, ())]}
    best: tuple[int, int, tuple[Call, ...]] | None = None

    def legs(clock: int, origin: int, destination: int, rested: bool) -> list[tuple[int, bool]]:
        arrive = clock + night.travel(origin, destination)
        ways = [(arrive, rested)]
        if rest is not None and not rested:
            begin = max(clock, rest.earliest)
            if begin <= rest.latest:
                ways.append((max(arrive + rest.duration, begin + rest.duration), True))
        return ways

    def keep(index: int, label: Label) -> None:
        kept = labels.setdefault(index, [])
        left_out, finish, rested, _ = label
        if any(o[0] <= left_out and o[1] <= finish and (o[2] or not rested) for o in kept):
            return
        kept[:] = [
            o for o in kept if not (left_out <= o[0] and finish <= o[1] and (rested or not o[2]))
        ]
        kept.append(label)

    for last in range(-1, len(calls)):
        place = crew.start_place if last < 0 else calls[last].place
        for left_out, clock, rested, kept in labels.get(last, []):
            skipped = 0
            for nxt in range(last + 1, len(calls)):
                call = calls[nxt]
                for arrive, now_rested in legs(clock, place, call.place, rested):
                    start = max(arrive, call.earliest)
                    if start <= call.latest:
                        keep(
                            nxt,
                            (left_out + skipped, start + call.duration, now_rested, (*kept, call)),
                        )
                skipped += value(call)
            for home, now_rested in legs(clock, place, crew.end_place, rested):
                if now_rested and home <= crew.shift_end:
                    candidate = (left_out + skipped, home, kept)
                    if best is None or candidate[:2] < best[:2]:
                        best = candidate
    return list(best[2]) if best is not None else []


def _forward_pass(
    night: Night,
    crew: Crew,
    calls: Sequence[Call],
    windows: Mapping[str, Window],
    break_leg: int | None,
) -> tuple[list[int], BreakSlot | None] | None:
    rest = crew.rest_break
    clock = crew.shift_start
    place = crew.start_place
    starts: list[int] = []
    slot: BreakSlot | None = None
    for leg in range(len(calls) + 1):
        call = calls[leg] if leg < len(calls) else None
        to_place = crew.end_place if call is None else call.place
        arrive = clock + night.travel(place, to_place)
        if leg == break_leg and rest is not None:
            begin = max(clock, rest.earliest)
            if begin > rest.latest:
                return None
            slot = BreakSlot(begin, begin + rest.duration)
            arrive = max(arrive + rest.duration, slot.end)
        if call is None:
            return (starts, slot) if arrive <= crew.shift_end else None
        window = windows.get(call.id, Window(call.earliest, call.latest))
        start = max(arrive, window.earliest, call.earliest)
        if start > min(window.latest, call.latest):
            return None
        starts.append(start)
        clock = start + call.duration
        place = call.place
    return None


def route_from_starts(
    night: Night,
    crew: Crew,
    calls: Sequence[Call],
    starts: Sequence[int],
    rest: BreakSlot | None,
    depart_at: int,
    return_by: int,
) -> Route:
    """A route for calls whose care start times are already decided (by the solver).

    The crew waits where it is rather than at the next door: it leaves base as late as the
    first visit (and a break taken on the way) allows, and reaches each door `SETTLE_IN`
    before care starts, or as soon as the drive and a break in that leg allow when there is
    less slack than that. It returns as soon as it can. Only `arrive`, `depart` and `return`
    are chosen here; care start times and the break are the solver's. `depart_at` and
    `return_by` are the solver's own bounds, used for a crew that makes no visit.
    """
    if not calls:
        drive = night.travel(crew.start_place, crew.end_place)
        if rest is None:
            return Route(crew.id, crew.shift_start, crew.shift_start + drive, (), None)
        back_at = max(rest.end, rest.start + drive + (rest.end - rest.start))
        if back_at <= crew.shift_end:
            return Route(crew.id, rest.start, back_at, (), rest)
        return Route(crew.id, depart_at, return_by, (), rest)
    break_leg = None
    if rest is not None:
        break_leg = sum(1 for start in starts if start < rest.start)
    duration = rest.end - rest.start if rest is not None else 0
    first_drive = night.travel(crew.start_place, calls[0].place)
    depart = starts[0] - SETTLE_IN - first_drive
    if break_leg == 0 and rest is not None:
        # The break sits on the way to the first call: it must begin after leaving base.
        depart = min(depart - duration, rest.start)
    depart = max(depart, crew.shift_start)
    visits: list[Visit] = []
    place = crew.start_place
    clock = depart
    for leg, call in enumerate(calls):
        soonest = clock + night.travel(place, call.place)
        if leg == break_leg and rest is not None:
            soonest = max(soonest + duration, rest.end)
        start = starts[leg]
        arrive = max(soonest, start - SETTLE_IN)
        visits.append(Visit(call.id, arrive, start, start + call.duration))
        clock = start + call.duration
        place = call.place
    back_at = clock + night.travel(place, crew.end_place)
    if break_leg == len(calls) and rest is not None:
        back_at = max(back_at + duration, rest.end)
    return Route(crew.id, depart, back_at, tuple(visits), rest)


def earliest_care_starts(night: Night, routes: Sequence[Route]) -> tuple[Route, ...]:
    """The same rounds, each visit as early as its round allows: when its window opens, or as
    soon as the visit before it and the drive (and the break, kept in its leg and taken as soon
    as its rule allows) let the crew begin, or as an after-link holds it.

    The solver decides the order; when care starts within the slack it leaves is a choice, and
    this makes it one rule whatever way the search found the round, so a call added late in a
    crew's night leaves its earlier visits at their times. Every bound is a difference between
    two starts or a constant, so the earliest starts are the least solution, found by raising
    starts until every bound holds. Routes whose solution that does not reach (never seen: the
    given starts hold every bound) keep their given times.
    """
    # Each bound reads: value[later] >= value[earlier] + gap; keys are ("care", call id) and
    # ("break", crew id).
    floor: dict[tuple[str, str], int] = {}
    bounds: list[tuple[tuple[str, str], tuple[str, str], int]] = []
    given: dict[tuple[str, str], int] = {}
    for route in routes:
        if not route.visits:
            continue
        crew = night.crew(route.crew_id)
        rest, rule = route.rest_break, crew.rest_break
        break_leg = None
        if rest is not None and rule is not None:
            break_leg = sum(1 for v in route.visits if v.start < rest.start)
            rest_key = ("break", crew.id)
            floor[rest_key] = max(rule.earliest, crew.shift_start)
            given[rest_key] = rest.start
        place, ready_gap = crew.start_place, 0
        ready_key: tuple[str, str] | None = None
        for leg, visit in enumerate(route.visits):
            call = night.call(visit.call_id)
            drive = night.travel(place, call.place)
            key = ("care", call.id)
            floor[key] = call.earliest
            given[key] = visit.start
            pause = 0
            if leg == break_leg and rest is not None:
                pause = rest.end - rest.start
                if ready_key is not None:
                    bounds.append((("break", crew.id), ready_key, ready_gap))
                bounds.append((key, ("break", crew.id), pause))
            if ready_key is None:
                floor[key] = max(floor[key], crew.shift_start + drive + pause)
            else:
                bounds.append((key, ready_key, ready_gap + drive + pause))
            place, ready_key, ready_gap = call.place, key, call.duration
        if break_leg == len(route.visits) and ready_key is not None:
            bounds.append((("break", crew.id), ready_key, ready_gap))
    for call in night.calls:
        link = call.after
        if link is None:
            continue
        later, earlier = ("care", call.id), ("care", link.call_id)
        if later in given and earlier in given:
            bounds.append((later, earlier, link.min_gap))
            bounds.append((earlier, later, -link.max_gap))
    value = dict(floor)
    for _ in range(len(value) + 1):
        raised = False
        for later, earlier, gap in bounds:
            if value[earlier] + gap > value[later]:
                value[later] = value[earlier] + gap
                raised = True
        if not raised:
            break
    else:
        return tuple(routes)
    if any(value[key] > given[key] for key in value):
        return tuple(routes)
    timed: list[Route] = []
    for route in routes:
        if not route.visits:
            timed.append(route)
            continue
        crew = night.crew(route.crew_id)
        calls = [night.call(v.call_id) for v in route.visits]
        starts = [value["care", c.id] for c in calls]
        rest = route.rest_break
        if rest is not None and ("break", crew.id) in value:
            taken = value["break", crew.id]
            rest = BreakSlot(taken, taken + rest.end - rest.start)
        timed.append(
            route_from_starts(night, crew, calls, starts, rest, route.depart, route.return_at)
        )
    return tuple(timed)
