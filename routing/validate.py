"""The independent judge of a night plan: every rule of the night-problem spec, checked again.

Written from the file-format contract (``night-problem.md``) and ``routing.model`` only; it
never imports the solver, so a solver bug cannot hide itself behind a matching checker bug.

`check_plan` returns one `Violation` per broken rule, each with a sentence a coordinator can
read (local HH:MM when the night has a clock, raw seconds otherwise). The rule codes are:

- ``problem``: the plan names another problem than the night's.
- ``coverage``: a call of the night is neither on a route nor unassigned.
- ``duplicate``: a call appears more than once, or a crew has more than one route.
- ``unknown-call`` / ``unknown-crew``: the plan names a call or crew the night does not have.
- ``reason``: an unassigned call has no reason.
- ``window``: care starts outside the call's [earliest, latest].
- ``duration``: a visit's end is not its start plus the call's minutes.
- ``order``: times run backwards (arrival after care starts, or reaching the next stop before
  leaving the last one).
- ``travel``: a leg is shorter than its drive (plus the break, when the break is in it).
- ``shift``: the crew leaves before its shift starts or returns after it ends.
- ``break``: the break is missing, unexpected, the wrong length, starts outside its window, or
  is not wholly inside one leg.
- ``skill``: no carer of the crew holds a skill the call needs.
- ``gender``: the call asks for carers of one gender and the crew is not both of it.
- ``after``: a linked call is planned without the call it follows, or outside its gap.
- ``capacity``: a crew's calls demand more than its capacity.

Readings of the spec this module commits to:

* A leg runs from ``depart`` (or a visit's ``end``) to the next visit's ``arrive`` (or to
  ``return``). Waiting between ``arrive`` and ``start`` is at the client's door, so it is not
  part of any leg.
* "Taken between visits or while driving, never during one" is read as: the break's
  [start, end] lies wholly inside one leg, and that leg is long enough for its drive plus the
  break. A break during the wait at a door, or before ``depart`` / after ``return``, is a
  ``break`` violation.
* "Every crew that has a break takes it": a crew with a break rule needs a route (even one
  with no visits) holding its break; a crew with no route takes no break. Spared are a crew
  without a break rule, and a crew that cannot go out at all (its drive from its start to its
  end point plus its break do not fit in its shift), which no plan could send out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from routing.model import Call, Crew, Night, Priority
from routing.plan import BreakSlot, Plan, Route, Visit


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule of a plan, with a sentence a coordinator can act on."""

    rule: str
    message: str
    call_id: str | None = None
    crew_id: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class PlanScore:
    """What a plan is judged by, compared field by field in the spec's order (lower is better)."""

    critical_unassigned: int
    standard_unassigned: int
    optional_unassigned: int
    travel_seconds: int


def check_plan(night: Night, plan: Plan) -> list[Violation]:
    """Every rule of the spec that `plan` breaks for `night`; empty when the plan is feasible."""
    violations: list[Violation] = []
    if plan.problem != night.name:
        violations.append(
            Violation("problem", f"The plan is for problem {plan.problem!r}, not {night.name!r}.")
        )
    violations.extend(_coverage_violations(night, plan))
    seen_crews: set[str] = set()
    for route in plan.routes:
        if route.crew_id not in night.crew_index:
            violations.append(
                Violation(
                    "unknown-crew",
                    f"The plan has a route for crew {route.crew_id}, but the night has no such "
                    "crew.",
                    crew_id=route.crew_id,
                )
            )
            violations.extend(_visit_violations(night, route.crew_id, route.visits))
            continue
        if route.crew_id in seen_crews:
            # The crew's first route has already been judged in full; a second one is the fault.
            violations.append(
                Violation(
                    "duplicate",
                    f"{route.crew_id} has more than one route.",
                    crew_id=route.crew_id,
                )
            )
            continue
        seen_crews.add(route.crew_id)
        violations.extend(_route_violations(night, night.crew(route.crew_id), route))
    for crew in night.crews:
        rule = crew.rest_break
        if rule is not None and crew.id not in seen_crews and _can_go_out(night, crew):
            violations.append(
                Violation(
                    "break",
                    f"{crew.id} has no route, so takes no break, but must take "
                    f"{_span(rule.duration)} starting between {_at(night, rule.earliest)} and "
                    f"{_at(night, rule.latest)}.",
                    crew_id=crew.id,
                )
            )
    violations.extend(_after_violations(night, plan))
    return violations


def _can_go_out(night: Night, crew: Crew) -> bool:
    """The crew can drive from its start to its end point and rest within its shift.

    The break can always start at its earliest and end within the shift (a break rule lies
    inside its crew's shift), so only the drive plus the break must fit in the shift.
    """
    rest = crew.rest_break.duration if crew.rest_break is not None else 0
    drive = night.travel(crew.start_place, crew.end_place)
    return crew.shift_start + drive + rest <= crew.shift_end


def is_feasible(night: Night, plan: Plan) -> bool:
    """True when `check_plan` finds nothing wrong with the plan."""
    return not check_plan(night, plan)


def route_travel_seconds(night: Night, route: Route) -> int:
    """Drive seconds of a route by the night's travel matrix: start point, visits, end point.

    A route with no visits still drives from its crew's start to its end point. Calls or crews
    the night does not know are skipped (such a plan is not feasible anyway).
    """
    if route.crew_id not in night.crew_index:
        return 0
    crew = night.crew(route.crew_id)
    places = [crew.start_place]
    places += [night.call(v.call_id).place for v in route.visits if v.call_id in night.call_index]
    places.append(crew.end_place)
    return sum(night.travel(a, b) for a, b in zip(places, places[1:], strict=False))


def score_plan(night: Night, plan: Plan) -> PlanScore:
    """The plan's score: unassigned calls by priority, then travel, all recomputed from routes.

    A call counts as unassigned when it is on no route, whatever `plan.unassigned` says, and
    travel comes from the travel matrix rather than `plan.stats`. Meaningful for plans that
    `check_plan` accepts.
    """
    on_routes = set(plan.assigned_call_ids())
    missing = Counter(c.priority for c in night.calls if c.id not in on_routes)
    return PlanScore(
        critical_unassigned=missing[Priority.CRITICAL],
        standard_unassigned=missing[Priority.STANDARD],
        optional_unassigned=missing[Priority.OPTIONAL],
        travel_seconds=sum(route_travel_seconds(night, r) for r in plan.routes),
    )


def _at(night: Night, seconds: int) -> str:
    """A moment of the night as a coordinator reads it."""
    if night.clock is not None:
        return night.clock.hhmm(seconds)
    return f"{seconds} s"


def _span(seconds: int) -> str:
    """A length of time in minutes (and seconds when it is not whole minutes)."""
    sign = "-" if seconds < 0 else ""
    minutes, rest = divmod(abs(seconds), 60)
    return f"{sign}{minutes} min" + (f" {rest} s" if rest else "")


def _coverage_violations(night: Night, plan: Plan) -> list[Violation]:
    violations: list[Violation] = []
    places: defaultdict[str, list[str]] = defaultdict(list)
    for route in plan.routes:
        for visit in route.visits:
            places[visit.call_id].append(route.crew_id)
    for entry in plan.unassigned:
        places[entry.call_id].append("unassigned")
        if not entry.reason.strip():
            violations.append(
                Violation(
                    "reason",
                    f"Call {entry.call_id} is unassigned without a reason.",
                    call_id=entry.call_id,
                )
            )
    for call_id, where in places.items():
        if call_id not in night.call_index:
            violations.append(
                Violation(
                    "unknown-call",
                    f"The plan lists call {call_id} ({', '.join(where)}), but the night has no "
                    "such call.",
                    call_id=call_id,
                )
            )
        elif len(where) > 1:
            violations.append(
                Violation(
                    "duplicate",
                    f"Call {call_id} appears {len(where)} times in the plan "
                    f"({', '.join(where)}); it must appear exactly once.",
                    call_id=call_id,
                )
            )
    for call in night.calls:
        if call.id not in places:
            violations.append(
                Violation(
                    "coverage",
                    f"Call {call.id} is neither on a route nor unassigned.",
                    call_id=call.id,
                )
            )
    return violations


def _visit_violations(night: Night, crew_id: str, visits: Sequence[Visit]) -> list[Violation]:
    """Window, duration and arrive-before-start of each visit, whoever the crew is."""
    violations: list[Violation] = []
    for visit in visits:
        if visit.call_id not in night.call_index:
            continue
        call = night.call(visit.call_id)
        if not call.earliest <= visit.start <= call.latest:
            violations.append(
                Violation(
                    "window",
                    f"{crew_id} starts call {call.id} at {_at(night, visit.start)}, outside its "
                    f"window {_at(night, call.earliest)}-{_at(night, call.latest)}.",
                    call_id=call.id,
                    crew_id=crew_id,
                )
            )
        if visit.arrive > visit.start:
            violations.append(
                Violation(
                    "order",
                    f"{crew_id} arrives at call {call.id} at {_at(night, visit.arrive)}, after "
                    f"care starts at {_at(night, visit.start)}.",
                    call_id=call.id,
                    crew_id=crew_id,
                )
            )
        if visit.end != visit.start + call.duration:
            violations.append(
                Violation(
                    "duration",
                    f"Call {call.id} runs {_at(night, visit.start)}-{_at(night, visit.end)}, but "
                    f"care lasts {_span(call.duration)}, so it should end at "
                    f"{_at(night, visit.start + call.duration)}.",
                    call_id=call.id,
                    crew_id=crew_id,
                )
            )
    return violations


def _route_violations(night: Night, crew: Crew, route: Route) -> list[Violation]:
    violations = _visit_violations(night, crew.id, route.visits)
    violations.extend(_shift_violations(night, crew, route))
    violations.extend(_leg_violations(night, crew, route))
    violations.extend(_break_violations(night, crew, route))
    known = [night.call(v.call_id) for v in route.visits if v.call_id in night.call_index]
    for call in known:
        violations.extend(_crew_fit_violations(call, crew))
    if crew.capacity is not None:
        demand = sum(night.demand_of(call) for call in known)
        if demand > crew.capacity:
            violations.append(
                Violation(
                    "capacity",
                    f"{crew.id}'s calls demand {demand}, more than its capacity of "
                    f"{crew.capacity}.",
                    crew_id=crew.id,
                )
            )
    return violations


def _shift_violations(night: Night, crew: Crew, route: Route) -> list[Violation]:
    violations: list[Violation] = []
    if route.depart < crew.shift_start:
        violations.append(
            Violation(
                "shift",
                f"{crew.id} leaves at {_at(night, route.depart)}, before its shift starts at "
                f"{_at(night, crew.shift_start)}.",
                crew_id=crew.id,
            )
        )
    if route.return_at > crew.shift_end:
        violations.append(
            Violation(
                "shift",
                f"{crew.id} returns at {_at(night, route.return_at)}, after its shift ends at "
                f"{_at(night, crew.shift_end)}.",
                crew_id=crew.id,
            )
        )
    return violations


@dataclass(frozen=True, slots=True)
class _Leg:
    """A stretch of road: leaves `origin` at `begin`, reaches `destination` at `end`.

    Places are None when the stop is a call the night does not know.
    """

    begin: int
    end: int
    origin: int | None
    destination: int | None
    origin_name: str
    destination_name: str


def _legs(night: Night, crew: Crew, route: Route) -> list[_Leg]:
    stops: list[tuple[int | None, str, int, int]] = [
        (crew.start_place, "its start point", route.depart, route.depart)
    ]
    for visit in route.visits:
        place = night.call(visit.call_id).place if visit.call_id in night.call_index else None
        stops.append((place, f"call {visit.call_id}", visit.arrive, visit.end))
    stops.append((crew.end_place, "its end point", route.return_at, route.return_at))
    return [
        _Leg(
            begin=leaves[3],
            end=reaches[2],
            origin=leaves[0],
            destination=reaches[0],
            origin_name=leaves[1],
            destination_name=reaches[1],
        )
        for leaves, reaches in zip(stops, stops[1:], strict=False)
    ]


def _break_leg(legs: Sequence[_Leg], route: Route) -> int | None:
    """Index of the leg that wholly holds the route's break, if one does."""
    if route.rest_break is None:
        return None
    for i, leg in enumerate(legs):
        if leg.begin <= route.rest_break.start and route.rest_break.end <= leg.end:
            return i
    return None


def _leg_violations(night: Night, crew: Crew, route: Route) -> list[Violation]:
    violations: list[Violation] = []
    legs = _legs(night, crew, route)
    break_leg = _break_leg(legs, route)
    for i, leg in enumerate(legs):
        if leg.end < leg.begin:
            violations.append(
                Violation(
                    "order",
                    f"{crew.id} reaches {leg.destination_name} at {_at(night, leg.end)}, before "
                    f"it leaves {leg.origin_name} at {_at(night, leg.begin)}.",
                    crew_id=crew.id,
                )
            )
            continue
        if leg.origin is None or leg.destination is None:
            continue
        drive = night.travel(leg.origin, leg.destination)
        rest = 0
        if i == break_leg and route.rest_break is not None:
            rest = route.rest_break.end - route.rest_break.start
        if leg.end - leg.begin < drive + rest:
            needs = f"{_span(drive)} of driving" + (f" and its {_span(rest)} break" if rest else "")
            violations.append(
                Violation(
                    "travel",
                    f"{crew.id} has {_span(leg.end - leg.begin)} from {leg.origin_name} "
                    f"({_at(night, leg.begin)}) to {leg.destination_name} "
                    f"({_at(night, leg.end)}) but needs {needs}.",
                    crew_id=crew.id,
                )
            )
    return violations


def _break_violations(night: Night, crew: Crew, route: Route) -> list[Violation]:
    rule, taken = crew.rest_break, route.rest_break
    if rule is None:
        if taken is None:
            return []
        return [
            Violation(
                "break",
                f"{crew.id} has a break {_at(night, taken.start)}-{_at(night, taken.end)}, but "
                "no break is set for this crew.",
                crew_id=crew.id,
            )
        ]
    if taken is None:
        return [
            Violation(
                "break",
                f"{crew.id} takes no break, but must take {_span(rule.duration)} starting "
                f"between {_at(night, rule.earliest)} and {_at(night, rule.latest)}.",
                crew_id=crew.id,
            )
        ]
    violations: list[Violation] = []
    if taken.end - taken.start != rule.duration:
        violations.append(
            Violation(
                "break",
                f"{crew.id}'s break runs {_at(night, taken.start)}-{_at(night, taken.end)} "
                f"({_span(taken.end - taken.start)}), but must last {_span(rule.duration)}.",
                crew_id=crew.id,
            )
        )
    if not rule.earliest <= taken.start <= rule.latest:
        violations.append(
            Violation(
                "break",
                f"{crew.id}'s break starts at {_at(night, taken.start)}, outside "
                f"{_at(night, rule.earliest)}-{_at(night, rule.latest)}.",
                crew_id=crew.id,
            )
        )
    if _break_leg(_legs(night, crew, route), route) is None:
        violations.append(
            Violation(
                "break",
                f"{crew.id}'s break {_at(night, taken.start)}-{_at(night, taken.end)} is not "
                f"between visits or on the road: {_break_clash(night, route, taken)}.",
                crew_id=crew.id,
            )
        )
    return violations


def _break_clash(night: Night, route: Route, taken: BreakSlot) -> str:
    """What a misplaced break runs into, for the coordinator's message."""
    for visit in route.visits:
        if taken.start < visit.end and visit.arrive < taken.end:
            return (
                f"it overlaps call {visit.call_id} (arrives {_at(night, visit.arrive)}, care "
                f"{_at(night, visit.start)}-{_at(night, visit.end)})"
            )
    return (
        f"it falls outside the route, which leaves at {_at(night, route.depart)} and returns at "
        f"{_at(night, route.return_at)}"
    )


def _crew_fit_violations(call: Call, crew: Crew) -> list[Violation]:
    violations: list[Violation] = []
    missing = sorted(call.skills - crew.skills)
    if missing:
        violations.append(
            Violation(
                "skill",
                f"{crew.id} cannot take call {call.id}: neither carer has {', '.join(missing)}.",
                call_id=call.id,
                crew_id=crew.id,
            )
        )
    if call.gender is not None and crew.gender != call.gender:
        genders = " and ".join(c.gender for c in crew.carers)
        violations.append(
            Violation(
                "gender",
                f"Call {call.id} asks for two {call.gender} carers, but {crew.id}'s carers are "
                f"{genders}.",
                call_id=call.id,
                crew_id=crew.id,
            )
        )
    return violations


def _after_violations(night: Night, plan: Plan) -> list[Violation]:
    starts: dict[str, tuple[int, str]] = {}
    for route in plan.routes:
        for visit in route.visits:
            starts.setdefault(visit.call_id, (visit.start, route.crew_id))
    violations: list[Violation] = []
    for call in night.calls:
        link = call.after
        if link is None or call.id not in starts:
            continue
        start, crew_id = starts[call.id]
        if link.call_id not in starts:
            violations.append(
                Violation(
                    "after",
                    f"Call {call.id} is planned, but the call it follows, {link.call_id}, is not.",
                    call_id=call.id,
                    crew_id=crew_id,
                )
            )
            continue
        before = starts[link.call_id][0]
        gap = start - before
        if not link.min_gap <= gap <= link.max_gap:
            violations.append(
                Violation(
                    "after",
                    f"Call {call.id} starts at {_at(night, start)}, {_span(gap)} after "
                    f"{link.call_id} ({_at(night, before)}); it must be "
                    f"{_span(link.min_gap)} to {_span(link.max_gap)} after.",
                    call_id=call.id,
                    crew_id=crew_id,
                )
            )
    return violations
