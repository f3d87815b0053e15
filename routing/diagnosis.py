"""Why a call could not be planned, in words a coordinator can act on.

First structurally, before solving: no crew with the skills or the gender asked for, a window
no crew can reach from its start and get back from within its shift, an after-link whose gap
the two windows cannot keep, a demand larger than any crew's capacity. Calls found this way
are left out of the model. After solving, each call still left over is tried against every
final route that could take it; what blocks it (a linked call left out, full crews, crews busy
through its window) becomes its reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from routing.model import AfterLink, BreakRule, Call, Crew, Night
from routing.plan import Route
from routing.route_timing import Window, earliest_schedule

_GENDER_WORDS = {"F": "female", "M": "male"}


def moment(night: Night, seconds: int) -> str:
    """A time of the night as the coordinator reads it: local HH:MM, or raw seconds.

    On a night across a clock change the zone is named ("01:30 BST", "01:30 GMT"), as on the
    route sheets, because a bare 01:30 of the October night names two moments.
    """
    clock = night.clock
    if clock is None:
        return f"t={seconds}"
    if _clocks_change(night):
        return clock.instant(seconds).strftime("%H:%M %Z")
    return clock.hhmm(seconds)


def _clocks_change(night: Night) -> bool:
    """True when the night's UTC offset at its last moment (the latest shift end, or end of
    care with no crews) differs from the one at its start."""
    clock = night.clock
    ends = [c.shift_end for c in night.crews] or [c.latest + c.duration for c in night.calls]
    if clock is None or not ends:
        return False
    return clock.instant(0).utcoffset() != clock.instant(max(ends)).utcoffset()


def minutes_text(seconds: int) -> str:
    """Seconds as the minutes a problem file gives: "150", or "10.5" for 630 s (a file may
    give fractions, and a reason must not show 10.5 as 10)."""
    return str(seconds // 60) if seconds % 60 == 0 else f"{seconds / 60:g}"


def _gap_text(link: AfterLink) -> str:
    """An after-link's gap in minutes, "150–240", or "150" when it is exact."""
    if link.min_gap == link.max_gap:
        return minutes_text(link.min_gap)
    return f"{minutes_text(link.min_gap)}–{minutes_text(link.max_gap)}"


def span_text(night: Night, earliest: int, latest: int) -> str:
    """A window of the night as a reason prints it: "02:00–03:00", or "at 02:00" when it is
    one moment (a coordinator reads "02:00–02:00" as a typo)."""
    if earliest == latest:
        return f"at {moment(night, earliest)}"
    return f"{moment(night, earliest)}–{moment(night, latest)}"


def window_text(night: Night, call: Call) -> str:
    """The call's start window, e.g. "02:00–03:00", or "at 02:00" (see `span_text`)."""
    return span_text(night, call.earliest, call.latest)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in sorted(names))


def _skill_words(skills: frozenset[str]) -> str:
    noun = "skill" if len(skills) == 1 else "skills"
    return f"{noun} {_quoted(skills)}"


def _crew_requirement_reason(night: Night, call: Call) -> str:
    """Why no crew of the night meets this call's skills and gender request."""
    everyone = (
        frozenset().union(*(crew.skills for crew in night.crews)) if night.crews else frozenset()
    )
    if not night.crews:
        return "no crew is on tonight"
    missing = call.skills - everyone
    if missing:
        return f"no crew has {_skill_words(missing)}"
    if call.gender is not None:
        same = [crew for crew in night.crews if crew.gender == call.gender]
        word = _GENDER_WORDS.get(call.gender, call.gender)
        if not same:
            return f"no crew of two {word} carers"
        return f"no crew of two {word} carers has {_skill_words(call.skills)}"
    return f"no crew holds all of {_quoted(call.skills)} together"


def _reach_reason(night: Night, call: Call, crews: Sequence[Crew]) -> str | None:
    """A reason when no able crew could do this call alone, from its start and back in shift."""
    if any(earliest_schedule(night, crew, [call]) is not None for crew in crews):
        return None
    if not any(_care_fits_shift(crew, call) for crew in crews):
        shifts = ", ".join(
            f"{crew.id} {span_text(night, crew.shift_start, crew.shift_end)}" for crew in crews
        )
        return (
            f"window {window_text(night, call)} and {minutes_text(call.duration)} min of care fall "
            f"outside every crew's shift ({shifts})"
        )
    starts = {crew.start_place for crew in crews}
    ends = {crew.end_place for crew in crews}
    where = "base" if starts == {0} else "the crews' start points"
    # A crew that ends away from where it started must still get there: say so, or the
    # coordinator checks the drive back to base, which is not the one that fails.
    if ends == starts:
        then = "back"
    else:
        then = "on to " + ("base" if ends == {0} else "the crews' end points")
    if any(_fits_ignoring_break(night, crew, call) for crew in crews):
        return f"window {window_text(night, call)} leaves no room for the crews' breaks"
    return (
        f"window {window_text(night, call)} cannot be reached from {where} "
        f"and {then} within the shift"
    )


def _care_fits_shift(crew: Crew, call: Call) -> bool:
    """Care could start in its window and end within the crew's shift, travel aside."""
    start = max(call.earliest, crew.shift_start)
    return start <= call.latest and start + call.duration <= crew.shift_end


def _fits_ignoring_break(night: Night, crew: Crew, call: Call) -> bool:
    arrive = crew.shift_start + night.travel(crew.start_place, call.place)
    start = max(arrive, call.earliest)
    back = start + call.duration + night.travel(call.place, crew.end_place)
    return start <= call.latest and back <= crew.shift_end


def structurally_impossible(night: Night) -> dict[str, str]:
    """Calls no plan can hold whatever the other calls, each with its reason."""
    reasons: dict[str, str] = {}
    for call in _in_link_order(night):
        able = [crew for crew in night.crews if call.crew_can_take(crew)]
        if call.after is not None and call.after.call_id in reasons:
            reasons[call.id] = f"linked call {call.after.call_id} cannot be planned"
            continue
        if not able:
            reasons[call.id] = _crew_requirement_reason(night, call)
            continue
        if night.uses_capacity:
            demand = night.demand_of(call)
            room = [c for c in able if c.capacity is None or c.capacity >= demand]
            if not room:
                most = max(c.capacity or 0 for c in able)
                reasons[call.id] = (
                    f"needs {demand} of a crew's capacity but the crews that could take it "
                    f"hold at most {most}"
                )
                continue
        reach = _reach_reason(night, call, able)
        if reach is not None:
            reasons[call.id] = reach
            continue
        if call.after is not None:
            before = night.call(call.after.call_id)
            lowest = call.earliest - before.latest
            highest = call.latest - before.earliest
            if lowest > call.after.max_gap or highest < call.after.min_gap:
                reasons[call.id] = (
                    f"must start {_gap_text(call.after)} min after {before.id}, "
                    "which the two windows do not allow"
                )
    return reasons


def pin_conflicts(night: Night, pins: Mapping[str, str]) -> dict[str, str]:
    """Pinned calls their crew cannot do whatever the other calls, each with a reason that
    names the pin: the crew is not out, lacks a skill or the gender asked for, or cannot reach
    the call's window from its start and be back within its shift."""
    reasons: dict[str, str] = {}
    for call_id, crew_id in pins.items():
        call = night.call(call_id)
        pinned = f"pinned to {crew_id}"
        if crew_id not in night.crew_index:
            reasons[call_id] = f"{pinned}, which is not out on this night"
            continue
        crew = night.crew(crew_id)
        missing = call.skills - crew.skills
        if missing:
            reasons[call_id] = f"{pinned}, which lacks {_skill_words(missing)}"
        elif call.gender is not None and crew.gender != call.gender:
            word = _GENDER_WORDS.get(call.gender, call.gender)
            reasons[call_id] = f"{pinned}, which is not a crew of two {word} carers"
        elif earliest_schedule(night, crew, [call]) is None:
            reasons[call_id] = (
                f"{pinned}, which cannot reach window {window_text(night, call)} "
                "and be back within its shift"
            )
    return reasons


def _in_link_order(night: Night) -> list[Call]:
    """Calls with every after-link's predecessor before its dependants (links are acyclic)."""
    ordered: list[Call] = []
    placed: set[str] = set()

    def place(call: Call) -> None:
        if call.id in placed:
            return
        if call.after is not None:
            place(night.call(call.after.call_id))
        placed.add(call.id)
        ordered.append(call)

    for call in night.calls:
        place(call)
    return ordered


def explain_unassigned(
    night: Night,
    routes: Sequence[Route],
    left: Sequence[Call],
    impossible: dict[str, str],
    deadline: float | None = None,
    pins: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A reason for each call left out of the final routes.

    Trying a call in every route costs time on big nights; past `deadline` (a
    `time.perf_counter()` value) the trial insertions stop and crews are reported busy.
    A call in `pins` (call id -> crew id) is tried only on its crew, and its reason names
    the pin.
    """
    starts = {v.call_id: v.start for r in routes for v in r.visits}
    left_ids = {c.id for c in left}
    reasons: dict[str, str] = {}
    for call in left:
        if call.id in impossible:
            reasons[call.id] = impossible[call.id]
        elif call.after is not None and call.after.call_id in left_ids:
            reasons[call.id] = f"linked call {call.after.call_id} is unassigned"
        else:
            late = deadline is not None and time.perf_counter() > deadline
            reasons[call.id] = _blocking_reason(
                night,
                routes,
                call,
                starts,
                try_insert=not late,
                pinned_to=(pins or {}).get(call.id),
            )
    for call in left:
        pinned_to = (pins or {}).get(call.id)
        if pinned_to is not None and not reasons[call.id].startswith("pinned to "):
            reasons[call.id] = f"pinned to {pinned_to}: {reasons[call.id]}"
    return reasons


def _blocking_reason(
    night: Night,
    routes: Sequence[Route],
    call: Call,
    starts: dict[str, int],
    *,
    try_insert: bool = True,
    pinned_to: str | None = None,
) -> str:
    able = [
        crew
        for crew in night.crews
        if call.crew_can_take(crew) and (pinned_to is None or crew.id == pinned_to)
    ]
    window = Window(call.earliest, call.latest)
    if call.after is not None and call.after.call_id in starts:
        anchor = starts[call.after.call_id]
        window = Window(
            max(call.earliest, anchor + call.after.min_gap),
            min(call.latest, anchor + call.after.max_gap),
        )
        if window.earliest > window.latest:
            return (
                f"must start {_gap_text(call.after)} min after {call.after.call_id} "
                f"(planned {moment(night, anchor)}), outside its window {window_text(night, call)}"
            )
    by_crew = {r.crew_id: r for r in routes}
    full: list[str] = []
    resting: list[Crew] = []
    for crew in able:
        route = by_crew.get(crew.id)
        visits = [night.call(v.call_id) for v in route.visits] if route else []
        if crew.capacity is not None:
            load = sum(night.demand_of(c) for c in visits)
            if load + night.demand_of(call) > crew.capacity:
                full.append(crew.id)
                continue
        if not try_insert:
            continue
        if _fits_route(night, crew, visits, call, window):
            if pinned_to is not None:
                return f"not placed by the search although {crew.id} may have room; re-plan"
            return (
                f"not placed by the search although {crew.id} may have room; "
                "re-plan with more time or pin it to that crew"
            )
        if crew.rest_break is not None and _fits_route(
            night, replace(crew, rest_break=None), visits, call, window
        ):
            resting.append(crew)
    span = span_text(night, window.earliest, window.latest)
    if full and len(full) == len(able):
        return f"every crew able to take it is full ({', '.join(full)})"
    # A crew that would have room but for its break: say so, or the coordinator sees it idle.
    breaks = "".join(
        f"; {crew.id} would have room but for its break ({_break_words(night, crew.rest_break)})"
        for crew in resting
        if crew.rest_break is not None
    )
    if pinned_to is not None:
        return f"{pinned_to} is busy {span}{breaks}"
    who = "every crew" if len(able) == len(night.crews) else _able_crews_words(call, able)
    return f"{who} is busy {span}{breaks}"


def _fits_route(
    night: Night, crew: Crew, visits: Sequence[Call], call: Call, window: Window
) -> bool:
    """The call could be inserted somewhere in the crew's route as the crew can work it."""
    for position in range(len(visits) + 1):
        if not _could_fit_between(night, visits, position, call, window):
            continue
        trial = [*visits[:position], call, *visits[position:]]
        if earliest_schedule(night, crew, trial, {call.id: window}) is not None:
            return True
    return False


def _break_words(night: Night, rest: BreakRule) -> str:
    """A break rule as a coordinator reads it: "30 min starting 01:00–04:00"."""
    return (
        f"{minutes_text(rest.duration)} min starting {span_text(night, rest.earliest, rest.latest)}"
    )


def _could_fit_between(
    night: Night, visits: Sequence[Call], position: int, call: Call, window: Window
) -> bool:
    """A quick necessary test before the full schedule: the neighbours' windows allow it."""
    if position > 0:
        before = visits[position - 1]
        soonest = before.earliest + before.duration + night.travel(before.place, call.place)
        if soonest > window.latest:
            return False
    if position < len(visits):
        after = visits[position]
        soonest = window.earliest + call.duration + night.travel(call.place, after.place)
        if soonest > after.latest:
            return False
    return True


def _able_crews_words(call: Call, able: Sequence[Crew]) -> str:
    needs: list[str] = []
    if call.skills:
        needs.append(f"with {_skill_words(call.skills)}")
    if call.gender is not None:
        needs.append(f"of two {_GENDER_WORDS.get(call.gender, call.gender)} carers")
    names = ", ".join(crew.id for crew in able)
    return f"every crew {' and '.join(needs)} ({names})"
