"""A clean-room check of a night plan file against its problem file.

Written from `shared/formats/night-problem.md` alone, as someone outside the project would
write it: the two files are read as plain JSON, clock times with `datetime` and `zoneinfo`,
travel with `geopy.distance.geodesic`. Nothing here imports `routing`, so the solver, the plan
writer and `routing.validate` are judged by a reading of the spec that does not share their
code. `check_plan_files(problem, plan)` lists every way the plan breaks the spec; an empty list
is a plan the spec calls feasible.

Where the spec leaves room, the readings of the README's "How the solver reads the spec":

- Clock times fall on the night's date at or after the problem's `shift.start` and on the
  next day before it, crews' shifts and break windows included. A repeated October time is its
  first occurrence (fold 0); a skipped March time is what zoneinfo makes of it (01:30 is 02:30
  BST). Every gap and length is real elapsed time (all arithmetic is done in UTC).
- Plan times are `YYYY-MM-DDTHH:MM:SS` with a `+HH:MM` (or `Z`) offset, to the second, and the
  offset is the timezone's at that instant.
- Read literally: travel is `round(drive) + stop_minutes × 60` with the allowance unrounded,
  a break rests at least its minutes × 60 and an after-gap lies within min × 60 and max × 60
  seconds (inclusive), in real numbers. Care ends `minutes` after it starts to the second
  that plan times can show: not sooner, and less than a second later.
- A leg runs from `depart` or a visit's `end` to the next `arrive` or `return`. The break lies
  wholly inside one leg, never during care and never while waiting at a door (between `arrive`
  and `start`), and that leg holds the drive plus the break.
- Every crew has a route, and every crew with a break takes it, unless the crew cannot go out
  at all: its drive from its start to its end point plus its break exceed its shift.
- `stats.travel_minutes` is the sum of the drives of every leg of every route (an idle
  crew's drive from its start to its end point included), to 0.01 minute.
- `demand` defaults to 1; a crew without `capacity` takes any demand.

- "critical — assign whenever any feasible plan can" is judged where it can be shown: a
  critical call left out that fits into the plan as it stands (every other visit, break and
  departure kept; an idle crew may use its whole shift) is a breach. `insertions` lists such
  fits for calls of every priority.

Not judged here: whether a better plan exists beyond those fits (the spec's order of
unassigned calls and travel) and whether a reason is the right one; only that each unassigned
call has a non-empty reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from geopy.distance import geodesic

PLAN_FORMAT = "nightcare-plan/1"
PLAN_KEYS = {"format", "problem", "routes", "unassigned", "stats"}
ROUTE_KEYS = {"crew", "depart", "return", "visits"}
VISIT_KEYS = {"call", "arrive", "start", "end"}
BREAK_KEYS = {"start", "end"}
UNASSIGNED_KEYS = {"call", "reason"}
STATS_KEYS = {"travel_minutes", "solve_seconds"}
_ISO_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)")
# travel_minutes is written to 0.01 minute: half of that, and a little for float noise.
_TRAVEL_MINUTES_SLACK = 0.005 + 1e-9

Document = Mapping[str, Any]
Point = tuple[float, float]


@dataclass(frozen=True)
class Breach:
    """One way a plan breaks the spec: the rule, what it concerns (a crew, a call, a key path)
    and the figures that show it."""

    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail}"


def check_plan_files(problem_path: Path, plan_path: Path) -> list[Breach]:
    """Every way the plan file at `plan_path` breaks the spec for the problem file at
    `problem_path` (an empty list when it is feasible)."""
    problem = json.loads(problem_path.read_text(encoding="utf-8"))
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    return check_plan(problem, plan)


def check_plan(problem: Document, plan: Any) -> list[Breach]:
    """Every way the plan document breaks the spec for the problem document."""
    return _PlanJudgement(_NightReading(problem), plan).breaches


class _NightReading:
    """The problem file's clock times, places and travel as the spec defines them."""

    def __init__(self, problem: Document) -> None:
        self.problem = problem
        self.zone = ZoneInfo(problem["timezone"])
        self.night = date.fromisoformat(problem["night"])
        self.night_begins = time.fromisoformat(problem["shift"]["start"])
        travel = problem["travel"]
        self.speed_kmh = float(travel["speed_kmh"])
        self.circuity = float(travel["circuity"])
        self.stop_seconds = float(travel["stop_minutes"]) * 60
        self.base: Point = (problem["base"]["lat"], problem["base"]["lon"])
        self.crews: dict[str, Document] = {crew["id"]: crew for crew in problem["crews"]}
        self.calls: dict[str, Document] = {call["id"]: call for call in problem["calls"]}

    def instant(self, clock: str) -> datetime:
        """A clock time of the problem as a UTC instant."""
        wall = time.fromisoformat(clock)
        day = self.night if wall >= self.night_begins else self.night + timedelta(days=1)
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC)

    def travel_seconds(self, origin: Point, destination: Point) -> float:
        """The spec's drive between two points, in seconds."""
        if origin == destination:
            return 0.0
        km = geodesic(origin, destination).km
        return round(km * self.circuity / self.speed_kmh * 3600) + self.stop_seconds

    def shift(self, crew: Document) -> tuple[datetime, datetime]:
        """The crew's shift (its own or the problem's) as UTC instants."""
        shift = crew.get("shift", self.problem["shift"])
        return self.instant(shift["start"]), self.instant(shift["end"])

    def crew_points(self, crew: Document) -> tuple[Point, Point]:
        """Where the crew leaves from and returns to (`base` unless it has its own)."""
        start = crew.get("start")
        end = crew.get("end")
        return (
            (start["lat"], start["lon"]) if start else self.base,
            (end["lat"], end["lon"]) if end else self.base,
        )

    def call_point(self, call: Document) -> Point:
        """Where the call is."""
        return (call["lat"], call["lon"])

    def can_go_out(self, crew: Document) -> bool:
        """Some plan could send the crew out: its drive from start to end point, plus its
        break, fit in its shift."""
        begin, finish = self.shift(crew)
        start, end = self.crew_points(crew)
        rest = _seconds_of(crew["break"]["minutes"]) if "break" in crew else 0
        return (finish - begin).total_seconds() >= self.travel_seconds(start, end) + rest


@dataclass(frozen=True)
class _Visit:
    call_id: str
    arrive: datetime
    start: datetime
    end: datetime


@dataclass(frozen=True)
class _TimedRoute:
    """A route whose times could all be read, with the leg its break lies in (if any)."""

    crew: Document
    visits: list[_Visit]
    depart: datetime
    back: datetime
    rest: tuple[datetime, datetime] | None
    rest_leg: int | None


@dataclass(frozen=True)
class Insertion:
    """A left-out call that fits into the plan as it stands: every other visit, break and
    departure kept (only an idle start or end of the shift used), the call's care starting at
    `start` between `after_call` (None: the departure) and the next place."""

    call_id: str
    crew_id: str
    after_call: str | None
    start: datetime


class _PlanJudgement:
    """Reads one plan against one night and collects its breaches."""

    def __init__(self, night: _NightReading, plan: Any) -> None:
        self.night = night
        self.breaches: list[Breach] = []
        self.starts: dict[str, datetime] = {}
        self.travel_total = 0.0
        # Legs that pay the stop allowance: a plan in whole seconds may count each up to a
        # second over a fractional allowance.
        self.stopping_legs = 0
        self.travel_known = True
        self.timed_routes: list[_TimedRoute] = []
        self.unassigned_ids: list[str] = []
        if not isinstance(plan, Mapping):
            self._breach("format", "plan", "not a JSON object")
            return
        self._check_top(plan)
        routes = plan.get("routes", [])
        unassigned = plan.get("unassigned", [])
        routes = routes if isinstance(routes, list) else []
        unassigned = unassigned if isinstance(unassigned, list) else []
        self._check_calls_once(routes, unassigned)
        crews_routed = self._check_routes(routes)
        self._check_crews_without_route(crews_routed)
        self._check_after_links()
        self._check_critical_calls_left_out()
        self._check_stats(plan.get("stats"))

    def _breach(self, rule: str, subject: str, detail: str) -> None:
        self.breaches.append(Breach(rule, subject, detail))

    # The document's shape.

    def _check_top(self, plan: Document) -> None:
        self._check_keys("plan", plan, PLAN_KEYS, PLAN_KEYS)
        if plan.get("format") != PLAN_FORMAT:
            self._breach("format", "format", f"{plan.get('format')!r} is not {PLAN_FORMAT!r}")
        if plan.get("problem") != self.night.problem["name"]:
            self._breach(
                "format",
                "problem",
                f"{plan.get('problem')!r} names another problem than "
                f"{self.night.problem['name']!r}",
            )
        for key in ("routes", "unassigned"):
            if key in plan and not isinstance(plan[key], list):
                self._breach("format", key, "not a list")

    def _check_keys(self, where: str, document: Any, required: set[str], allowed: set[str]) -> bool:
        if not isinstance(document, Mapping):
            self._breach("format", where, "not a JSON object")
            return False
        for key in sorted(required - document.keys()):
            self._breach("format", where, f"key {key!r} missing")
        for key in sorted(document.keys() - allowed):
            self._breach("format", where, f"unknown key {key!r}")
        return required <= document.keys()

    def _time(self, where: str, text: Any) -> datetime | None:
        """A plan time as a UTC instant, or None (with its breach) when it cannot be read."""
        if not isinstance(text, str):
            self._breach("time-format", where, f"{text!r} is not a string")
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self._breach("time-format", where, f"{text!r} is not ISO 8601")
            return None
        offset = moment.utcoffset()
        if offset is None:
            self._breach("time-format", where, f"{text!r} has no UTC offset")
            return None
        if not _ISO_SECOND.fullmatch(text):
            self._breach("time-format", where, f"{text!r} is not YYYY-MM-DDTHH:MM:SS+HH:MM")
        local_offset = moment.astimezone(self.night.zone).utcoffset()
        if offset != local_offset:
            self._breach(
                "offset",
                where,
                f"{text} has offset {_offset_text(offset)} where {self.night.zone.key} is "
                f"{_offset_text(local_offset)} at that instant",
            )
        return moment.astimezone(UTC)

    # Every call once.

    def _check_calls_once(self, routes: list[Any], unassigned: list[Any]) -> None:
        seen: Counter[str] = Counter()
        for route in routes:
            visits = route.get("visits", []) if isinstance(route, Mapping) else []
            for visit in visits if isinstance(visits, list) else []:
                if isinstance(visit, Mapping) and isinstance(visit.get("call"), str):
                    seen[visit["call"]] += 1
        for index, entry in enumerate(unassigned):
            where = f"unassigned[{index}]"
            if not self._check_keys(where, entry, UNASSIGNED_KEYS, UNASSIGNED_KEYS):
                if isinstance(entry, Mapping) and isinstance(entry.get("call"), str):
                    seen[entry["call"]] += 1
                continue
            seen[entry["call"]] += 1
            if isinstance(entry["call"], str):
                self.unassigned_ids.append(entry["call"])
            reason = entry["reason"]
            if not isinstance(reason, str) or not reason.strip():
                self._breach("reason", str(entry["call"]), f"no reason given ({reason!r})")
        for call_id in self.night.calls:
            if seen[call_id] == 0:
                self._breach("call-missing", call_id, "neither visited nor unassigned")
            elif seen[call_id] > 1:
                self._breach("call-twice", call_id, f"appears {seen[call_id]} times")
        for call_id in sorted(seen.keys() - self.night.calls.keys()):
            self._breach("unknown-call", call_id, "no call of the problem has this id")

    # Routes.

    def _check_routes(self, routes: list[Any]) -> set[str]:
        routed: Counter[str] = Counter()
        for index, route in enumerate(routes):
            where = f"routes[{index}]"
            if not self._check_keys(where, route, ROUTE_KEYS, ROUTE_KEYS | {"break"}):
                continue
            crew_id = route["crew"]
            crew = self.night.crews.get(crew_id) if isinstance(crew_id, str) else None
            if crew is None:
                self._breach("unknown-crew", where, f"no crew of the problem is {crew_id!r}")
                continue
            routed[crew_id] += 1
            if routed[crew_id] == 2:
                self._breach("crew-twice", crew_id, "has more than one route")
            self._check_route(crew, route)
        return set(routed)

    def _check_route(self, crew: Document, route: Document) -> None:
        crew_id = crew["id"]
        depart = self._time(f"{crew_id}.depart", route["depart"])
        back = self._time(f"{crew_id}.return", route["return"])
        visits = self._read_visits(crew, route["visits"])
        rest = self._read_break(crew, route.get("break"))
        shift_start, shift_end = self.night.shift(crew)
        if depart is not None and depart < shift_start:
            self._breach("shift", crew_id, f"departs {_local(depart)} before its shift starts")
        if back is not None and back > shift_end:
            self._breach("shift", crew_id, f"returns {_local(back)} after its shift ends")
        for visit in visits or []:
            self._check_visit(crew, visit)
        self._check_capacity(crew, visits or [])
        if depart is None or back is None or visits is None:
            self.travel_known = False
            return
        self._check_legs(crew, depart, back, visits, rest)

    def _read_visits(self, crew: Document, visits: Any) -> list[_Visit] | None:
        """The route's visits, or None when one of them cannot be read."""
        if not isinstance(visits, list):
            self._breach("format", f"{crew['id']}.visits", "not a list")
            return None
        read: list[_Visit] = []
        for index, visit in enumerate(visits):
            where = f"{crew['id']}.visits[{index}]"
            if not self._check_keys(where, visit, VISIT_KEYS, VISIT_KEYS):
                return None
            call_id = visit["call"]
            if call_id not in self.night.calls:
                return None
            arrive = self._time(f"{call_id}.arrive", visit["arrive"])
            start = self._time(f"{call_id}.start", visit["start"])
            end = self._time(f"{call_id}.end", visit["end"])
            if arrive is None or start is None or end is None:
                return None
            read.append(_Visit(call_id, arrive, start, end))
        return read

    def _read_break(self, crew: Document, rest: Any) -> tuple[datetime, datetime] | None:
        crew_id = crew["id"]
        rule = crew.get("break")
        if rest is None:
            if rule is not None:
                self._breach("break-missing", crew_id, "has a break and its route takes none")
            return None
        if rule is None:
            self._breach("break-unasked", crew_id, "takes a break the problem gives it none of")
        if not self._check_keys(f"{crew_id}.break", rest, BREAK_KEYS, BREAK_KEYS):
            return None
        begin = self._time(f"{crew_id}.break.start", rest["start"])
        end = self._time(f"{crew_id}.break.end", rest["end"])
        if begin is None or end is None:
            return None
        if rule is not None:
            if (end - begin).total_seconds() < _seconds_of(rule["minutes"]):
                self._breach(
                    "break-length",
                    crew_id,
                    f"break {_local(begin)}-{_local(end)} is not {rule['minutes']} min",
                )
            earliest, latest = (
                self.night.instant(rule["earliest"]),
                self.night.instant(rule["latest"]),
            )
            if not earliest <= begin <= latest:
                self._breach(
                    "break-window",
                    crew_id,
                    f"break starts {_local(begin)}, outside {rule['earliest']}-{rule['latest']}",
                )
        return begin, end

    def _check_visit(self, crew: Document, visit: _Visit) -> None:
        call = self.night.calls[visit.call_id]
        call_id = visit.call_id
        self.starts[call_id] = visit.start
        if visit.arrive > visit.start:
            self._breach(
                "arrive-after-start",
                call_id,
                f"arrives {_local(visit.arrive)} after care starts {_local(visit.start)}",
            )
        earliest, latest = self.night.instant(call["earliest"]), self.night.instant(call["latest"])
        if not earliest <= visit.start <= latest:
            self._breach(
                "window",
                call_id,
                f"starts {_local(visit.start)}, outside {call['earliest']}-{call['latest']}",
            )
        if not 0 <= (visit.end - visit.start).total_seconds() - _seconds_of(call["minutes"]) < 1:
            self._breach(
                "care-length",
                call_id,
                f"care {_local(visit.start)}-{_local(visit.end)} is not {call['minutes']} min",
            )
        skills = {skill for carer in crew["carers"] for skill in carer.get("skills", [])}
        for skill in call.get("skills", []):
            if skill not in skills:
                self._breach("skills", call_id, f"{crew['id']} has no carer with {skill!r}")
        gender = call.get("gender")
        if gender is not None and any(carer["gender"] != gender for carer in crew["carers"]):
            self._breach("gender", call_id, f"{crew['id']} is not two carers of gender {gender}")

    def _check_capacity(self, crew: Document, visits: list[_Visit]) -> None:
        capacity = crew.get("capacity")
        if capacity is None:
            return
        load = sum(self.night.calls[visit.call_id].get("demand", 1) for visit in visits)
        if load > capacity:
            self._breach("capacity", crew["id"], f"carries demand {load:g} over {capacity:g}")

    def _check_legs(
        self,
        crew: Document,
        depart: datetime,
        back: datetime,
        visits: list[_Visit],
        rest: tuple[datetime, datetime] | None,
    ) -> None:
        crew_id = crew["id"]
        start_point, end_point = self.night.crew_points(crew)
        points = [
            start_point,
            *(self.night.call_point(self.night.calls[v.call_id]) for v in visits),
            end_point,
        ]
        names = ["depart", *(v.call_id for v in visits), "return"]
        leaves = [depart, *(v.end for v in visits)]
        reaches = [*(v.arrive for v in visits), back]
        rest_leg = None
        if rest is not None:
            rest_leg = next(
                (
                    leg
                    for leg in range(len(leaves))
                    if leaves[leg] <= rest[0] and rest[1] <= reaches[leg]
                ),
                None,
            )
            if rest_leg is None:
                self._breach("break-placement", crew_id, self._misplaced_break(rest, visits))
        if rest is None or rest_leg is not None:
            self.timed_routes.append(_TimedRoute(crew, visits, depart, back, rest, rest_leg))
        for leg, (leave, reach) in enumerate(zip(leaves, reaches, strict=True)):
            drive = self.night.travel_seconds(points[leg], points[leg + 1])
            self.travel_total += drive
            self.stopping_legs += drive > 0
            need = drive
            if rest is not None and leg == rest_leg:
                need += int((rest[1] - rest[0]).total_seconds())
            held = (reach - leave).total_seconds()
            if held < need:
                self._breach(
                    "leg",
                    f"{crew_id} {names[leg]}->{names[leg + 1]}",
                    f"{_local(leave)}-{_local(reach)} holds {held:.0f} s, needs {need:g} s"
                    + (" (drive and break)" if need != drive else " (drive)"),
                )

    def _misplaced_break(self, rest: tuple[datetime, datetime], visits: list[_Visit]) -> str:
        begin, end = rest
        span = f"break {_local(begin)}-{_local(end)}"
        for visit in visits:
            if begin < visit.end and visit.start < end:
                return f"{span} overlaps the care of {visit.call_id}"
        for visit in visits:
            if begin < visit.start and visit.arrive < end:
                return f"{span} is taken waiting at {visit.call_id}'s door"
        return f"{span} lies outside the route's departure and return"

    def _check_crews_without_route(self, routed: set[str]) -> None:
        for crew_id, crew in self.night.crews.items():
            if crew_id in routed or not self.night.can_go_out(crew):
                continue
            if "break" in crew:
                self._breach("break-missing", crew_id, "has a break and no route to take it in")
            else:
                self._breach("route-missing", crew_id, "could go out and has no route")

    # Rules between calls and crews.

    def _check_after_links(self) -> None:
        for call_id, start in self.starts.items():
            after = self.night.calls[call_id].get("after")
            if after is None:
                continue
            before = after["call"]
            if before not in self.starts:
                self._breach("after-predecessor", call_id, f"planned without {before}")
                continue
            gap = (start - self.starts[before]).total_seconds()
            low, high = _seconds_of(after["min_minutes"]), _seconds_of(after["max_minutes"])
            if not low <= gap <= high:
                self._breach(
                    "after-gap",
                    call_id,
                    f"starts {gap / 60:g} min after {before}, not "
                    f"{after['min_minutes']}-{after['max_minutes']}",
                )

    def _check_critical_calls_left_out(self) -> None:
        # "critical (assign whenever any feasible plan can)": the plan with the call added is
        # such a plan.
        for call_id in self.unassigned_ids:
            call = self.night.calls.get(call_id)
            if call is None or call.get("priority") != "critical":
                continue
            insertion = self.insertion(call_id)
            if insertion is not None:
                self._breach(
                    "critical-unassigned",
                    call_id,
                    f"fits {insertion.crew_id}'s route after {insertion.after_call or 'depart'}"
                    f" at {_local(insertion.start)}",
                )

    def insertion(self, call_id: str) -> Insertion | None:
        """One way the left-out call fits into a route of the plan, or None."""
        call = self.night.calls.get(call_id)
        if call is None:
            return None
        earliest, latest = self.night.instant(call["earliest"]), self.night.instant(call["latest"])
        after = call.get("after")
        if after is not None:
            before = self.starts.get(after["call"])
            if before is None:
                return None
            earliest = max(earliest, before + timedelta(seconds=_seconds_of(after["min_minutes"])))
            latest = min(latest, before + timedelta(seconds=_seconds_of(after["max_minutes"])))
        if earliest > latest:
            return None
        for route in self.timed_routes:
            if self._can_take(route, call):
                insertion = self._insertion_into(route, call, earliest, latest)
                if insertion is not None:
                    return insertion
        return None

    def _can_take(self, route: _TimedRoute, call: Document) -> bool:
        crew = route.crew
        skills = {skill for carer in crew["carers"] for skill in carer.get("skills", [])}
        if not set(call.get("skills", [])) <= skills:
            return False
        gender = call.get("gender")
        if gender is not None and any(carer["gender"] != gender for carer in crew["carers"]):
            return False
        if "capacity" in crew:
            load = sum(self.night.calls[v.call_id].get("demand", 1) for v in route.visits)
            return bool(load + call.get("demand", 1) <= crew["capacity"])
        return True

    def _insertion_into(
        self, route: _TimedRoute, call: Document, earliest: datetime, latest: datetime
    ) -> Insertion | None:
        shift_start, shift_end = self.night.shift(route.crew)
        start_point, end_point = self.night.crew_points(route.crew)
        here = self.night.call_point(call)
        care = timedelta(seconds=_seconds_of(call["minutes"]))
        points = [
            start_point,
            *(self.night.call_point(self.night.calls[v.call_id]) for v in route.visits),
            end_point,
        ]
        # An idle crew may leave at its shift's start and come back at its end.
        leaves = [shift_start, *(v.end for v in route.visits)]
        reaches = [*(v.arrive for v in route.visits), shift_end]
        for leg, (leave, reach) in enumerate(zip(leaves, reaches, strict=True)):
            to_here = timedelta(seconds=self.night.travel_seconds(points[leg], here))
            onward = timedelta(seconds=self.night.travel_seconds(here, points[leg + 1]))
            ways: list[tuple[datetime, timedelta, datetime]] = []
            if route.rest is None or route.rest_leg != leg:
                # (earliest start, what must fit after care, by when)
                ways.append((leave + to_here, onward, reach))
            else:
                begin, end = route.rest
                rest = end - begin
                # Rest, then this call, then on; or this call, rest, then on.
                ways.append((max(leave + to_here + rest, end), onward, reach))
                ways.append((leave + to_here, timedelta(0), min(begin, reach - onward - rest)))
            for ready, then, deadline in ways:
                start = max(earliest, ready)
                if start <= latest and start + care + then <= deadline:
                    after_call = route.visits[leg - 1].call_id if leg else None
                    return Insertion(call["id"], route.crew["id"], after_call, start)
        return None

    def _check_stats(self, stats: Any) -> None:
        if not self._check_keys("stats", stats, {"travel_minutes"}, STATS_KEYS):
            return
        minutes = stats["travel_minutes"]
        if not isinstance(minutes, int | float) or isinstance(minutes, bool):
            self._breach("stats", "travel_minutes", f"{minutes!r} is not a number")
            return
        fraction = self.night.stop_seconds % 1
        rounding = self.stopping_legs * (1 if fraction else 0) / 60
        low, high = self.travel_total / 60, self.travel_total / 60 + rounding
        if self.travel_known and not (
            low - _TRAVEL_MINUTES_SLACK <= minutes <= high + _TRAVEL_MINUTES_SLACK
        ):
            self._breach(
                "stats",
                "travel_minutes",
                f"{minutes} where the legs drive {self.travel_total / 60:.2f} min",
            )


def insertions(problem: Document, plan: Any) -> dict[str, Insertion]:
    """Each left-out call that fits into the plan unchanged otherwise, with one way it fits
    (the spec's objective says such a plan is better by that call)."""
    judgement = _PlanJudgement(_NightReading(problem), plan)
    found = {}
    for call_id in judgement.unassigned_ids:
        insertion = judgement.insertion(call_id)
        if insertion is not None:
            found[call_id] = insertion
    return found


def _seconds_of(minutes: float) -> float:
    return float(minutes) * 60


def _offset_text(offset: timedelta | None) -> str:
    if offset is None:
        return "none"
    sign = "-" if offset < timedelta(0) else "+"
    total = abs(int(offset.total_seconds()))
    return f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
