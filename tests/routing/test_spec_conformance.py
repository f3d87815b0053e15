"""Adversarial nights through `nightcare solve` and `nightcare check`, judged a second time.

The problem files in `spec_edges/` are edge cases of night-problem.md: a window across
midnight, the 10-hour night of 2027-10-30 and the 8-hour night of 2027-03-27, crews with their
own points and shifts, break windows at a shift's edge, after-links with tight maximum gaps,
capacities with demands, a critical call nobody can reach, and several calls at one place.
Each plan must satisfy both `routing.validate` (through `nightcare check`) and the checker in
`spec_checker.py`, written from the spec alone (geopy and zoneinfo, nothing from `routing`).
The two checkers are then compared on plans broken one change at a time, so a blind spot in
the validator shows up as a disagreement.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nightcare.cli import main
from routing.model import CrewPin
from routing.plan import Plan, PlanStats, Route, Visit
from routing.plan_file import read_plan
from routing.problem_file import read_problem
from routing.solver import SolveOptions, solve
from routing.validate import check_plan
from tests.routing.night_factories import (
    HOUR,
    MIN,
    assert_sound_plan,
    line_travel,
    make_after,
    make_call,
    make_crew,
    make_night,
    reason_of,
)
from tests.routing.spec_checker import SpecNight, judge

EDGES = Path(__file__).parent / "spec_edges"
# The spec's own example nights (two rural nights and one across the October change) too.
EXAMPLES = Path("/work/shared/formats/examples")
NIGHTS = {path.stem: path for path in sorted(EDGES.glob("*.json"))} | {
    f"example-{path.stem}": path for path in sorted(EXAMPLES.glob("*.json"))
}
NAMES = sorted(NIGHTS)
Document = dict[str, Any]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Document, Document]]:
    """Every night solved by `nightcare solve` (1 s) and accepted by `nightcare check`."""
    out = tmp_path_factory.mktemp("plans")
    plans: dict[str, tuple[Document, Document]] = {}
    for name in NAMES:
        problem_path, plan_path = NIGHTS[name], out / f"{name}.plan.json"
        assert main(["solve", str(problem_path), "--seconds", "1", "-o", str(plan_path)]) == 0
        assert main(["check", str(problem_path), str(plan_path)]) == 0, name
        problem = json.loads(problem_path.read_text(encoding="utf-8"))
        plans[name] = (problem, json.loads(plan_path.read_text(encoding="utf-8")))
    return plans


def visits_of(plan: Document) -> dict[str, tuple[str, Document]]:
    """call id -> (crew id, visit) for every planned call."""
    return {v["call"]: (r["crew"], v) for r in plan["routes"] for v in r["visits"]}


def reason_in(plan: Document, call_id: str) -> str:
    """The reason given for an unassigned call."""
    return next(u["reason"] for u in plan["unassigned"] if u["call"] == call_id)


def route_of(plan: Document, crew_id: str) -> Document:
    """The crew's route."""
    return next(r for r in plan["routes"] if r["crew"] == crew_id)


@pytest.mark.parametrize("name", NAMES)
def test_each_edge_plan_meets_the_spec_by_the_independent_checker(
    name: str, solved: dict[str, tuple[Document, Document]]
) -> None:
    """No broken rule, a route for every crew that can go out, in the problem's order, and
    the stats' travel is the legs' travel (to the file's 0.01 minute)."""
    problem, plan = solved[name]
    verdict = judge(problem, plan)
    assert verdict.violations == []
    assert plan["stats"]["travel_minutes"] == round(verdict.travel_seconds / 60, 2)
    night = SpecNight(problem)
    able = [c["id"] for c in problem["crews"] if night.can_go_out(c)]
    assert [r["crew"] for r in plan["routes"]] == able


@pytest.mark.parametrize("name", NAMES)
def test_plan_times_carry_the_local_offset_of_their_instant(
    name: str, solved: dict[str, tuple[Document, Document]]
) -> None:
    """Every time is ISO 8601 with the night's local offset at that moment (+00:00 in
    winter, +01:00 in summer time, both on the nights of the clock changes)."""
    problem, plan = solved[name]
    zone = SpecNight(problem).zone
    times = [t for r in plan["routes"] for t in (r["depart"], r["return"])]
    times += [v[k] for r in plan["routes"] for v in r["visits"] for k in ("arrive", "start", "end")]
    times += [r["break"][k] for r in plan["routes"] if "break" in r for k in ("start", "end")]
    for text in times:
        moment = datetime.fromisoformat(text)
        assert moment.utcoffset() == moment.astimezone(zone).utcoffset(), text


@pytest.mark.parametrize("name", NAMES)
def test_arrivals_are_the_departure_plus_the_spec_drive(
    name: str, solved: dict[str, tuple[Document, Document]]
) -> None:
    """Recomputed with geopy: each arrival is five minutes before care starts, or, when the
    leg has less slack than that, the time the crew left the last place plus the drive (plus
    the break, when it is in that leg) - the crew waits at base or the last house, not at the
    door."""
    problem, plan = solved[name]
    night = SpecNight(problem)
    for route in plan["routes"]:
        crew = night.crews[route["crew"]]
        here, _ = night.crew_points(crew)
        leave = datetime.fromisoformat(route["depart"])
        rest = route.get("break")
        stops = [
            ({"lat": night.calls[v["call"]]["lat"], "lon": night.calls[v["call"]]["lon"]}, v)
            for v in route["visits"]
        ]
        for place, visit in stops:
            expected = leave + timedelta(seconds=night.travel_seconds(here, place))
            if rest is not None:
                rest_start = datetime.fromisoformat(rest["start"])
                rest_end = datetime.fromisoformat(rest["end"])
                if leave <= rest_start and rest_end <= datetime.fromisoformat(visit["arrive"]):
                    expected = max(expected + (rest_end - rest_start), rest_end)
            settle_in = datetime.fromisoformat(visit["start"]) - timedelta(minutes=5)
            expected = max(expected, settle_in)
            assert datetime.fromisoformat(visit["arrive"]) == expected, visit["call"]
            here, leave = place, datetime.fromisoformat(visit["end"])


def test_a_window_across_midnight_and_one_after_the_night(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """The critical 23:45-00:15 call is planned on the right dates; 21:59 is tomorrow evening,
    after the night, so that call is unassigned with a reason saying so."""
    _, plan = solved["midnight-window"]
    _, across = visits_of(plan)["v-across"]
    assert "2026-12-01T23:45:00+00:00" <= across["start"] <= "2026-12-02T00:15:00+00:00"
    assert "fall outside every crew's shift (car-1 22:00–07:00)" in reason_in(plan, "v-evening")
    assert "v-dawn" in visits_of(plan)


def test_the_october_night_is_ten_hours_and_the_gap_counts_real_minutes(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """On 2027-10-30 01:00-02:00 happens twice; v-first starts 00:50 BST so v-second, 85-100
    real minutes later, starts in the second 01:00 hour (GMT), and no crew works past 07:00
    GMT, ten hours after 22:00 BST."""
    problem, plan = solved["october-10h"]
    night = SpecNight(problem)
    begin, end = night.crew_shift(problem["crews"][0])
    assert end - begin == timedelta(hours=10)
    visits = visits_of(plan)
    first = datetime.fromisoformat(visits["v-first"][1]["start"])
    second = datetime.fromisoformat(visits["v-second"][1]["start"])
    assert visits["v-first"][1]["start"] == "2027-10-31T00:50:00+01:00"
    assert timedelta(minutes=85) <= second - first <= timedelta(minutes=100)
    assert visits["v-second"][1]["start"].endswith("+00:00")
    assert "2027-10-31T01:15:00+00:00" <= visits["v-second"][1]["start"]


def test_the_march_night_is_eight_hours_and_a_skipped_time_moves_forward(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """On 2027-03-27 01:00-02:00 never happens: 01:30 is read as 02:30 BST, and the night
    22:00 GMT to 07:00 BST is eight hours."""
    problem, plan = solved["march-8h"]
    night = SpecNight(problem)
    begin, end = night.crew_shift(problem["crews"][0])
    assert end - begin == timedelta(hours=8)
    visits = visits_of(plan)
    if "v-gap" in visits:
        assert visits["v-gap"][1]["start"] == "2027-03-28T02:30:00+01:00"
    else:
        assert "at 02:30" in reason_in(plan, "v-gap")


def test_crews_leave_from_and_return_to_their_own_points_and_shifts(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """v-6 starts 07:00-07:10, after the problem's shift: only car-late (to 07:30) takes it;
    the hoist call goes to car-late, the women-only call to the crew of two women."""
    _, plan = solved["crew-points"]
    visits = visits_of(plan)
    assert visits["v-6"][0] == visits["v-3"][0] == "car-late"
    assert visits["v-2"][0] == "car-home"
    assert visits["v-4"][0] in {"car-away"}
    assert route_of(plan, "car-late")["return"] <= "2026-12-03T07:30:00+00:00"


def test_break_windows_at_the_shift_edges(solved: dict[str, tuple[Document, Document]]) -> None:
    """car-dawn's break window 06:00-06:45 (30 min, shift to 07:00) is taken by 06:30 and
    over by 07:00; car-dusk's break can only start at 23:00, the first minute of its shift."""
    _, plan = solved["break-edges"]
    dawn = route_of(plan, "car-dawn")["break"]
    assert "2026-12-04T06:00:00+00:00" <= dawn["start"] <= "2026-12-04T06:30:00+00:00"
    assert dawn["end"] <= "2026-12-04T07:00:00+00:00"
    assert route_of(plan, "car-dusk")["break"] == {
        "start": "2026-12-03T23:00:00+00:00",
        "end": "2026-12-03T23:15:00+00:00",
    }


def test_after_links_keep_their_gaps_or_leave_both_out_with_reasons(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """v-b 60-75 min after v-a, v-c exactly 90 min after v-b; v-e cannot keep 10-20 min after
    v-d within the windows; v-g follows v-f, which needs a skill nobody has."""
    _, plan = solved["after-gaps"]
    visits = visits_of(plan)
    at = {call: datetime.fromisoformat(v["start"]) for call, (_, v) in visits.items()}
    assert timedelta(minutes=60) <= at["v-b"] - at["v-a"] <= timedelta(minutes=75)
    assert at["v-c"] - at["v-b"] == timedelta(minutes=90)
    assert "must start 10–20 min after v-d" in reason_in(plan, "v-e")
    assert reason_in(plan, "v-f") == "no crew has skill 'peg'"
    assert reason_in(plan, "v-g") == "linked call v-f cannot be planned"


def test_capacity_counts_demands_with_one_for_a_call_that_gives_none(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """car-small (2) and car-zero (0) never exceed their capacity; the demand-5 call and
    the demand-2 call fit only car-open or car-small; every call is planned."""
    problem, plan = solved["capacity"]
    demand = {c["id"]: c.get("demand", 1) for c in problem["calls"]}
    loads = {r["crew"]: sum(demand[v["call"]] for v in r["visits"]) for r in plan["routes"]}
    assert loads["car-small"] <= 2 and loads["car-zero"] == 0
    assert visits_of(plan)["v-5"][0] == "car-open"
    assert plan["unassigned"] == []


def test_a_critical_call_wins_a_clash_and_an_unreachable_one_says_why(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """Three calls at 02:00 sharp for one crew: the critical one is planned; the critical
    call two hours' drive away cannot be, and its reason says so."""
    problem, plan = solved["critical-unreachable"]
    assert visits_of(plan)["v-crit"][0] == "car-1"
    assert "cannot be reached from base and back within the shift" in reason_in(plan, "v-far")
    assert judge(problem, plan).unassigned == (1, 1, 1)


def test_a_night_with_no_crew_lists_every_call_unassigned(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """Snow: no routes, every call unassigned saying no crew is on."""
    problem, plan = solved["no-crews"]
    assert plan["routes"] == []
    assert [u["call"] for u in plan["unassigned"]] == [c["id"] for c in problem["calls"]]
    reasons = {u["call"]: u["reason"] for u in plan["unassigned"]}
    assert reasons.pop("v-home-c") == "linked call v-home-a cannot be planned"
    assert set(reasons.values()) == {"no crew is on tonight"}


def test_a_crew_that_cannot_reach_its_end_point_in_its_shift_stays_out_of_the_plan(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """car-far would end in Edinburgh, hours away, within a 3-hour shift: it has no route (and
    so no break), the other crews plan every call, and `nightcare check` accepted the plan."""
    problem, plan = solved["crew-cannot-go-out"]
    assert not SpecNight(problem).can_go_out(problem["crews"][-1])
    assert "car-far" not in {r["crew"] for r in plan["routes"]}
    assert plan["unassigned"] == []


def test_calls_at_one_place_are_no_drive_apart(
    solved: dict[str, tuple[Document, Document]],
) -> None:
    """The call at the base and the three at one address are all planned; between places
    that are the same point the spec's travel is 0, so no stop allowance is added."""
    problem, plan = solved["same-places"]
    assert plan["unassigned"] == []
    night = SpecNight(problem)
    assert night.travel_seconds(problem["base"], {"lat": 52.8587, "lon": -3.0538}) == 0
    home = {"lat": 52.861, "lon": -3.041}
    assert night.travel_seconds(home, problem["base"]) > 3 * 60


def _shifted(text: str, seconds: int) -> str:
    return (datetime.fromisoformat(text) + timedelta(seconds=seconds)).isoformat()


def broken_plans(plan: Document) -> Iterator[tuple[str, Document]]:
    """The plan with one thing changed at a time: each time moved by a second or a minute
    either way, a visit taken off or listed twice, a break removed, an unassigned call not
    listed, two crews' routes swapped."""
    routes = plan["routes"]
    for r, route in enumerate(routes):
        fields: list[tuple[list[Any], str]] = [([r], "depart"), ([r], "return")]
        fields += [
            ([r, "visits", i], k)
            for i in range(len(route["visits"]))
            for k in "arrive start end".split()
        ]
        fields += [([r, "break"], k) for k in ("start", "end") if "break" in route]
        for path, key in fields:
            for seconds in (-61, -1, 1, 61):
                changed = copy.deepcopy(plan)
                holder: Any = changed["routes"]
                for step in path:
                    holder = holder[step]
                holder[key] = _shifted(holder[key], seconds)
                yield f"{route['crew']} {path[1:]} {key} {seconds:+d}s", changed
        for i, visit in enumerate(route["visits"]):
            off = copy.deepcopy(plan)
            del off["routes"][r]["visits"][i]
            yield f"{visit['call']} taken off", off
            twice = copy.deepcopy(plan)
            twice["unassigned"].append({"call": visit["call"], "reason": "also here"})
            yield f"{visit['call']} listed twice", twice
        if "break" in route:
            rested = copy.deepcopy(plan)
            del rested["routes"][r]["break"]
            yield f"{route['crew']} without its break", rested
    for i, entry in enumerate(plan["unassigned"]):
        forgotten = copy.deepcopy(plan)
        del forgotten["unassigned"][i]
        yield f"{entry['call']} not listed", forgotten
    for r in range(len(routes) - 1):
        swapped = copy.deepcopy(plan)
        first, second = swapped["routes"][r], swapped["routes"][r + 1]
        first["crew"], second["crew"] = second["crew"], first["crew"]
        yield f"routes {r} and {r + 1} swapped", swapped


@pytest.mark.parametrize("name", NAMES)
def test_the_validator_and_the_independent_checker_agree_on_broken_plans(
    name: str, solved: dict[str, tuple[Document, Document]]
) -> None:
    """For every one-change variant of the plan, `routing.validate.check_plan` finds a
    violation exactly when the spec checker does (and each finds at least one somewhere)."""
    problem, plan = solved[name]
    night = read_problem(problem)
    disagreements: list[str] = []
    caught = 0
    for label, changed in broken_plans(plan):
        ours = check_plan(night, read_plan(changed, night))
        theirs = judge(problem, changed).violations
        caught += bool(ours)
        if bool(ours) != bool(theirs):
            disagreements.append(f"{label}: validator {ours} / spec checker {theirs}")
    assert disagreements == []
    assert caught > 0
    if any(route["visits"] for route in plan["routes"]):
        # A second or a minute of slack somewhere: not every change breaks the plan.
        assert caught < len(list(broken_plans(plan)))


def test_a_call_whose_pinned_predecessor_cannot_be_planned_is_left_out_too() -> None:
    """v-a is pinned to car-2, which lacks peg; v-b follows v-a, so v-b is not planned either
    ("assigned only if that call is"), even from a hint that holds it."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR, skills=["peg"]),
            make_call(
                id="v-b",
                place=1,
                earliest=3 * HOUR,
                latest=4 * HOUR,
                after=make_after(call="v-a", min_minutes=60, max_minutes=180),
            ),
        ],
        crews=[make_crew(id="car-1", skills=["peg"]), make_crew(id="car-2")],
        travel=line_travel([0, 5]),
    )
    pins = (CrewPin("v-a", "car-2"),)
    hint = Plan(
        "test-night",
        (
            Route(
                "car-1",
                2 * HOUR,
                4 * HOUR,
                (Visit("v-b", 3 * HOUR, 3 * HOUR, 3 * HOUR + 20 * MIN),),
            ),
        ),
        (),
        PlanStats(0, 0.0),
    )
    for start in (None, hint):
        plan = solve(night, SolveOptions(time_limit=1, crew_pins=pins, hint=start))
        assert_sound_plan(night, plan)
        assert reason_of(plan, "v-a") == "pinned to car-2, which lacks skill 'peg'"
        assert reason_of(plan, "v-b") == "linked call v-a is unassigned"
