"""Tests for the plain-text route sheets."""

from __future__ import annotations

import json
from dataclasses import replace

from nightcare.route_sheet_text import plan_summary, route_sheet_text
from routing.plan import Plan, PlanStats, Unassigned
from routing.problem_file import read_problem
from tests.nightcare.test_cli import TWO_CALLS, hand_plan


def test_the_sheet_lists_visits_in_order_with_the_break_between() -> None:
    """Crew line, visit rows with times and drive, the break where it falls, the return."""
    night = read_problem(TWO_CALLS)
    plan = hand_plan(night)
    lines = route_sheet_text(plan, night).splitlines()
    assert lines[0] == "Night two-calls-2026-12-01 (2026-12-01, Europe/London)"
    assert "Crew car-1: k-anne (F; medication), k-beth (F)" in lines
    first = next(i for i, line in enumerate(lines) if " v-1 " in line)
    rest = next(i for i, line in enumerate(lines) if "break 00:30-01:00" in line)
    second = next(i for i, line in enumerate(lines) if " v-2 " in line)
    assert first < rest < second
    assert lines[first].split()[:3] == ["23:00", "23:00-23:15", "23:00-23:30"]
    drive = night.travel(0, night.call("v-1").place)
    assert f"{drive / 60:.0f} min" in lines[first]
    assert "critical" in lines[second] and "medication" in lines[second]
    assert lines[second + 1].startswith("  back ")


def test_unassigned_calls_and_totals_follow_the_sheets() -> None:
    """An unassigned call shows its window and reason; totals count by priority."""
    night = read_problem(TWO_CALLS)
    route = hand_plan(night).routes[0]
    only_first = replace(route, visits=route.visits[:1])
    plan = Plan(
        night.name,
        (only_first,),
        (Unassigned("v-2", "no crew is free 02:00-03:00"),),
        PlanStats(travel_seconds=600, solve_seconds=0.4),
    )
    text = route_sheet_text(plan, night)
    assert (
        "v-2 (p-2, critical, medication, window 02:00-03:00, 20 min): no crew is free 02:00-03:00"
        in text
    )
    assert plan_summary(plan, night) == (
        "planned 1 of 2 calls (critical 0/1, standard 1/1), 1 unassigned, travel 10.0 min"
    )
    assert "Care 15 min, solved in 0.4 s" in text


def test_a_night_across_the_clock_change_shows_each_times_zone() -> None:
    """On the October night 01:30 happens twice, so the sheet says BST or GMT."""
    document = json.loads(TWO_CALLS.read_text(encoding="utf-8"))
    document["night"] = "2027-10-30"
    night = read_problem(document)
    plan = hand_plan(night)
    text = route_sheet_text(plan, night)
    assert "clocks change tonight" in text.splitlines()[0]
    assert "23:00 BST" in text
    assert "GMT" in text


def test_a_one_moment_window_reads_as_one_time() -> None:
    """A call that must start at 02:00 exactly shows "window at 02:00", on the crew's sheet
    and among the unassigned calls, not "02:00-02:00"."""
    night = read_problem(TWO_CALLS)
    moment = night.call("v-2").earliest
    pinned = replace(night.call("v-2"), latest=moment)
    night = replace(night, calls=(night.calls[0], pinned))
    route = hand_plan(night).routes[0]
    plan = Plan(
        night.name,
        (replace(route, visits=route.visits[:1]),),
        (Unassigned("v-2", "every crew is busy at 02:00"),),
        PlanStats(travel_seconds=600, solve_seconds=0.4),
    )
    text = route_sheet_text(plan, night)
    assert "v-2 (p-2, critical, medication, window at 02:00, 20 min)" in text
    assert "02:00-02:00" not in text
