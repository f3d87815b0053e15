"""A night through the API: its problem from stored state, what was left out, draft plans."""

from __future__ import annotations

from fastapi.testclient import TestClient

from routing.problem_file import read_problem
from tests.api.conftest import World

NIGHT_PATH = "/areas/{north}/nights/2026-12-01"


def night_path(world: World, tail: str) -> str:
    """The path of north's Tuesday night with `tail` appended."""
    return NIGHT_PATH.format(**world.records) + tail


def test_the_problem_is_a_night_problem_file_of_the_stored_calls(
    client: TestClient, world: World
) -> None:
    """The north need and the one-off call are in it, with the rota's crew; routing reads it."""
    response = client.get(night_path(world, "/problem"), headers=world.headers["coordinator"])
    assert response.status_code == 200
    problem = response.json()
    night = read_problem(problem)
    assert problem["format"] == "nightcare-problem/1"
    assert {call.id for call in night.calls} == {
        f"n{world.records['north_need']}",
        f"o{world.records['north_one_off']}",
    }
    assert [crew.id for crew in night.crews] == ["north-shropshire-car-1"]


def test_a_cancelled_night_leaves_the_persons_calls_out_with_the_reason(
    client: TestClient, world: World
) -> None:
    """After a cancellation the calls leave the problem and appear in left-out, saying why."""
    cancel = {
        "person_id": world.records["north_person"],
        "night": "2026-12-01",
        "reason": "in hospital",
    }
    headers = world.headers["coordinator"]
    assert client.post("/cancellations", json=cancel, headers=headers).status_code == 201
    assert client.get(night_path(world, "/problem"), headers=headers).json()["calls"] == []
    left_out = client.get(night_path(world, "/left-out"), headers=headers).json()
    assert {entry["reason"] for entry in left_out} == {"cancelled: in hospital"}
    assert len(left_out) == 2


def test_solving_stores_a_draft_with_every_call_once(client: TestClient, world: World) -> None:
    """The draft routes or leaves out (with a reason) each call; the older draft is superseded."""
    headers = world.headers["coordinator"]
    created = client.post(night_path(world, "/plans"), json={"seconds": 0.5}, headers=headers)
    assert created.status_code == 201
    plan = created.json()
    visited = [visit["call"] for route in plan["routes"] for visit in route["visits"]]
    unassigned = [entry["call"] for entry in plan["unassigned"]]
    assert all(entry["reason"] for entry in plan["unassigned"])
    assert sorted(visited + unassigned) == sorted(
        [f"n{world.records['north_need']}", f"o{world.records['north_one_off']}"]
    )
    assert plan["unassigned_count"] == len(unassigned)
    listed = client.get(night_path(world, "/plans"), headers=headers).json()
    assert [(p["version"], p["status"]) for p in listed["items"]] == [
        (2, "draft"),
        (1, "superseded"),
    ]
    assert client.get(f"/plans/{plan['id']}", headers=headers).json()["routes"] == plan["routes"]


def test_a_carer_gets_their_own_crews_sheet_and_no_other(client: TestClient, world: World) -> None:
    """Anne's sheet is crew 1's round with her call's details; naming crew 2 changes nothing."""
    path = night_path(world, "/sheet")
    sheet = client.get(path, headers=world.headers["carer"]).json()
    assert sheet["crew_id"] == "north-shropshire-car-1"
    assert [call["client"] for call in sheet["calls"]] == [f"p{world.records['north_person']}"]
    other = client.get(path, params={"crew_number": 2}, headers=world.headers["carer"]).json()
    assert other["crew_id"] == "north-shropshire-car-1"
    assert (
        client.get(f"/plans/{sheet['plan_id']}", headers=world.headers["carer"]).status_code == 403
    )


def test_a_night_outside_the_areas_contract_is_refused(client: TestClient, world: World) -> None:
    """North's contract starts in 2026: a night in 2025 answers 422 on `night`."""
    path = f"/areas/{world.north.id}/nights/2025-06-01/problem"
    response = client.get(path, headers=world.headers["coordinator"])
    assert (response.status_code, response.json()["field"]) == (422, "night")
