"""Tests for the synthetic rural night generator (routing.rural_night)."""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from contextlib import redirect_stdout
from datetime import date
from typing import Any

import pytest

from nightcare.demo import demo_night_path
from routing.model import Night, Priority
from routing.problem_file import read_problem
from routing.rural_night import SKILLS, TOWNS, generate_night, main


def crews_for(calls: int) -> int:
    """The service's usual staffing: a car for about every 16 calls."""
    return max(1, round(calls / 16))


@pytest.mark.parametrize("calls", [1, 20, 50, 150, 300])
def test_a_generated_night_is_read_by_the_problem_reader_with_the_asked_sizes(calls: int) -> None:
    """Every benchmark size goes through the real file reader with exact call and crew counts."""
    problem = generate_night(calls=calls, crews=crews_for(calls), seed=calls)
    night = read_problem(problem)
    assert len(night.calls) == calls
    assert len(night.crews) == crews_for(calls)
    assert problem["format"] == "nightcare-problem/1"


def test_the_same_seed_gives_the_same_night_and_another_seed_another() -> None:
    """A night is fixed by its seed, byte for byte once written as JSON."""
    first = json.dumps(generate_night(calls=60, crews=4, seed=42))
    again = json.dumps(generate_night(calls=60, crews=4, seed=42))
    other = json.dumps(generate_night(calls=60, crews=4, seed=43))
    assert first == again
    assert first != other


def test_every_after_link_points_to_the_same_clients_previous_call() -> None:
    """Repositioning links name the call just before in the client's plan, at the same home."""
    for seed in range(6):
        calls = generate_night(calls=150, crews=9, seed=seed)["calls"]
        position = {call["id"]: i for i, call in enumerate(calls)}
        for i, call in enumerate(calls):
            if "after" not in call:
                continue
            before = calls[position[call["after"]["call"]]]
            assert position[before["id"]] < i
            assert before["client"] == call["client"]
            assert (before["lat"], before["lon"]) == (call["lat"], call["lon"])
            assert before["earliest"] != call["earliest"]


def linked_gap_bounds(night: Night, call_id: str) -> tuple[int, int]:
    """The shortest and longest start-to-start gap the two windows of a linked call allow."""
    call = night.call(call_id)
    assert call.after is not None
    before = night.call(call.after.call_id)
    return call.earliest - before.latest, call.latest - before.earliest


@pytest.mark.parametrize(
    "night_date", [date(2027, 1, 14), date(2027, 3, 27), date(2027, 10, 30), date(2026, 3, 28)]
)
def test_each_after_link_can_be_met_by_the_windows_even_across_a_clock_change(
    night_date: date,
) -> None:
    """On ordinary and clock-change nights the windows leave room for every link's gap."""
    for seed in range(8):
        night = read_problem(generate_night(calls=80, crews=5, seed=seed, night=night_date))
        for call in night.calls:
            if call.after is None:
                continue
            shortest, longest = linked_gap_bounds(night, call.id)
            assert shortest <= call.after.max_gap
            assert longest >= call.after.min_gap


def test_windows_and_care_fit_inside_the_shift_on_a_march_night() -> None:
    """No window is empty or reversed, and all care ends before the 07:00 shift end."""
    for seed in range(8):
        night = read_problem(generate_night(calls=80, crews=5, seed=seed, night=date(2027, 3, 27)))
        shift_end = night.crews[0].shift_end
        for call in night.calls:
            assert call.earliest < call.latest
            assert call.latest + call.duration <= shift_end


def pooled_calls(seeds: range) -> list[dict[str, Any]]:
    """Calls of several 300-call nights (clients told apart by seed), enough for statistics."""
    pooled = []
    for seed in seeds:
        for call in generate_night(calls=300, crews=19, seed=seed)["calls"]:
            pooled.append({**call, "client": f"{seed}/{call['client']}"})
    return pooled


def test_the_mix_of_calls_looks_like_a_rural_night_service() -> None:
    """About 15% critical, 10% optional, mostly one call per client, short care, tight windows."""
    calls = pooled_calls(range(4))
    night = read_problem(generate_night(calls=300, crews=19, seed=0))
    count = len(calls)
    priorities = Counter(call.get("priority", "standard") for call in calls)
    assert 0.10 <= priorities["critical"] / count <= 0.20
    assert 0.05 <= priorities["optional"] / count <= 0.15
    per_client = Counter(Counter(call["client"] for call in calls).values())
    assert per_client[1] > 3 * per_client[2] > 0
    assert set(per_client) <= {1, 2, 3}
    assert all(15 <= call["minutes"] <= 45 for call in calls)
    widths = [c.latest - c.earliest for c in night.calls]
    assert sum(30 * 60 <= w <= 60 * 60 for w in widths) / len(widths) >= 0.7
    needed = Counter(skill for call in calls for skill in call.get("skills", []))
    assert set(needed) == set(SKILLS)
    assert 0 < sum("gender" in call for call in calls) / count < 0.15
    assert any(c.priority is Priority.CRITICAL for c in night.calls)


def test_every_call_can_be_taken_by_at_least_one_crew() -> None:
    """Skills and gender requests are always covered by some crew, even with a single car."""
    for calls, crews in ((20, 1), (50, 3), (150, 9)):
        for seed in range(5):
            night = read_problem(generate_night(calls=calls, crews=crews, seed=seed))
            assert all(any(c.crew_can_take(k) for k in night.crews) for c in night.calls)


def test_homes_lie_within_a_few_km_of_the_county_towns() -> None:
    """Every client lives no more than 6 km from one of the towns, the base is a town."""
    problem = generate_night(calls=300, crews=19, seed=2)
    base = (problem["base"]["lat"], problem["base"]["lon"])
    assert base in {(t.lat, t.lon) for t in TOWNS}
    homes = {(call["lat"], call["lon"]) for call in problem["calls"]}
    for lat, lon in homes:
        # A flat-earth distance is within a few metres of the geodesic over 6 km.
        nearest = min(
            math.hypot((lat - t.lat) * 111.2, (lon - t.lon) * 111.32 * math.cos(math.radians(lat)))
            for t in TOWNS
        )
        assert nearest <= 6.05


def test_a_small_service_runs_from_the_base_and_a_large_one_from_several_towns() -> None:
    """Three cars all leave the base; nineteen are garaged across the county's towns."""
    small = generate_night(calls=50, crews=3, seed=1)
    assert all("start" not in crew for crew in small["crews"])
    large = read_problem(generate_night(calls=300, crews=19, seed=1))
    assert len({crew.start_place for crew in large.crews}) >= 8
    assert all(crew.start_place == crew.end_place for crew in large.crews)


def test_carer_ids_are_unique_across_the_whole_night() -> None:
    """Thirty-eight carers on a big night never share an id, even when names run out."""
    problem = generate_night(calls=300, crews=19, seed=4)
    ids = [carer["id"] for crew in problem["crews"] for carer in crew["carers"]]
    assert len(ids) == len(set(ids)) == 38


def test_an_unknown_base_town_or_an_empty_night_is_refused() -> None:
    """The base must be one of the county's towns; a night needs a call and a crew."""
    with pytest.raises(ValueError, match="Cardiff"):
        generate_night(calls=10, crews=1, seed=0, base="Cardiff")
    with pytest.raises(ValueError, match="call"):
        generate_night(calls=0, crews=1, seed=0)
    with pytest.raises(ValueError, match="crew"):
        generate_night(calls=10, crews=0, seed=0)


def test_the_command_prints_the_same_night_as_the_function() -> None:
    """`python -m routing.rural_night` writes the generator's night as JSON."""
    out = io.StringIO()
    with redirect_stdout(out):
        main(["--calls", "30", "--crews", "2", "--seed", "9", "--base", "Ludlow"])
    printed = json.loads(out.getvalue())
    assert printed == generate_night(calls=30, crews=2, seed=9, base="Ludlow")


def test_the_shipped_demo_night_is_the_generator_output_for_its_documented_command() -> None:
    """nightcare/demo/demo-night.json is reproducible and reads as a 50-call, 3-crew night."""
    shipped = json.loads(demo_night_path().read_text(encoding="utf-8"))
    out = io.StringIO()
    with redirect_stdout(out):
        main(
            [
                *("--calls", "50", "--crews", "3", "--seed", "7", "--base", "Church Stretton"),
                *("--name", "shropshire-hills-2027-01-14-demo"),
            ]
        )
    assert shipped == json.loads(out.getvalue())
    night = read_problem(demo_night_path())
    assert (night.name, len(night.calls), len(night.crews)) == (
        "shropshire-hills-2027-01-14-demo",
        50,
        3,
    )
