"""A second judge of plan files, written from night-problem.md alone for the conformance tests.

It reads the problem and plan as plain JSON and uses only the standard library and geopy: no
`routing` import, so `routing.validate` and the solver are checked against it rather than
against themselves. Where the spec leaves room it takes the readings in the README's "How the
solver reads the spec": a leg runs from leaving a place to arriving at the next (waiting at a
door is no leg), the break lies wholly inside one leg, and every crew with a break that can
go out at all (drive from its start to its end point and rest within its shift) has a route
and takes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geopy.distance import geodesic

PRIORITY_ORDER = ("critical", "standard", "optional")


@dataclass(frozen=True)
class SpecVerdict:
    """What the spec says of a plan: the rules it breaks and the score it is judged by
    (`travel_seconds` recomputed from the legs, whatever the plan's stats say)."""

    violations: list[str]
    unassigned: tuple[int, int, int]
    travel_seconds: int


class SpecNight:
    """A problem file's times and places as the spec defines them."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        self.zone = ZoneInfo(problem["timezone"])
        self.night = date.fromisoformat(problem["night"])
        self.night_start = time.fromisoformat(problem["shift"]["start"])
        self.calls = {call["id"]: call for call in problem["calls"]}
        self.crews = {crew["id"]: crew for crew in problem["crews"]}
        travel = problem["travel"]
        self.speed, self.circuity = travel["speed_kmh"], travel["circuity"]
        self.stop_seconds = travel["stop_minutes"] * 60

    def instant(self, clock: str) -> datetime:
        """A clock time of the file as a UTC instant: on the night's date at or after
        shift.start, else the next day; zoneinfo's default fold (first occurrence of a repeated
        time; a skipped time moves forward)."""
        wall = time.fromisoformat(clock)
        day = self.night if wall >= self.night_start else self.night + timedelta(days=1)
        # In UTC: Python subtracts two times of one zone by their wall clocks, hiding an hour.
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC)

    def travel_seconds(self, origin: dict[str, float], destination: dict[str, float]) -> int:
        """round(geodesic_km x circuity / speed_kmh x 3600) + stop_minutes x 60, or 0."""
        a, b = (origin["lat"], origin["lon"]), (destination["lat"], destination["lon"])
        if a == b:
            return 0
        km = geodesic(a, b).km
        return round(km * self.circuity / self.speed * 3600) + round(self.stop_seconds)

    def crew_shift(self, crew: dict[str, Any]) -> tuple[datetime, datetime]:
        """The crew's own shift, or the problem's."""
        shift = crew.get("shift", self.problem["shift"])
        return self.instant(shift["start"]), self.instant(shift["end"])

    def can_go_out(self, crew: dict[str, Any]) -> bool:
        """Some plan could send the crew out: its drive from its start to its end point, plus
        its break, fit in its shift."""
        begin, finish = self.crew_shift(crew)
        start_point, end_point = self.crew_points(crew)
        rest = crew["break"]["minutes"] * 60 if "break" in crew else 0
        least = self.travel_seconds(start_point, end_point) + rest
        return _seconds(finish - begin) >= least

    def crew_points(self, crew: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
        """Where the crew starts and ends (default: the base)."""
        base = self.problem["base"]
        return crew.get("start", base), crew.get("end", base)


def _at(text: object) -> datetime:
    """A plan time: ISO 8601 that must carry its UTC offset."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not an ISO 8601 time")
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError(f"{text} has no UTC offset")
    return moment


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()


def judge(problem: dict[str, Any], plan: dict[str, Any]) -> SpecVerdict:
    """Every spec rule the plan breaks, and its score (unassigned by priority, travel)."""
    night = SpecNight(problem)
    broken: list[str] = []
    if plan.get("format") != "nightcare-plan/1" or plan.get("problem") != problem["name"]:
        broken.append("format or problem name")
    seen = Counter(v["call"] for r in plan["routes"] for v in r["visits"])
    seen.update(u["call"] for u in plan["unassigned"])
    for call_id in night.calls:
        if seen[call_id] != 1:
            broken.append(f"{call_id} appears {seen[call_id]} times")
    broken += [f"unknown call {c}" for c in seen if c not in night.calls]
    broken += [f"{u['call']} has no reason" for u in plan["unassigned"] if not u["reason"].strip()]

    starts: dict[str, datetime] = {}
    travel_total = 0
    routed = Counter(r["crew"] for r in plan["routes"])
    for crew_id, crew in night.crews.items():
        if routed[crew_id] > 1:
            broken.append(f"{crew_id} has {routed[crew_id]} routes")
        if "break" in crew and routed[crew_id] == 0 and night.can_go_out(crew):
            broken.append(f"{crew_id} has a break but no route, so takes no break")
    uses_capacity = any("capacity" in crew for crew in night.crews.values())
    for route in plan["routes"]:
        crew = night.crews.get(route["crew"])
        if crew is None:
            broken.append(f"unknown crew {route['crew']}")
            continue
        crew_id = route["crew"]
        begin, finish = night.crew_shift(crew)
        depart, back = _at(route["depart"]), _at(route["return"])
        if depart < begin or back > finish:
            broken.append(f"{crew_id} outside its shift")
        start_point, end_point = night.crew_points(crew)
        # Stops: (place, arrive, leave); legs run from one stop's leave to the next's arrive.
        stops: list[tuple[dict[str, float], datetime, datetime]] = [(start_point, depart, depart)]
        demand = 0
        carers = crew["carers"]
        skills = set(carers[0].get("skills", [])) | set(carers[1].get("skills", []))
        for visit in route["visits"]:
            call = night.calls.get(visit["call"])
            if call is None:
                continue
            arrive, start, end = _at(visit["arrive"]), _at(visit["start"]), _at(visit["end"])
            starts[call["id"]] = start
            if not night.instant(call["earliest"]) <= start <= night.instant(call["latest"]):
                broken.append(f"{call['id']} starts outside its window")
            if arrive > start:
                broken.append(f"{call['id']} arrives after care starts")
            if _seconds(end - start) != call["minutes"] * 60:
                broken.append(f"{call['id']} does not last its minutes")
            if not set(call.get("skills", [])) <= skills:
                broken.append(f"{call['id']} needs a skill {crew_id} lacks")
            if "gender" in call and any(c["gender"] != call["gender"] for c in carers):
                broken.append(f"{call['id']} asks for two {call['gender']} carers")
            demand += call.get("demand", 1 if uses_capacity else 0)
            stops.append(({"lat": call["lat"], "lon": call["lon"]}, arrive, end))
        stops.append((end_point, back, back))
        if "capacity" in crew and demand > crew["capacity"]:
            broken.append(f"{crew_id} over its capacity")
        rest = route.get("break")
        rule = crew.get("break")
        if (rest is None) != (rule is None):
            broken.append(f"{crew_id} break taken {rest is not None}, set {rule is not None}")
        rest_start = _at(rest["start"]) if rest is not None else None
        rest_end = _at(rest["end"]) if rest is not None else None
        if rule is not None and rest_start is not None and rest_end is not None:
            if _seconds(rest_end - rest_start) != rule["minutes"] * 60:
                broken.append(f"{crew_id} break of the wrong length")
            if not night.instant(rule["earliest"]) <= rest_start <= night.instant(rule["latest"]):
                broken.append(f"{crew_id} break starts outside its window")
        legs_holding_break = 0
        for (origin, _, leave), (destination, reach, _) in zip(stops, stops[1:], strict=False):
            drive = night.travel_seconds(origin, destination)
            travel_total += drive
            needed: float = drive
            if (
                rest_start is not None
                and rest_end is not None
                and leave <= rest_start
                and rest_end <= reach
            ):
                legs_holding_break += 1
                needed += _seconds(rest_end - rest_start)
            if _seconds(reach - leave) < needed:
                broken.append(f"{crew_id} leg to {destination} too short")
        if rest is not None and legs_holding_break != 1:
            broken.append(f"{crew_id} break not inside one leg")

    for call in night.calls.values():
        link = call.get("after")
        if link is None or call["id"] not in starts:
            continue
        if link["call"] not in starts:
            broken.append(f"{call['id']} planned without {link['call']}")
            continue
        gap = _seconds(starts[call["id"]] - starts[link["call"]])
        if not link["min_minutes"] * 60 <= gap <= link["max_minutes"] * 60:
            broken.append(f"{call['id']} gap {gap} s after {link['call']}")

    left = Counter(
        call.get("priority", "standard")
        for call in night.calls.values()
        if call["id"] not in starts
    )
    unassigned = (left["critical"], left["standard"], left["optional"])
    return SpecVerdict(broken, unassigned, travel_total)
