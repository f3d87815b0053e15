"""Read and write night plan files ("nightcare-plan/1", see night-problem.md).

Times are ISO 8601 with the local UTC offset (`NightClock.iso`), or plain integer seconds for
nights without a clock (abstract benchmark nights). The reader is as strict as the problem
reader: unknown keys, wrong types, and crews or calls the night does not have are a
`PlanFileError` naming the key path. Whether the plan is feasible is not the reader's business
(`routing.validate.check_plan` judges that); a call listed twice, say, reads fine.

The file's stats are rounded (travel to 0.01 minute, solve time to 0.01 s); a plan read back
has its exact `travel_seconds` (0.01 minute is 0.6 s, so rounding back to whole seconds finds
them), and no `first_solution_seconds` or `strategy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from routing.model import Night
from routing.plan import BreakSlot, Plan, PlanStats, Route, Unassigned, Visit
from routing.problem_file import (
    JsonFields,
    join_path,
    json_repr,
    load_json_file,
    refuse_other_format,
)

PLAN_FORMAT = "nightcare-plan/1"


class PlanFileError(ValueError):
    """A night plan file that cannot be read: `path` is the key path into the JSON."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def plan_to_json(plan: Plan, night: Night) -> dict[str, Any]:
    """Write `plan` for `night` as a "nightcare-plan/1" document (a dict ready for `json.dump`)."""

    def at(seconds: int) -> str | int:
        return night.clock.iso(seconds) if night.clock is not None else seconds

    routes: list[dict[str, Any]] = []
    for route in plan.routes:
        entry: dict[str, Any] = {
            "crew": route.crew_id,
            "depart": at(route.depart),
            "return": at(route.return_at),
            "visits": [
                {
                    "call": v.call_id,
                    "arrive": at(v.arrive),
                    "start": at(v.start),
                    "end": at(v.end),
                }
                for v in route.visits
            ],
        }
        if route.rest_break is not None:
            entry["break"] = {
                "start": at(route.rest_break.start),
                "end": at(route.rest_break.end),
            }
        routes.append(entry)
    return {
        "format": PLAN_FORMAT,
        "problem": plan.problem,
        "routes": routes,
        "unassigned": [{"call": u.call_id, "reason": u.reason} for u in plan.unassigned],
        "stats": {
            # Hundredths of a minute (0.6 s) keep every whole second of travel.
            "travel_minutes": round(plan.stats.travel_seconds / 60, 2),
            "solve_seconds": round(plan.stats.solve_seconds, 2),
        },
    }


def read_plan(source: str | Path | Mapping[str, Any], night: Night) -> Plan:
    """Read a "nightcare-plan/1" plan of `night`: a file path (str or Path) or the parsed JSON.

    Raises PlanFileError naming the key path and the reason for a malformed file, a plan of
    another problem, or a crew or call the night does not have.
    """
    if isinstance(source, str | Path):
        document = load_json_file(source, PlanFileError)
    else:
        document = source
    return _PlanReader(night).read(document)


@dataclass(frozen=True, slots=True)
class Hint:
    """A plan file read as a warm start: `plan` holds each route's crew and call order (no
    times) for the crews and calls the night has; the rest is named, for telling the user."""

    plan: Plan
    calls_not_in_night: tuple[str, ...]
    crews_not_in_night: tuple[str, ...]


def read_hint(source: str | Path | Mapping[str, Any], night: Night) -> Hint:
    """Read a "nightcare-plan/1" plan of any night (last night's, usually) as a hint for `night`.

    Only the rounds count: each route's crew and its calls in order. The plan's problem name,
    times, unassigned calls and stats are not read (last night's plan is of another problem,
    on another date), and crews and calls this night does not have are left out of the hint
    and named in the answer. The file's shape is still checked: a PlanFileError names the key
    path of a missing crew or call id, or of a key a plan file does not have.
    """
    if isinstance(source, str | Path):
        document = load_json_file(source, PlanFileError)
    else:
        document = source
    refuse_other_format(document, PLAN_FORMAT, PlanFileError)
    reader = _PlanReader(night)
    top = reader.fields(document, "", ("format", "routes"), ("problem", "unassigned", "stats"))
    routes: list[Route] = []
    calls_not_in_night: list[str] = []
    crews_not_in_night: list[str] = []
    # A call or crew named twice leaves no one round to start from (OR-Tools would drop the
    # whole hint with a log line of its own), so it is a malformed file, named by key path.
    crew_seen: dict[str, str] = {}
    call_seen: dict[str, str] = {}
    for i, value in enumerate(top.object_list("routes")):
        fields = reader.fields(
            value,
            join_path("routes", i),
            ("crew", "visits"),
            ("depart", "return", "break"),
            id_key="crew",
        )
        crew_id = fields.string("crew")
        if crew_id in crew_seen:
            fields.fail(
                fields.at("crew"), f"crew {crew_id!r} already has a route ({crew_seen[crew_id]})"
            )
        crew_seen[crew_id] = join_path("routes", i)
        call_ids: list[str] = []
        for j, v in enumerate(fields.object_list("visits")):
            visit = reader.fields(v, join_path(fields.at("visits"), j), ("call",), _TIMES, "call")
            call_id = visit.string("call")
            if call_id in call_seen:
                visit.fail(visit.at("call"), f"call {call_id!r} is also at {call_seen[call_id]}")
            call_seen[call_id] = visit.path
            call_ids.append(call_id)
        if crew_id not in night.crew_index:
            crews_not_in_night.append(crew_id)
            continue
        calls_not_in_night += [c for c in call_ids if c not in night.call_index]
        visits = tuple(Visit(c, 0, 0, 0) for c in call_ids if c in night.call_index)
        routes.append(Route(crew_id, 0, 0, visits))
    plan = Plan(night.name, tuple(routes), (), PlanStats(0, 0.0))
    return Hint(plan, tuple(calls_not_in_night), tuple(crews_not_in_night))


_TIMES = ("arrive", "start", "end")


class _PlanReader:
    def __init__(self, night: Night) -> None:
        self.night = night

    def fields(
        self,
        value: object,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        id_key: str | None = None,
    ) -> JsonFields:
        return JsonFields(value, path, required, optional, PlanFileError, id_key)

    def read(self, document: object) -> Plan:
        refuse_other_format(document, PLAN_FORMAT, PlanFileError)
        top = self.fields(document, "", ("format", "problem", "routes", "unassigned", "stats"))
        problem = top.string("problem")
        if problem != self.night.name:
            top.fail("problem", f"the plan is for {problem!r}, not for {self.night.name!r}")
        routes = tuple(
            self.route(value, join_path("routes", i))
            for i, value in enumerate(top.object_list("routes"))
        )
        seen: dict[str, int] = {}
        for i, route in enumerate(routes):
            if route.crew_id in seen:
                top.fail(
                    f"routes[{i}].crew",
                    f"crew {route.crew_id!r} already has a route (routes[{seen[route.crew_id]}])",
                )
            seen[route.crew_id] = i
        unassigned = tuple(
            self.unassigned(value, join_path("unassigned", i))
            for i, value in enumerate(top.object_list("unassigned"))
        )
        stats = self.fields(top.raw("stats"), "stats", ("travel_minutes", "solve_seconds"))
        travel, solve = stats.number("travel_minutes"), stats.number("solve_seconds")
        for key, value in (("travel_minutes", travel), ("solve_seconds", solve)):
            if value < 0:
                stats.fail(stats.at(key), f"must be 0 or more, not {value!r}")
        return Plan(
            problem=problem,
            routes=routes,
            unassigned=unassigned,
            stats=PlanStats(travel_seconds=round(travel * 60), solve_seconds=float(solve)),
        )

    def route(self, value: object, path: str) -> Route:
        fields = self.fields(
            value, path, ("crew", "depart", "return", "visits"), ("break",), id_key="crew"
        )
        crew_id = fields.string("crew")
        if crew_id not in self.night.crew_index:
            fields.fail(fields.at("crew"), f"no crew has id {crew_id!r}")
        depart, return_at = self.time(fields, "depart"), self.time(fields, "return")
        visits = tuple(
            self.visit(v, join_path(fields.at("visits"), i))
            for i, v in enumerate(fields.object_list("visits"))
        )
        rest_break = None
        if fields.has("break"):
            rest = self.fields(fields.raw("break"), fields.at("break"), ("start", "end"))
            rest_break = BreakSlot(self.time(rest, "start"), self.time(rest, "end"))
        return Route(crew_id, depart, return_at, visits, rest_break)

    def visit(self, value: object, path: str) -> Visit:
        fields = self.fields(value, path, ("call", "arrive", "start", "end"), id_key="call")
        call_id = self.call_id(fields)
        return Visit(
            call_id,
            arrive=self.time(fields, "arrive"),
            start=self.time(fields, "start"),
            end=self.time(fields, "end"),
        )

    def unassigned(self, value: object, path: str) -> Unassigned:
        fields = self.fields(value, path, ("call", "reason"), id_key="call")
        call_id = self.call_id(fields)
        return Unassigned(call_id, fields.string("reason"))

    def call_id(self, fields: JsonFields) -> str:
        call_id = fields.string("call")
        if call_id not in self.night.call_index:
            fields.fail(fields.at("call"), f"no call has id {call_id!r}")
        return call_id

    def time(self, fields: JsonFields, key: str) -> int:
        """An instant as seconds from the night's start: ISO 8601 with offset, or int seconds."""
        clock = self.night.clock
        if clock is None:
            return fields.integer(key)
        text = fields.raw(key)
        expected = "an ISO 8601 time with its UTC offset, e.g. 2026-12-01T23:00:00+00:00"
        if not isinstance(text, str) or "T" not in text:
            fields.fail(fields.at(key), f"{json_repr(text)} is not {expected}")
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            fields.fail(fields.at(key), f"{json_repr(text)} is not {expected}")
        if instant.tzinfo is None:
            fields.fail(fields.at(key), f"{json_repr(text)} has no UTC offset")
        if instant.microsecond:
            fields.fail(fields.at(key), f"{json_repr(text)} is not a whole second")
        return clock.seconds_at(instant)
