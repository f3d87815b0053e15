"""Plans written by `nightcare solve`, judged by the clean-room checker in `plan_file_check.py`.

The spec's example nights (beside the spec, `../shared/formats/examples` from the repository;
skipped when absent) and the shipped demo night go through the installed command line as a
subprocess; the seeded nights of `generated_nights.py` through the same command's `main` in
this process (a subprocess costs about 0.4 s more each). Every plan must pass. The checker is
then shown to fail: a good plan file, broken one way at a time, must be named for that way.
Last, our own validator (`routing.validate`, behind `nightcare check`) is held to the clean
room's verdicts on those broken plans and on generated plans nudged at random; only this
test module imports `routing`, never the checker.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import random
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nightcare.cli import main
from routing.plan_file import PlanFileError, read_plan
from routing.problem_file import read_problem
from routing.validate import check_plan as validate_plan
from tests.spec_conformance.generated_nights import MISSING_SKILL, NIGHTS, generated_night
from tests.spec_conformance.plan_file_check import (
    Breach,
    check_plan,
    check_plan_files,
    insertions,
)

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = REPOSITORY.parent / "shared" / "formats" / "examples"
EXAMPLE_NAMES = ("small-north", "typical-central", "dst-october-small")
DEMO_NIGHT = REPOSITORY / "nightcare" / "demo" / "demo-night.json"
GENERATED_SEEDS = range(80)
# Short searches: a plan found in 0.3 s must be as sound as one found in a minute.
SECONDS = "0.3"
Document = dict[str, Any]


def nightcare_command() -> list[str]:
    """The installed `nightcare` command beside this Python, else `python -m nightcare`."""
    script = Path(sys.executable).with_name("nightcare")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nightcare"]


def solve_by_subprocess(problem: Path, plan: Path, seconds: str = "1") -> None:
    """`nightcare solve PROBLEM -o PLAN` as a user runs it."""
    command = [*nightcare_command(), "solve", str(problem), "-o", str(plan)]
    finished = subprocess.run(
        [*command, "--seconds", seconds, "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr


def solve_in_process(problem: Document, folder: Path, seconds: str = SECONDS) -> Document:
    """The problem written to a file and solved by the command's `main`; the plan file read."""
    problem_path = folder / f"{problem['name']}.json"
    plan_path = folder / f"{problem['name']}.plan.json"
    problem_path.write_text(json.dumps(problem, indent=1), encoding="utf-8")
    argv = ["solve", str(problem_path), "-o", str(plan_path), "--seconds", seconds]
    errors = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
        code = main([*argv, "--workers", "1", "--seed", "1"])
    assert code == 0, errors.getvalue()
    plan: Document = json.loads(plan_path.read_text(encoding="utf-8"))
    return plan


def untrue_crew_claim(problem: Document, reason: str) -> str | None:
    """What is untrue in a reason's claim about the crews ("no crew has skill 'peg'", "no crew
    of two female carers"), or None."""
    crews = problem["crews"]
    skills = [{s for carer in crew["carers"] for s in carer.get("skills", [])} for crew in crews]
    if match := re.fullmatch(r"no crew has skill '([^']+)'", reason):
        holders = [c["id"] for c, held in zip(crews, skills, strict=True) if match[1] in held]
        return f"{holders} have it" if holders else None
    if match := re.fullmatch(r"no crew of two (female|male) carers", reason):
        gender = "F" if match[1] == "female" else "M"
        alike = [c["id"] for c in crews if all(k["gender"] == gender for k in c["carers"])]
        return f"{alike} are" if alike else None
    return None


def listed(breaches: list[Breach]) -> str:
    return "\n".join(str(breach) for breach in breaches) or "(none)"


# Plans of real nights.


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_an_example_night_solved_by_the_command_line_meets_the_spec(
    name: str, tmp_path: Path
) -> None:
    """The spec's own nights, through `nightcare solve` as a subprocess."""
    problem = EXAMPLES / f"{name}.json"
    if not problem.exists():
        pytest.skip(f"{problem} is absent (the repository was cloned without shared/formats)")
    plan = tmp_path / "plan.json"
    solve_by_subprocess(problem, plan)
    breaches = check_plan_files(problem, plan)
    assert not breaches, listed(breaches)


def test_the_demo_night_solved_by_the_command_line_meets_the_spec(tmp_path: Path) -> None:
    """The night shipped with the command, 50 calls and 3 crews."""
    plan = tmp_path / "plan.json"
    solve_by_subprocess(DEMO_NIGHT, plan)
    breaches = check_plan_files(DEMO_NIGHT, plan)
    assert not breaches, listed(breaches)
    assert json.loads(plan.read_text())["routes"], "the demo night sends no crew out"


@pytest.fixture(scope="module")
def generated_plans(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[int, tuple[Document, Document]]:
    """Every generated night and the plan `nightcare solve` writes for it."""
    folder = tmp_path_factory.mktemp("generated")
    solved: dict[int, tuple[Document, Document]] = {}
    for seed in GENERATED_SEEDS:
        problem = generated_night(seed)
        solved[seed] = (problem, solve_in_process(problem, folder))
    return solved


@pytest.mark.parametrize("seed", GENERATED_SEEDS)
def test_a_generated_night_solved_by_the_command_meets_the_spec(
    seed: int, generated_plans: dict[int, tuple[Document, Document]]
) -> None:
    problem, plan = generated_plans[seed]
    breaches = check_plan(problem, plan)
    assert not breaches, f"night {seed}:\n{listed(breaches)}"
    # A left-out call that fits the plan as it stands must not be called busy or impossible.
    reasons = {entry["call"]: entry["reason"] for entry in plan["unassigned"]}
    for call_id, reason in reasons.items():
        untrue = untrue_crew_claim(problem, reason)
        assert untrue is None, f"night {seed}: {call_id}: {reason!r}: {untrue}"
    for call_id, fit in insertions(problem, plan).items():
        assert reasons[call_id].startswith("not placed by the search although"), (
            f"night {seed}: {call_id} fits {fit.crew_id} at {fit.start}: {reasons[call_id]}"
        )


def test_the_generated_nights_reach_every_corner_they_claim() -> None:
    """The nights hold each thing the checks are meant to meet, so a generator change that
    loses one shows here rather than as a silently weaker test."""
    nights = [generated_night(seed) for seed in GENERATED_SEEDS]
    calls = [call for night in nights for call in night["calls"]]
    crews = [crew for night in nights for crew in night["crews"]]
    assert {(night["timezone"], night["night"]) for night in nights} == set(NIGHTS)
    assert any(call["earliest"] > call["latest"] for call in calls), "no window across midnight"
    assert any(
        night["night"] == "2027-03-27"
        and any(call["earliest"].startswith("01:") for call in night["calls"])
        for night in nights
    ), "no window in the hour March skips"
    assert any(
        night["night"] == "2027-10-30"
        and any(call["earliest"].startswith("01:") for call in night["calls"])
        for night in nights
    ), "no window in the hour October repeats"
    links = [call["after"] for call in calls if "after" in call]
    assert any(link["min_minutes"] == link["max_minutes"] for link in links)
    assert any(0 < link["max_minutes"] - link["min_minutes"] <= 5 for link in links)
    assert any(call.get("skills") == [MISSING_SKILL] for call in calls)
    assert any(call.get("demand") == 0 for call in calls)
    assert any("gender" in call for call in calls)
    assert any(isinstance(call["minutes"], float) for call in calls)
    for key in ("break", "capacity", "shift", "start", "end"):
        assert any(key in crew for crew in crews), f"no crew with its own {key}"
    assert any(
        crew["break"]["earliest"] > crew["break"]["latest"] for crew in crews if "break" in crew
    ), "no break window across midnight"
    assert any(night["shift"]["start"] == "00:00" for night in nights), "no night from midnight"
    assert any(
        (call["lat"], call["lon"]) == (night["base"]["lat"], night["base"]["lon"])
        for night in nights
        for call in night["calls"]
    ), "no client at the base"
    places = [(call["lat"], call["lon"], call["client"]) for call in calls]
    assert len({(lat, lon) for lat, lon, _ in places}) < len({p for p in places}), (
        "no two households at one address"
    )


def test_the_generated_plans_take_breaks_keep_links_and_leave_calls_out(
    generated_plans: dict[int, tuple[Document, Document]],
) -> None:
    """What the plans exercise: breaks taken, linked calls both planned, calls left out with
    reasons, visits on both clock-change nights."""
    breaks = linked = left_out = 0
    changed_nights: set[str] = set()
    for problem, plan in generated_plans.values():
        planned = {visit["call"] for route in plan["routes"] for visit in route["visits"]}
        breaks += sum("break" in route for route in plan["routes"])
        linked += sum(1 for call in problem["calls"] if "after" in call and call["id"] in planned)
        left_out += len(plan["unassigned"])
        if planned and problem["night"] in ("2027-10-30", "2027-03-27"):
            changed_nights.add(problem["night"])
    assert breaks >= 20 and linked >= 20 and left_out >= 20, (breaks, linked, left_out)
    assert changed_nights == {"2027-10-30", "2027-03-27"}


# Clock changes, as the spec reads them.


def one_call_night(name: str, night: str, window: str) -> Document:
    """One crew, no break, one 20-minute call with a zero-width window."""
    return {
        "format": "nightcare-problem/1",
        "name": name,
        "night": night,
        "timezone": "Europe/London",
        "shift": {"start": "22:00", "end": "07:00"},
        "base": {"lat": 52.70, "lon": -2.75},
        "travel": {"speed_kmh": 40, "circuity": 1.3, "stop_minutes": 3},
        "crews": [
            {
                "id": "car-1",
                "carers": [
                    {"id": "k-a", "gender": "F", "skills": []},
                    {"id": "k-b", "gender": "M", "skills": []},
                ],
            }
        ],
        "calls": [
            {
                "id": "v-1",
                "client": "p-1",
                "lat": 52.75,
                "lon": -2.70,
                "earliest": window,
                "latest": window,
                "minutes": 20,
            }
        ],
    }


def test_fractional_minutes_hold_the_spec_read_literally(tmp_path: Path) -> None:
    """A stop allowance of 2.32 minutes is 139.2 s of every drive: the plan's tightest legs
    (the drive home, the drive after the break) hold all of it, not 139 s; 12.34 minutes of
    care, a 17.505-minute break and a 20.01-30.01-minute gap hold to the fraction too."""
    problem = one_call_night("fractions", "2026-12-01", "23:00")
    problem["travel"]["stop_minutes"] = 2.32
    problem["crews"][0]["break"] = {"minutes": 17.505, "earliest": "23:10", "latest": "23:40"}
    first = problem["calls"][0]
    first.update(minutes=12.34, latest="23:05")
    problem["calls"].append(
        first
        | {
            "id": "v-2",
            "lat": 52.80,
            "earliest": "23:00",
            "latest": "00:30",
            "after": {"call": "v-1", "min_minutes": 20.01, "max_minutes": 30.01},
        }
    )
    plan = solve_in_process(problem, tmp_path)
    assert not plan["unassigned"]
    assert not check_plan(problem, plan), listed(check_plan(problem, plan))


def test_a_time_in_the_repeated_october_hour_is_its_first_occurrence(tmp_path: Path) -> None:
    problem = one_call_night("october", "2027-10-30", "01:30")
    plan = solve_in_process(problem, tmp_path)
    visit = plan["routes"][0]["visits"][0]
    assert visit["start"] == "2027-10-31T01:30:00+01:00"
    assert not check_plan(problem, plan)
    # The same wall clock an hour later, in GMT: the second occurrence, outside the window.
    late = copy.deepcopy(plan)
    late["routes"][0]["visits"][0] |= {
        "arrive": "2027-10-31T01:25:00+00:00",
        "start": "2027-10-31T01:30:00+00:00",
        "end": "2027-10-31T01:50:00+00:00",
    }
    assert ("window", "v-1") in {(b.rule, b.subject) for b in check_plan(problem, late)}


def test_a_time_in_the_skipped_march_hour_moves_forward(tmp_path: Path) -> None:
    problem = one_call_night("march", "2027-03-27", "01:30")
    plan = solve_in_process(problem, tmp_path)
    visit = plan["routes"][0]["visits"][0]
    assert visit["start"] == "2027-03-28T02:30:00+01:00"
    assert not check_plan(problem, plan)
    # 01:30 GMT is that same instant, but the offset there is +01:00, not +00:00.
    wrong = copy.deepcopy(plan)
    wrong["routes"][0]["visits"][0]["start"] = "2027-03-28T01:30:00+00:00"
    assert {(b.rule, b.subject) for b in check_plan(problem, wrong)} == {("offset", "v-1.start")}


# The checker must fail: a good plan broken one way at a time.

CORRUPTIBLE: Document = {
    "format": "nightcare-problem/1",
    "name": "corruptible",
    "night": "2027-01-14",
    "timezone": "Europe/London",
    "shift": {"start": "22:00", "end": "07:00"},
    "base": {"lat": 52.70, "lon": -2.75},
    "travel": {"speed_kmh": 40, "circuity": 1.3, "stop_minutes": 3},
    "crews": [
        {
            "id": "car-1",
            "carers": [
                {"id": "k-ann", "gender": "F", "skills": ["medication"]},
                {"id": "k-bea", "gender": "F", "skills": []},
            ],
            "break": {"minutes": 30, "earliest": "00:30", "latest": "01:30"},
            "capacity": 5,
        },
        {
            "id": "car-2",
            "carers": [
                {"id": "k-cai", "gender": "M", "skills": []},
                {"id": "k-dai", "gender": "M", "skills": []},
            ],
        },
    ],
    "calls": [
        {"id": "v-a", "client": "p-a", "lat": 52.72, "lon": -2.75, "earliest": "22:45",
         "latest": "22:45", "minutes": 30, "priority": "critical", "skills": ["medication"],
         "gender": "F"},
        {"id": "v-b", "client": "p-b", "lat": 52.74, "lon": -2.75, "earliest": "23:45",
         "latest": "23:45", "minutes": 20, "gender": "F"},
        # About 25 km on from v-b: some 52 minutes' drive, so the leg cannot also hold a
        # 30-minute break in the hour before the call.
        {"id": "v-c", "client": "p-c", "lat": 52.965, "lon": -2.75, "earliest": "02:00",
         "latest": "02:00", "minutes": 20, "gender": "F",
         "after": {"call": "v-b", "min_minutes": 130, "max_minutes": 140}},
        {"id": "v-d", "client": "p-d", "lat": 52.965, "lon": -2.75, "earliest": "03:30",
         "latest": "03:30", "minutes": 15, "gender": "F"},
        {"id": "v-x", "client": "p-x", "lat": 52.71, "lon": -2.76, "earliest": "23:00",
         "latest": "05:00", "minutes": 15, "skills": [MISSING_SKILL]},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def good_plan(tmp_path_factory: pytest.TempPathFactory) -> Document:
    """The corruptible night's plan: car-1 visits v-a, v-b, v-c, v-d and rests between v-b
    and v-c; car-2 stays in; v-x is left out."""
    plan = solve_in_process(CORRUPTIBLE, tmp_path_factory.mktemp("corruptible"), "0.5")
    routes = {route["crew"]: route for route in plan["routes"]}
    assert [visit["call"] for visit in routes["car-1"]["visits"]] == ["v-a", "v-b", "v-c", "v-d"]
    assert routes["car-2"]["visits"] == []
    assert [entry["call"] for entry in plan["unassigned"]] == ["v-x"]
    assert "break" in routes["car-1"]
    return plan


def test_the_good_plan_of_the_corruptible_night_meets_the_spec(good_plan: Document) -> None:
    breaches = check_plan(CORRUPTIBLE, good_plan)
    assert not breaches, listed(breaches)
    assert insertions(CORRUPTIBLE, good_plan) == {}, "v-x needs a skill no carer has"


@pytest.mark.parametrize("call_id", ["v-a", "v-b", "v-c", "v-d"])
def test_a_call_taken_out_of_the_good_plan_fits_back_where_it_was(
    good_plan: Document, call_id: str
) -> None:
    """Through the break too: v-c goes back into the leg that holds car-1's rest."""
    plan = copy.deepcopy(good_plan)
    _take_out(plan, call_id)
    fit = insertions(CORRUPTIBLE, plan)[call_id]
    assert fit.crew_id == "car-1"
    assert fit.start == datetime.fromisoformat(_visit(good_plan, call_id)["start"])


def _route(plan: Document, crew: str) -> Document:
    return next(route for route in plan["routes"] if route["crew"] == crew)


def _visit(plan: Document, call: str) -> Document:
    return next(v for route in plan["routes"] for v in route["visits"] if v["call"] == call)


def _moved(text: str, minutes: float) -> str:
    return (datetime.fromisoformat(text) + timedelta(minutes=minutes)).isoformat()


def _set(document: Document, key: str, value: Any) -> None:
    document[key] = value


def _arrive_a_minute_after_v_a(plan: Document) -> None:
    _visit(plan, "v-b")["arrive"] = _moved(_visit(plan, "v-a")["end"], 1)


def _arrive_at_v_c_a_minute_after_the_break(plan: Document) -> None:
    _visit(plan, "v-c")["arrive"] = _moved(_route(plan, "car-1")["break"]["end"], 1)


def _v_d_ten_minutes_late(plan: Document) -> None:
    for key in ("arrive", "start", "end"):
        _visit(plan, "v-d")[key] = _moved(_visit(plan, "v-d")[key], 10)


def _v_a_start_written_in_summer_time(plan: Document) -> None:
    start = datetime.fromisoformat(_visit(plan, "v-a")["start"])
    _visit(plan, "v-a")["start"] = start.astimezone(
        datetime.fromisoformat("2027-01-14T00:00:00+01:00").tzinfo
    ).isoformat()


def _v_a_start_without_offset(plan: Document) -> None:
    _visit(plan, "v-a")["start"] = _visit(plan, "v-a")["start"][:19]


def _break_during_v_b(plan: Document) -> None:
    start = _visit(plan, "v-b")["start"]
    _route(plan, "car-1")["break"] = {"start": start, "end": _moved(start, 30)}


def _break_at_v_c_door(plan: Document) -> None:
    # Arrive early and rest on the doorstep: the wait before care is no leg.
    visit = _visit(plan, "v-c")
    visit["arrive"] = _moved(visit["start"], -40)
    _route(plan, "car-1")["break"] = {
        "start": _moved(visit["start"], -35),
        "end": _moved(visit["start"], -5),
    }


def _break_too_early(plan: Document) -> None:
    begin = _moved(_visit(plan, "v-b")["end"], 2)
    _route(plan, "car-1")["break"] = {"start": begin, "end": _moved(begin, 30)}


def _break_five_minutes_long(plan: Document) -> None:
    rest = _route(plan, "car-1")["break"]
    rest["end"] = _moved(rest["start"], 5)


def _take_out(plan: Document, call_id: str) -> None:
    route = _route(plan, "car-1")
    route["visits"] = [visit for visit in route["visits"] if visit["call"] != call_id]
    plan["unassigned"].append({"call": call_id, "reason": "left out by hand"})


def _v_b_left_out(plan: Document) -> None:
    _take_out(plan, "v-b")


def _v_a_ends_a_minute_late(plan: Document) -> None:
    _visit(plan, "v-a")["end"] = _moved(_visit(plan, "v-a")["end"], 1)


def _v_a_arrives_after_care_starts(plan: Document) -> None:
    _visit(plan, "v-a")["arrive"] = _moved(_visit(plan, "v-a")["start"], 1)


def _car_1_departs_before_its_shift(plan: Document) -> None:
    _route(plan, "car-1")["depart"] = "2027-01-14T21:50:00+00:00"


def _car_2_routed_twice(plan: Document) -> None:
    plan["routes"].append(copy.deepcopy(_route(plan, "car-2")))


def _car_2_rests_unasked(plan: Document) -> None:
    route = _route(plan, "car-2")
    route["break"] = {"start": route["depart"], "end": route["return"]}


def _car_2_without_route(plan: Document) -> None:
    plan["routes"] = [route for route in plan["routes"] if route["crew"] != "car-2"]


def _travel_a_minute_more(plan: Document) -> None:
    plan["stats"]["travel_minutes"] += 1


def _problem_with(change: Callable[[Document], None]) -> Callable[[Document], Document]:
    def changed(problem: Document) -> Document:
        changed_problem = copy.deepcopy(problem)
        change(changed_problem)
        return changed_problem

    return changed


def _call_of(problem: Document, call: str) -> Document:
    return next(entry for entry in problem["calls"] if entry["id"] == call)


def _crew_of(problem: Document, crew: str) -> Document:
    return next(entry for entry in problem["crews"] if entry["id"] == crew)


PlanChange = Callable[[Document], None]
ProblemChange = Callable[[Document], None]
# (what is broken, change to the plan, change to the problem, rule and subject named)
CORRUPTIONS: list[tuple[str, PlanChange | None, ProblemChange | None, str, str]] = [
    ("a leg too short to drive", _arrive_a_minute_after_v_a, None, "leg", "car-1 v-a->v-b"),
    (
        "a leg holding the drive but not the break taken in it",
        _arrive_at_v_c_a_minute_after_the_break,
        None,
        "leg",
        "car-1 v-b->v-c",
    ),
    ("a visit out of its window", _v_d_ten_minutes_late, None, "window", "v-d"),
    ("a wrong UTC offset", _v_a_start_written_in_summer_time, None, "offset", "v-a.start"),
    ("a time without offset", _v_a_start_without_offset, None, "time-format", "v-a.start"),
    (
        "a call missing",
        lambda plan: _set(plan, "unassigned", []),
        None,
        "call-missing",
        "v-x",
    ),
    (
        "a call twice",
        lambda plan: plan["unassigned"].append({"call": "v-a", "reason": "twice"}),
        None,
        "call-twice",
        "v-a",
    ),
    (
        "a call the problem lacks",
        lambda plan: plan["unassigned"].append({"call": "v-zz", "reason": "made up"}),
        None,
        "unknown-call",
        "v-zz",
    ),
    (
        "an unassigned call without a reason",
        lambda plan: _set(plan["unassigned"][0], "reason", " "),
        None,
        "reason",
        "v-x",
    ),
    ("a break overlapping a visit", _break_during_v_b, None, "break-placement", "car-1"),
    ("a break while waiting at a door", _break_at_v_c_door, None, "break-placement", "car-1"),
    ("a break before its window", _break_too_early, None, "break-window", "car-1"),
    ("a break too short", _break_five_minutes_long, None, "break-length", "car-1"),
    (
        "a crew's break not taken",
        lambda plan: _route(plan, "car-1").pop("break"),
        None,
        "break-missing",
        "car-1",
    ),
    ("a break the crew has none of", _car_2_rests_unasked, None, "break-unasked", "car-2"),
    ("a linked call without its predecessor", _v_b_left_out, None, "after-predecessor", "v-c"),
    (
        "a critical call left out that fits",
        lambda plan: _take_out(plan, "v-d"),
        lambda problem: _set(_call_of(problem, "v-d"), "priority", "critical"),
        "critical-unassigned",
        "v-d",
    ),
    (
        "a linked call too long after its predecessor",
        None,
        lambda problem: _set(_call_of(problem, "v-c")["after"], "max_minutes", 134),
        "after-gap",
        "v-c",
    ),
    ("care of the wrong length", _v_a_ends_a_minute_late, None, "care-length", "v-a"),
    (
        "arrival after care starts",
        _v_a_arrives_after_care_starts,
        None,
        "arrive-after-start",
        "v-a",
    ),
    (
        "a skill the crew lacks",
        None,
        lambda problem: _set(_call_of(problem, "v-b"), "skills", ["hoist"]),
        "skills",
        "v-b",
    ),
    (
        "a carer of the wrong gender",
        None,
        lambda problem: _set(_crew_of(problem, "car-1")["carers"][1], "gender", "M"),
        "gender",
        "v-a",
    ),
    (
        "more calls than the crew's capacity",
        None,
        lambda problem: _set(_call_of(problem, "v-d"), "demand", 3),
        "capacity",
        "car-1",
    ),
    ("a departure before the shift", _car_1_departs_before_its_shift, None, "shift", "car-1"),
    (
        "a return after the crew's own shift",
        None,
        lambda problem: _set(
            _crew_of(problem, "car-1"), "shift", {"start": "22:00", "end": "03:00"}
        ),
        "shift",
        "car-1",
    ),
    (
        "a start point too far for the first leg",
        None,
        lambda problem: _set(_crew_of(problem, "car-1"), "start", {"lat": 53.2, "lon": -2.75}),
        "leg",
        "car-1 depart->v-a",
    ),
    (
        "an end point too far for the last leg",
        None,
        lambda problem: _set(_crew_of(problem, "car-2"), "end", {"lat": 52.75, "lon": -2.75}),
        "leg",
        "car-2 depart->return",
    ),
    (
        "travel minutes that the legs do not add up to",
        _travel_a_minute_more,
        None,
        "stats",
        "travel_minutes",
    ),
    ("a crew routed twice", _car_2_routed_twice, None, "crew-twice", "car-2"),
    (
        "a crew that could go out with no route",
        _car_2_without_route,
        None,
        "route-missing",
        "car-2",
    ),
    (
        "an unknown key",
        lambda plan: _set(_visit(plan, "v-a"), "note", "ring twice"),
        None,
        "format",
        "car-1.visits[0]",
    ),
    (
        "another format",
        lambda plan: _set(plan, "format", "nightcare-plan/2"),
        None,
        "format",
        "format",
    ),
]


@pytest.mark.parametrize(
    ("plan_change", "problem_change", "rule", "subject"),
    [pytest.param(*case[1:], id=case[0]) for case in CORRUPTIONS],
)
def test_the_checker_names_each_way_a_plan_is_broken(
    good_plan: Document,
    plan_change: PlanChange | None,
    problem_change: ProblemChange | None,
    rule: str,
    subject: str,
) -> None:
    plan = copy.deepcopy(good_plan)
    if plan_change is not None:
        plan_change(plan)
    problem = _problem_with(problem_change)(CORRUPTIBLE) if problem_change else CORRUPTIBLE
    breaches = check_plan(problem, plan)
    assert (rule, subject) in {(b.rule, b.subject) for b in breaches}, listed(breaches)


def test_a_reason_denying_a_skill_or_gender_the_crews_have_is_caught() -> None:
    assert untrue_crew_claim(CORRUPTIBLE, "no crew has skill 'medication'") == "['car-1'] have it"
    assert untrue_crew_claim(CORRUPTIBLE, "no crew of two male carers") == "['car-2'] are"
    assert untrue_crew_claim(CORRUPTIBLE, f"no crew has skill '{MISSING_SKILL}'") is None


# Where `nightcare check` (routing.validate) is more lenient than this checker, on purpose: the
# spec's "a plan is feasible when..." names neither the offset written (any offset gives the
# same instant), nor the stats, nor whether a left-out call would fit, nor routes for crews
# with nothing to do. The plan writer meets all four (the tests above).
CHECK_COMMAND_LENIENT = {
    "a wrong UTC offset",
    "a critical call left out that fits",
    "travel minutes that the legs do not add up to",
    "a crew that could go out with no route",
}


@pytest.mark.parametrize(
    ("plan_change", "problem_change"),
    [
        pytest.param(case[1], case[2], id=case[0])
        for case in CORRUPTIONS
        if case[0] not in CHECK_COMMAND_LENIENT
    ],
)
def test_nightcare_check_refuses_each_broken_plan_too(
    good_plan: Document,
    plan_change: PlanChange | None,
    problem_change: ProblemChange | None,
    tmp_path: Path,
) -> None:
    """Our own validator, behind `nightcare check`, must not pass what the clean room fails."""
    plan = copy.deepcopy(good_plan)
    if plan_change is not None:
        plan_change(plan)
    problem = _problem_with(problem_change)(CORRUPTIBLE) if problem_change else CORRUPTIBLE
    problem_path, plan_path = tmp_path / "problem.json", tmp_path / "plan.json"
    problem_path.write_text(json.dumps(problem), encoding="utf-8")
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["check", str(problem_path), str(plan_path)])
    assert code in (1, 2), out.getvalue()


def _nudged(plan: Document, rng: random.Random) -> Document:
    """The plan with one random change: a time moved (by a second up to an hour), two visits
    swapped, a visit moved to another crew or left out, the break moved or dropped."""
    broken = copy.deepcopy(plan)
    routes = broken["routes"]
    if not routes:
        return broken
    route = rng.choice(routes)
    visits = route["visits"]
    change = rng.choice(("time", "time", "time", "swap", "move", "unassign", "break"))
    if change == "swap" and len(visits) >= 2:
        i = rng.randrange(len(visits) - 1)
        visits[i]["call"], visits[i + 1]["call"] = visits[i + 1]["call"], visits[i]["call"]
    elif change == "move" and len(routes) >= 2 and visits:
        visit = visits.pop(rng.randrange(len(visits)))
        other = rng.choice([r for r in routes if r is not route])
        other["visits"].append(visit)
        other["visits"].sort(key=lambda v: datetime.fromisoformat(v["start"]))
    elif change == "unassign" and visits:
        visit = visits.pop(rng.randrange(len(visits)))
        broken["unassigned"].append({"call": visit["call"], "reason": "left out by hand"})
    elif change == "break" and "break" in route:
        if rng.random() < 0.3:
            del route["break"]
        else:
            by = rng.choice((-3600, -600, 600, 1800, 3600)) / 60
            route["break"] = {key: _moved(t, by) for key, t in route["break"].items()}
    else:
        times = [(route, "depart"), (route, "return")]
        times += [(visit, key) for visit in visits for key in ("arrive", "start", "end")]
        holder, key = rng.choice(times)
        seconds = rng.choice((-1, 1, -60, 60, -300, 300, -1800, 1800, rng.randint(-3600, 3600)))
        holder[key] = _moved(holder[key], seconds / 60)
    return broken


def test_the_validator_and_the_clean_room_agree_on_randomly_broken_plans(
    generated_plans: dict[int, tuple[Document, Document]],
) -> None:
    """`routing.validate` (through the plan reader) and this checker give the same verdict,
    feasible or not, on each generated plan nudged one way at random, ten times each."""
    lenient = {"offset", "critical-unassigned", "stats", "route-missing"}
    rng = random.Random(20261127)
    disagreements: list[str] = []
    infeasible = 0
    for seed, (problem, plan) in generated_plans.items():
        night = read_problem(problem)
        for _ in range(10):
            broken = _nudged(plan, rng)
            clean = [b for b in check_plan(problem, broken) if b.rule not in lenient]
            try:
                ours = [v.message for v in validate_plan(night, read_plan(broken, night))]
            except PlanFileError as error:
                ours = [str(error)]
            infeasible += bool(clean)
            if bool(clean) != bool(ours):
                disagreements.append(f"night {seed}: clean room {listed(clean)}; ours {ours}")
    assert not disagreements, "\n".join(disagreements[:5])
    assert infeasible >= 200, "the nudges hardly break anything"
