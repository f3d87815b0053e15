"""Tests for reading and writing night plan files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from routing.model import Call, Carer, Crew, Night, TravelMatrix
from routing.plan import BreakSlot, Plan, PlanStats, Route, Unassigned, Visit
from routing.plan_file import PlanFileError, plan_to_json, read_hint, read_plan
from routing.problem_file import read_problem
from tests.routing.test_problem_file import small_problem


def small_night() -> Night:
    """The problem-file tests' small night (Europe/London, 2026-12-01 22:00-07:00)."""
    return read_problem(small_problem())


def small_plan() -> Plan:
    """Car 1 takes both p-17 calls with its break between; v-18a is left unassigned."""
    return Plan(
        problem="north-2026-12-01",
        routes=(
            Route(
                crew_id="car-1",
                depart=0,
                return_at=6 * 3600,
                visits=(
                    Visit("v-17a", arrive=3480, start=3600, end=5400),
                    Visit("v-17b", arrive=4 * 3600, start=4 * 3600 + 600, end=4 * 3600 + 1800),
                ),
                rest_break=BreakSlot(start=3 * 3600 + 600, end=3 * 3600 + 2400),
            ),
            Route(crew_id="car-2", depart=3600, return_at=3600),
        ),
        unassigned=(Unassigned("v-18a", "no crew is out 05:30-06:15"),),
        stats=PlanStats(travel_seconds=1236, solve_seconds=1.25),
    )


def test_a_plan_is_written_with_local_iso_times_and_rounded_stats() -> None:
    """Times carry the local offset; stats are travel minutes and seconds to 0.01."""
    document = plan_to_json(small_plan(), small_night())
    assert document["format"] == "nightcare-plan/1"
    assert document["problem"] == "north-2026-12-01"
    car1, car2 = document["routes"]
    assert list(car1) == ["crew", "depart", "return", "visits", "break"]
    assert car1["depart"] == "2026-12-01T22:00:00+00:00"
    assert car1["return"] == "2026-12-02T04:00:00+00:00"
    assert car1["visits"][0] == {
        "call": "v-17a",
        "arrive": "2026-12-01T22:58:00+00:00",
        "start": "2026-12-01T23:00:00+00:00",
        "end": "2026-12-01T23:30:00+00:00",
    }
    assert car1["break"] == {
        "start": "2026-12-02T01:10:00+00:00",
        "end": "2026-12-02T01:40:00+00:00",
    }
    assert "break" not in car2 and car2["visits"] == []
    assert document["unassigned"] == [{"call": "v-18a", "reason": "no crew is out 05:30-06:15"}]
    assert document["stats"] == {"travel_minutes": 20.6, "solve_seconds": 1.25}  # 1236 s


def test_summer_times_carry_the_summer_offset() -> None:
    """On a June night the offsets are +01:00."""
    document = small_problem()
    document["night"] = "2027-06-17"
    night = read_problem(document)
    written = plan_to_json(small_plan(), night)
    assert written["routes"][0]["depart"] == "2027-06-17T22:00:00+01:00"


def test_a_written_plan_reads_back_equal(tmp_path: Path) -> None:
    """plan_to_json then read_plan (through a real file) gives the same Plan."""
    night = small_night()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_to_json(small_plan(), night)), encoding="utf-8")
    assert read_plan(path, night) == small_plan()


def test_travel_minutes_keep_every_second_of_travel() -> None:
    """1234 s is written as 20.57 min (20.5667 to 0.01) and reads back as 1234 s exactly, so a
    checker recomputing the total from the legs agrees to within 0.3 s."""
    night = small_night()
    plan = small_plan()
    odd = Plan(plan.problem, plan.routes, plan.unassigned, PlanStats(1234, 0.123))
    document = plan_to_json(odd, night)
    assert document["stats"] == {"travel_minutes": 20.57, "solve_seconds": 0.12}
    back = read_plan(document, night)
    assert (back.stats.travel_seconds, back.stats.solve_seconds) == (1234, 0.12)


def test_any_utc_offset_reads_as_the_same_instant() -> None:
    """23:00+00:00 and 00:00+01:00 are the same moment of the night."""
    night = small_night()
    document = plan_to_json(small_plan(), night)
    document["routes"][0]["visits"][0]["start"] = "2026-12-02T00:00:00+01:00"
    assert read_plan(document, night).routes[0].visits[0].start == 3600


def test_a_night_without_a_clock_uses_plain_seconds() -> None:
    """Abstract benchmark nights write and read times as integer seconds."""
    carers = (Carer("a", "F"), Carer("b", "M"))
    night = Night(
        name="c101",
        crews=(Crew("v1", carers, 0, 1000),),
        calls=(Call("c1", "c1", 1, 10, 50, 5),),
        travel=TravelMatrix([[0, 7], [7, 0]]),
    )
    plan = Plan(
        "c101",
        (Route("v1", 0, 40, (Visit("c1", 7, 10, 15),)),),
        (),
        PlanStats(travel_seconds=14 * 60, solve_seconds=0.5),
    )
    document = plan_to_json(plan, night)
    assert document["routes"][0]["visits"][0] == {"call": "c1", "arrive": 7, "start": 10, "end": 15}
    assert read_plan(document, night) == plan


def test_a_plan_for_another_problem_is_refused() -> None:
    """The `problem` key must name the night."""
    document = plan_to_json(small_plan(), small_night())
    document["problem"] = "south-2026-12-01"
    with pytest.raises(PlanFileError, match="problem: the plan is for 'south-2026-12-01'"):
        read_plan(document, small_night())


def plan_error(change: Callable[[dict[str, Any]], object]) -> PlanFileError:
    """The error from reading the small plan after `change` edits its document."""
    night = small_night()
    document = plan_to_json(small_plan(), night)
    change(document)
    with pytest.raises(PlanFileError) as caught:
        read_plan(document, night)
    return caught.value


def first_route(document: dict[str, Any]) -> dict[str, Any]:
    """Car 1's route in a plan document."""
    route: dict[str, Any] = document["routes"][0]
    return route


BAD_PLANS: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("wrong format", lambda d: d.update(format="nightcare-plan/0"), "format", "must be"),
    ("missing stats", lambda d: d.pop("stats"), "stats", "is missing"),
    ("unknown top key", lambda d: d.update(score=3), "score", "unknown key"),
    (
        "unknown crew",
        lambda d: first_route(d).update(crew="car-9"),
        "routes[0] (car-9).crew",
        "no crew has id 'car-9'",
    ),
    (
        "two routes for one crew",
        lambda d: d["routes"][1].update(crew="car-1"),
        "routes[1].crew",
        "crew 'car-1' already has a route (routes[0])",
    ),
    (
        "unknown visit call",
        lambda d: first_route(d)["visits"][1].update(call="v-99"),
        "routes[0] (car-1).visits[1] (v-99).call",
        "no call has id 'v-99'",
    ),
    (
        "unknown unassigned call",
        lambda d: d["unassigned"][0].update(call="v-98"),
        "unassigned[0] (v-98).call",
        "no call has id 'v-98'",
    ),
    (
        "unknown visit key",
        lambda d: first_route(d)["visits"][0].update(leave="x"),
        "routes[0] (car-1).visits[0] (v-17a).leave",
        "unknown key",
    ),
    (
        "missing return",
        lambda d: first_route(d).pop("return"),
        "routes[0] (car-1).return",
        "is missing",
    ),
    (
        "unknown break key",
        lambda d: first_route(d)["break"].update(minutes=30),
        "routes[0] (car-1).break.minutes",
        "unknown key",
    ),
    (
        "time without offset",
        lambda d: first_route(d).update(depart="2026-12-01T22:00:00"),
        "routes[0] (car-1).depart",
        "has no UTC offset",
    ),
    (
        "time not ISO",
        lambda d: first_route(d)["visits"][0].update(start="23:00"),
        "routes[0] (car-1).visits[0] (v-17a).start",
        "is not an ISO 8601 time",
    ),
    (
        "time as a number",
        lambda d: first_route(d).update(depart=0),
        "routes[0] (car-1).depart",
        "is not an ISO 8601 time",
    ),
    (
        "date as a time",
        lambda d: first_route(d).update(depart="2026-12-01"),
        "routes[0] (car-1).depart",
        "is not an ISO 8601 time",
    ),
    (
        "empty reason",
        lambda d: d["unassigned"][0].update(reason=""),
        "unassigned[0] (v-18a).reason",
        "must be a non-empty string",
    ),
    (
        "bool travel",
        lambda d: d["stats"].update(travel_minutes=True),
        "stats.travel_minutes",
        "must be a number",
    ),
    (
        "negative solve time",
        lambda d: d["stats"].update(solve_seconds=-1),
        "stats.solve_seconds",
        "must be 0 or more",
    ),
    ("routes not a list", lambda d: d.update(routes={}), "routes", "must be a list"),
]


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [case[1:] for case in BAD_PLANS],
    ids=[case[0] for case in BAD_PLANS],
)
def test_a_bad_plan_names_the_key_path_and_the_reason(
    change: Callable[[dict[str, Any]], object], path: str, reason: str
) -> None:
    """Each refused value is reported against the key that holds it, with why."""
    error = plan_error(change)
    assert error.path == path, str(error)
    assert reason in error.reason, str(error)


def test_a_problem_file_given_as_a_plan_is_refused_by_its_format() -> None:
    """Reading a problem document as a plan names the format, not its many unknown keys."""
    with pytest.raises(PlanFileError, match="format: must be 'nightcare-plan/1'"):
        read_plan(small_problem(), small_night())


def test_invalid_plan_json_reports_line_and_column(tmp_path: Path) -> None:
    """A syntax error in a plan file names where it is."""
    path = tmp_path / "plan.json"
    path.write_text('{"format": "nightcare-plan/1",, }', encoding="utf-8")
    with pytest.raises(PlanFileError, match="invalid JSON at line 1 column 31"):
        read_plan(path, small_night())


def test_a_call_listed_twice_still_reads() -> None:
    """Listing a call twice is infeasible, which is the validator's to say, not the reader's."""
    night = small_night()
    document = plan_to_json(small_plan(), night)
    document["unassigned"].append({"call": "v-17a", "reason": "twice"})
    plan = read_plan(document, night)
    assert plan.unassigned_call_ids() == ["v-18a", "v-17a"]


def test_last_nights_plan_reads_as_a_hint_of_its_rounds() -> None:
    """A plan of another problem and another date gives its crews' call orders; a call and a
    crew this night does not have are left out and named."""
    night = small_night()
    document = plan_to_json(small_plan(), night)
    document["problem"] = "north-2026-11-30"
    for route in document["routes"]:
        route |= {"depart": "2026-11-30T22:00:00+00:00", "return": "2026-12-01T06:00:00+00:00"}
        for visit in route["visits"]:
            visit |= {key: "2026-11-30T23:00:00+00:00" for key in ("arrive", "start", "end")}
    document["routes"][0]["visits"].insert(0, dict(document["routes"][0]["visits"][0]))
    document["routes"][0]["visits"][0]["call"] = "v-gone"
    document["routes"].append({"crew": "car-9", "depart": 0, "return": 0, "visits": []})
    hint = read_hint(document, night)
    rounds = {r.crew_id: [v.call_id for v in r.visits] for r in hint.plan.routes}
    assert rounds == {"car-1": ["v-17a", "v-17b"], "car-2": []}
    assert (hint.calls_not_in_night, hint.crews_not_in_night) == (("v-gone",), ("car-9",))
    with pytest.raises(PlanFileError, match="the plan is for 'north-2026-11-30'"):
        read_plan(document, night)


def test_a_hint_naming_a_call_or_a_crew_twice_is_refused_with_both_places() -> None:
    """A call in two places, or a crew with two routes, gives no one round to start from."""
    night = small_night()
    document = plan_to_json(small_plan(), night)
    document["routes"][1]["visits"].append({"call": "v-17b"})
    with pytest.raises(PlanFileError) as caught:
        read_hint(document, night)
    assert str(caught.value) == (
        "routes[1] (car-2).visits[0] (v-17b).call: call 'v-17b' is also at "
        "routes[0] (car-1).visits[1] (v-17b)"
    )
    document = plan_to_json(small_plan(), night)
    document["routes"].append({"crew": "car-1", "visits": []})
    with pytest.raises(PlanFileError) as caught:
        read_hint(document, night)
    assert str(caught.value) == (
        "routes[2] (car-1).crew: crew 'car-1' already has a route (routes[0])"
    )


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["routes"][0].pop("crew"), "routes[0]"),
        (lambda d: d["routes"][0]["visits"][1].pop("call"), "routes[0] (car-1).visits[1]"),
        (lambda d: d["routes"][0]["visits"][0].update(seat=1), "routes[0] (car-1).visits[0]"),
        (lambda d: d.update(format="nightcare-problem/1"), ""),
    ],
)
def test_a_hint_of_the_wrong_shape_names_the_key_path(
    change: Callable[[dict[str, Any]], object], path: str
) -> None:
    """Leniency is for what the night lacks, not for a malformed file."""
    night = small_night()
    document = plan_to_json(small_plan(), night)
    change(document)
    with pytest.raises(PlanFileError) as caught:
        read_hint(document, night)
    assert caught.value.path.startswith(path), caught.value
