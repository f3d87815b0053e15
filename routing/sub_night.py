"""A part of a night cut out to be planned again on its own: some crews, their calls and
some left-out calls, with everything else in the plan held where it is.

The repair phase of the solver (see `routing.solver`) uses it to give a left-out call a
fresh, small search over the crews that could take it: a 2-crew, 35-call search converges in
a fraction of the time a whole night's does, and may move a break and swap calls between the
two crews at once, which the whole night's local search does not do in time.

A call in the part whose after-link partner stays outside keeps the link as a narrower window
on its own start (the partner's start is held), and a call that a held call follows must stay
planned, so it becomes critical inside the part. Any plan of the part then fits back into the
night's plan without breaking a rule.

A part may also be cut by time: with a `band`, only the part's visits starting inside it are
free to move, the others keep their start time (a window of one second) on whichever crew of
the part takes them. A band around a left-out call's window lets every crew be rearranged
where the call is wanted with a search small enough to converge in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from routing.model import Call, Night, Priority
from routing.plan import Route


@dataclass(frozen=True)
class SubNight:
    """A part of a night: `night` holds only the part's crews and calls (windows narrowed
    where a link reaches outside); `held` are the routes of every other crew, unchanged."""

    night: Night
    held: tuple[Route, ...]


def cut_sub_night(
    night: Night,
    routes: Sequence[Route],
    crew_ids: Collection[str],
    left_out: Collection[str],
    band: tuple[int, int] | None = None,
) -> SubNight:
    """The part of `night` made of the crews `crew_ids`, the calls on their routes, and the
    left-out calls `left_out` (those whose link partner is held where they cannot follow it
    are left behind). With `band` (earliest, latest start), the part's visits starting outside
    it keep their start. Raises ValueError when `routes` break an after-link."""
    part_starts = {v.call_id: v.start for r in routes if r.crew_id in crew_ids for v in r.visits}
    on_part = set(part_starts)
    held = tuple(r for r in routes if r.crew_id not in crew_ids)
    held_starts = {v.call_id: v.start for r in held for v in r.visits}
    wanted = on_part | set(left_out)
    # A left-out call that follows a call not planned at all cannot go in.
    changed = True
    while changed:
        changed = False
        for call_id in list(wanted - on_part):
            link = night.call(call_id).after
            if link is not None and link.call_id not in wanted | held_starts.keys():
                wanted.discard(call_id)
                changed = True
    followed_by_held: dict[str, list[Call]] = {}
    for call in night.calls:
        if call.id in held_starts and call.after is not None and call.after.call_id in wanted:
            followed_by_held.setdefault(call.after.call_id, []).append(call)
    calls: list[Call] = []
    for call in night.calls:
        if call.id not in wanted:
            continue
        earliest, latest = call.earliest, call.latest
        after = call.after
        if after is not None and after.call_id in held_starts:
            before = held_starts[after.call_id]
            earliest = max(earliest, before + after.min_gap)
            latest = min(latest, before + after.max_gap)
            after = None
        start_here = part_starts.get(call.id)
        if band is not None and start_here is not None and not band[0] <= start_here <= band[1]:
            earliest, latest = max(earliest, start_here), min(latest, start_here)
        priority = call.priority
        for follower in followed_by_held.get(call.id, []):
            link = follower.after
            assert link is not None
            start = held_starts[follower.id]
            earliest = max(earliest, start - link.max_gap)
            latest = min(latest, start - link.min_gap)
            priority = Priority.CRITICAL
        if earliest > latest:
            if call.id in on_part:  # not for a valid plan, where it starts in this window
                raise ValueError(f"call {call.id}: its links leave no start time")
            continue
        calls.append(
            replace(call, earliest=earliest, latest=latest, after=after, priority=priority)
        )
    kept = {c.id for c in calls}
    # Links inside the part to a call that did not make it (an empty window) go with it.
    changed = True
    while changed:
        changed = False
        for call in list(calls):
            if call.after is not None and call.after.call_id not in kept:
                calls.remove(call)
                kept.discard(call.id)
                changed = True
    crews = tuple(crew for crew in night.crews if crew.id in crew_ids)
    part = replace(night, crews=crews, calls=tuple(calls))
    return SubNight(part, held)


def part_pins(pins: Mapping[str, str], part: Night) -> dict[str, str]:
    """The crew pins that concern the part's calls."""
    return {call_id: crew for call_id, crew in pins.items() if call_id in part.call_index}
