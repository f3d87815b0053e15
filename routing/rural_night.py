"""Synthetic but realistic nights of a rural county on the Shropshire / Powys border.

`generate_night` writes a "nightcare-problem/1" dict (see the night-problem format) for demos,
tests and benchmarks. The people are invented; the towns are real, at approximate coordinates.
Clients live in and a few km around the towns nearest the crews' base; each client has a care
plan of one to three calls shaped like a real night service's: settling and medication rounds
late in the evening, continence and welfare checks in the small hours, repositioning every
three hours linked with `after`, and getting-up calls before the day service takes over.

Clock times are chosen on the wall clock (a morning call is "05:30" whatever the date) and then
checked against the night's real clock, so a night across a clock change stays plannable.

    python -m routing.rural_night --calls 50 --crews 3 --seed 7 > night.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from geopy.distance import geodesic

from routing.clock import NightClock, parse_clock_time

SKILLS = ("medication", "catheter", "hoist", "peg")
SHIFT_START = "22:00"
SHIFT_END = "07:00"
_SHIFT_START_MINUTE = 22 * 60
# The last start a call may have on the wall clock: a 30-minute call then ends at 06:55.
_LAST_START = 8 * 60 + 25


@dataclass(frozen=True, slots=True)
class Town:
    """A market town or large village, and how many of the service's clients live around it."""

    name: str
    lat: float
    lon: float
    weight: int


# Approximate town-centre coordinates; weight roughly follows population.
TOWNS: tuple[Town, ...] = (
    Town("Shrewsbury", 52.7077, -2.7540, 6),
    Town("Oswestry", 52.8600, -3.0540, 3),
    Town("Ludlow", 52.3676, -2.7183, 2),
    Town("Bridgnorth", 52.5347, -2.4195, 2),
    Town("Whitchurch", 52.9686, -2.6823, 2),
    Town("Market Drayton", 52.9044, -2.4843, 2),
    Town("Newtown", 52.5132, -3.3141, 2),
    Town("Welshpool", 52.6597, -3.1470, 2),
    Town("Shifnal", 52.6655, -2.3727, 1),
    Town("Church Stretton", 52.5386, -2.8031, 1),
    Town("Bishop's Castle", 52.4912, -2.9996, 1),
    Town("Llanidloes", 52.4494, -3.5397, 1),
    Town("Knighton", 52.3435, -3.0482, 1),
    Town("Craven Arms", 52.4399, -2.8360, 1),
    Town("Wem", 52.8553, -2.7254, 1),
    Town("Ellesmere", 52.9076, -2.8947, 1),
    Town("Much Wenlock", 52.5966, -2.5580, 1),
    Town("Cleobury Mortimer", 52.3787, -2.4830, 1),
    Town("Montgomery", 52.5612, -3.1494, 1),
    Town("Llanfyllin", 52.7656, -3.2741, 1),
    Town("Pontesbury", 52.6480, -2.8870, 1),
    Town("Clun", 52.4213, -3.0293, 1),
    Town("Presteigne", 52.2737, -3.0046, 1),
    Town("Baschurch", 52.7880, -2.8570, 1),
)

_WOMEN = tuple(
    "anne beth carol dawn ellie fiona gwen hannah iris jane kate lucy mair nia olwen pam rhian"
    " sue tina una val wendy yvonne zoe alys bethan cerys delyth eira ffion glenys helen jill"
    " karen linda megan nerys sian tegan catrin".split()
)
_MEN = tuple("liam owen dafydd gareth huw ian jack mark neil rhys steve tom".split())


@dataclass(frozen=True, slots=True)
class _PlannedCall:
    """One call of a client's care plan, in wall-clock minutes after 22:00."""

    earliest: int
    width: int
    minutes: int
    skills: tuple[str, ...] = ()
    priority: str = "standard"
    # (min, max) minutes after the client's previous call starts, for repositioning.
    after: tuple[int, int] | None = None


_CarePlan = Callable[[random.Random], list[_PlannedCall]]


def _medication_round(rng: random.Random) -> list[_PlannedCall]:
    start = rng.randrange(0, 451, 30)
    priority = "critical" if rng.random() < 0.75 else "standard"
    return [_PlannedCall(start, 30, 15, ("medication",), priority)]


def _settle(rng: random.Random) -> list[_PlannedCall]:
    skills = tuple(s for s, p in (("hoist", 0.2), ("medication", 0.15)) if rng.random() < p)
    priority = "optional" if rng.random() < 0.1 else "standard"
    return [
        _PlannedCall(
            rng.randrange(0, 150, 15),
            rng.choice((45, 60)),
            rng.choice((20, 25, 30)),
            skills,
            priority,
        )
    ]


def _welfare_check(rng: random.Random) -> list[_PlannedCall]:
    width = rng.choices((60, 90, 120, 180), weights=(4, 3, 2, 1))[0]
    start = rng.randrange(60, 420 - width, 15)
    priority = "optional" if rng.random() < 0.45 else "standard"
    return [_PlannedCall(start, width, 15, (), priority)]


def _continence(rng: random.Random) -> list[_PlannedCall]:
    skills = ("catheter",) if rng.random() < 0.6 else ()
    return [
        _PlannedCall(rng.randrange(90, 390, 15), rng.choice((45, 60)), rng.choice((15, 20)), skills)
    ]


def _getting_up(rng: random.Random) -> list[_PlannedCall]:
    skills = ("hoist",) if rng.random() < 0.25 else ()
    start = rng.randrange(390, 451, 15)
    width = min(rng.choice((45, 55, 60)), _LAST_START - start)
    return [_PlannedCall(start, width, rng.choice((20, 25, 30)), skills)]


def _peg_feed(rng: random.Random) -> list[_PlannedCall]:
    return [
        _PlannedCall(rng.choice((0, 30, 60, 90, 390, 420)), 60, rng.choice((30, 40, 45)), ("peg",))
    ]


def _bed_and_morning(rng: random.Random) -> list[_PlannedCall]:
    return _settle(rng) + _getting_up(rng)


def _night_and_morning(rng: random.Random) -> list[_PlannedCall]:
    return _continence(rng) + _getting_up(rng)


def _settle_and_night(rng: random.Random) -> list[_PlannedCall]:
    return _settle(rng) + _continence(rng)


def _medication_twice(rng: random.Random) -> list[_PlannedCall]:
    first = rng.choice((0, 60, 120))
    second = first + rng.choice((240, 300, 360))
    priority = "critical" if rng.random() < 0.6 else "standard"
    return [
        _PlannedCall(first, 30, 15, ("medication",), priority),
        _PlannedCall(min(second, _LAST_START - 30), 30, 15, ("medication",), priority),
    ]


def _repositioning(turns: int) -> _CarePlan:
    """Turns every three hours (often with a hoist), each linked to the one before."""

    def plan(rng: random.Random) -> list[_PlannedCall]:
        minutes = rng.choice((20, 25, 30))
        priority = "critical" if rng.random() < 0.3 else "standard"
        skills = ("hoist",) if rng.random() < 0.6 else ()
        first = rng.choice((30, 60, 90)) if turns == 3 else rng.randrange(30, 240, 15)
        calls: list[_PlannedCall] = []
        for turn in range(turns):
            start = first + 180 * turn
            width = min(60, _LAST_START - start)
            link = None if turn == 0 else (rng.choice((120, 150, 180)), 240)
            calls.append(_PlannedCall(start, width, minutes, skills, priority, link))
        return calls

    return plan


# Care plans by how many calls they hold, with how often each occurs.
_PLANS: dict[int, tuple[tuple[_CarePlan, int], ...]] = {
    1: (
        (_medication_round, 14),
        (_settle, 25),
        (_welfare_check, 20),
        (_continence, 15),
        (_getting_up, 12),
        (_peg_feed, 8),
    ),
    2: (
        (_bed_and_morning, 30),
        (_night_and_morning, 20),
        (_settle_and_night, 20),
        (_medication_twice, 15),
        (_repositioning(2), 15),
    ),
    3: ((_repositioning(3), 1),),
}
_PLAN_SIZES = (1, 2, 3)
_PLAN_SIZE_WEIGHTS = (75, 20, 5)


def _wall_clock(minute: int) -> str:
    total = (_SHIFT_START_MINUTE + minute) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower().replace("'", "")).strip("-")


def _town_named(name: str) -> Town:
    for town in TOWNS:
        if town.name.lower() == name.lower():
            return town
    known = ", ".join(t.name for t in TOWNS)
    raise ValueError(f"{name!r} is not one of the county's towns ({known})")


def _km(a: Town, b: Town) -> float:
    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).km)


def _home_near(town: Town, rng: random.Random) -> tuple[float, float]:
    """A home in the town (most clients) or in a village a few km out."""
    if rng.random() < 0.8:
        km = rng.uniform(0.2, 1.8)
    else:
        km = rng.uniform(2.5, 5.0)
    bearing = rng.uniform(0.0, 2 * math.pi)
    lat = town.lat + km * math.cos(bearing) / 111.2
    lon = town.lon + km * math.sin(bearing) / (111.32 * math.cos(math.radians(town.lat)))
    return round(lat, 5), round(lon, 5)


def _crews(
    count: int, prefix: str, garages: Sequence[Town], rng: random.Random
) -> list[dict[str, Any]]:
    """Crews holding most skills between their two carers; the first is two women with all."""
    # Every skill is held by enough crews that no kind of call depends on a single car.
    least = {"medication": 0.5, "hoist": 0.5, "catheter": 0.34, "peg": 0.34}
    chance = {"medication": 0.9, "hoist": 0.7, "catheter": 0.6, "peg": 0.35}
    held = [{s for s in SKILLS if rng.random() < chance[s]} for _ in range(count)]
    # The senior crew, two women, can take any call, so every gender request can be met.
    held[0] = set(SKILLS)
    for skill in SKILLS:
        lacking = [i for i in range(count) if skill not in held[i]]
        rng.shuffle(lacking)
        while sum(skill in h for h in held) < math.ceil(count * least[skill]):
            held[lacking.pop()].add(skill)

    women = list(_WOMEN)
    men = list(_MEN)
    rng.shuffle(women)
    rng.shuffle(men)
    used: set[str] = set()

    def carer_name(gender: str) -> str:
        pool = women if gender == "F" else men
        # A big service runs out of names: the next Anne is anne2.
        base = pool.pop() if pool else rng.choice(_WOMEN if gender == "F" else _MEN)
        name, n = base, 2
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        return name

    crews: list[dict[str, Any]] = []
    for i in range(count):
        genders = ["F", "F"] if i == 0 else ["M" if rng.random() < 0.15 else "F" for _ in "ab"]
        own: list[list[str]] = [[], []]
        for skill in sorted(held[i]):
            holder = rng.choices((0, 1, 2), weights=(4, 4, 2))[0]
            for carer in (0, 1) if holder == 2 else (holder,):
                own[carer].append(skill)
        early, late = ("01:00", "04:00") if rng.random() < 0.8 else ("01:30", "03:30")
        crew: dict[str, Any] = {
            "id": f"{prefix}-car-{i + 1}",
            "carers": [
                {"id": f"k-{carer_name(g)}", "gender": g, "skills": sorted(s)}
                for g, s in zip(genders, own, strict=True)
            ],
            "break": {"minutes": 30, "earliest": early, "latest": late},
        }
        if garages[i] != garages[0]:
            point = {"lat": garages[i].lat, "lon": garages[i].lon}
            crew["start"] = point
            crew["end"] = dict(point)
        crews.append(crew)
    return crews


def _garages(home: Town, towns: Sequence[Town], crews: int) -> list[Town]:
    """Where each crew's car starts and ends: the base for a small service; a larger one
    keeps cars in the towns in proportion to their clients, the first always at the base."""
    if crews < 4:
        return [home] * crews
    total = sum(t.weight for t in towns)
    shares = {t.name: crews * t.weight / total for t in towns}
    cars = {t.name: math.floor(shares[t.name]) for t in towns}
    cars[home.name] = max(1, cars[home.name])
    by_remainder = sorted(towns, key=lambda t: cars[t.name] - shares[t.name])
    for town in by_remainder[: crews - sum(cars.values())]:
        cars[town.name] += 1
    garages = [home] + [t for t in towns for _ in range(cars[t.name] - (t == home))]
    return garages[:crews]


def _care_plans(calls: int, rng: random.Random) -> list[list[_PlannedCall]]:
    """Care plans holding exactly `calls` calls, spread over the night as a rota would be.

    Each plan is the least crowding of a few drawn alike: a coordinator agreeing a new
    client's times steers them away from the hours the crews are already full.
    """
    plans: list[list[_PlannedCall]] = []
    # Minutes of care (plus a drive) asked of each 15-minute slot of the night so far.
    load = [0.0] * (_LAST_START // 15 + 4)
    left = calls
    while left > 0:
        size = min(rng.choices(_PLAN_SIZES, weights=_PLAN_SIZE_WEIGHTS)[0], left)
        options = _PLANS[size]
        drawn = [
            rng.choices([p for p, _ in options], weights=[w for _, w in options])[0](rng)
            for _ in range(3)
        ]
        plan = min(drawn, key=lambda candidate: _crowding(candidate, load))
        for call in plan:
            for slot, minutes in _demand(call):
                load[slot] += minutes
        plans.append(plan)
        left -= size
    return plans


def _demand(call: _PlannedCall) -> list[tuple[int, float]]:
    """The call's care and a drive, spread evenly over the slots it could be done in."""
    first, last = call.earliest // 15, (call.earliest + call.width + call.minutes) // 15
    slots = range(first, max(first + 1, last))
    return [(slot, (call.minutes + 10) / len(slots)) for slot in slots]


def _crowding(plan: list[_PlannedCall], load: list[float]) -> float:
    return max(load[slot] + minutes for call in plan for slot, minutes in _demand(call))


def _on_the_clock(
    plan: list[_PlannedCall], clock: NightClock
) -> list[tuple[str, str, _PlannedCall]]:
    """Wall-clock windows, moved out of an hour skipped in March, links kept satisfiable."""

    def seconds(text: str) -> int:
        return clock.seconds(parse_clock_time(text))

    def exists(text: str) -> bool:
        return clock.hhmm(seconds(text)) == text

    timed: list[tuple[str, str, _PlannedCall]] = []
    for call in plan:
        start = call.earliest
        while not exists(_wall_clock(start)):
            start += 15
        end = max(start + 15, call.earliest + call.width)
        while not exists(_wall_clock(end)):
            end += 15
        earliest, latest = _wall_clock(start), _wall_clock(min(end, _LAST_START))
        if call.after is not None and timed:
            before_earliest, before_latest, _ = timed[-1]
            low, high = call.after
            # Real elapsed gaps the two windows allow; across a clock change they shift by an hour.
            shortest = seconds(earliest) - seconds(before_latest)
            longest = seconds(latest) - seconds(before_earliest)
            low = min(low, max(0, longest // 60) // 15 * 15)
            high = max(high, -(-shortest // 60 // 15) * 15, low)
            call = replace(call, after=(low, high))
        timed.append((earliest, latest, call))
    return timed


def generate_night(
    *,
    calls: int,
    crews: int,
    seed: int,
    night: date = date(2027, 1, 14),
    timezone: str = "Europe/London",
    base: str = "Shrewsbury",
    name: str | None = None,
) -> dict[str, Any]:
    """A realistic night of a rural county as a "nightcare-problem/1" dict, fixed by `seed`.

    `calls` calls (exactly) for about `calls` × 0.8 clients live around the towns nearest
    `base` (one of `TOWNS`); more crews cover more towns. About 15% of calls are critical and
    10% optional; windows are mostly 30–60 minutes and care lasts 15–45 minutes.
    """
    if calls < 1:
        raise ValueError("a night needs at least one call")
    if crews < 1:
        raise ValueError("a night needs at least one crew")
    rng = random.Random(seed)
    home = _town_named(base)
    prefix = _slug(home.name)
    clock = NightClock(night, parse_clock_time(SHIFT_START), timezone)

    town_count = min(len(TOWNS), 2 + crews // 2)
    towns = sorted(TOWNS, key=lambda t: _km(home, t))[:town_count]
    garages = _garages(home, towns, crews)

    travel = {
        "speed_kmh": rng.randint(45, 55),
        "circuity": round(rng.uniform(1.30, 1.40), 2),
        "stop_minutes": 3,
    }
    night_crews = _crews(crews, prefix, garages, rng)

    night_calls: list[dict[str, Any]] = []
    plans = _care_plans(calls, rng)
    digits = max(3, len(str(len(plans))))
    for number, plan in enumerate(plans, start=1):
        client = f"{number:0{digits}d}"
        town = rng.choices(towns, weights=[t.weight for t in towns])[0]
        lat, lon = _home_near(town, rng)
        gender = "F" if rng.random() < 0.07 else None
        for letter, (earliest, latest, planned) in zip(
            "abcdefgh", _on_the_clock(plan, clock), strict=False
        ):
            call: dict[str, Any] = {
                "id": f"v-{client}{letter}",
                "client": f"p-{client}",
                "lat": lat,
                "lon": lon,
                "earliest": earliest,
                "latest": latest,
                "minutes": planned.minutes,
            }
            if planned.priority != "standard":
                call["priority"] = planned.priority
            if planned.skills:
                call["skills"] = list(planned.skills)
            if gender is not None:
                call["gender"] = gender
            if planned.after is not None:
                low, high = planned.after
                call["after"] = {
                    "call": night_calls[-1]["id"],
                    "min_minutes": low,
                    "max_minutes": high,
                }
            night_calls.append(call)

    return {
        "format": "nightcare-problem/1",
        "name": name or f"{prefix}-{night.isoformat()}-{calls}c-{crews}k-s{seed}",
        "night": night.isoformat(),
        "timezone": timezone,
        "shift": {"start": SHIFT_START, "end": SHIFT_END},
        "base": {"lat": home.lat, "lon": home.lon},
        "travel": travel,
        "crews": night_crews,
        "calls": night_calls,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print a generated night as JSON on standard output."""
    parser = argparse.ArgumentParser(
        prog="python -m routing.rural_night", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--crews", type=int, help="default: calls / 16, at least 1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--night", type=date.fromisoformat, default=date(2027, 1, 14))
    parser.add_argument("--timezone", default="Europe/London")
    parser.add_argument("--base", default="Shrewsbury", help="the town the crews work from")
    parser.add_argument("--name", help="the night's name (default: made from the others)")
    args = parser.parse_args(argv)
    crews = args.crews if args.crews is not None else max(1, round(args.calls / 16))
    problem = generate_night(
        calls=args.calls,
        crews=crews,
        seed=args.seed,
        night=args.night,
        timezone=args.timezone,
        base=args.base,
        name=args.name,
    )
    json.dump(problem, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
