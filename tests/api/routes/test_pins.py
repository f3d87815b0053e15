"""Pins through the HTTP stack, and areas' break settings as the API takes and shows them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import World

NIGHT_PATH = "/areas/{north}/nights/2026-12-01"


def night_path(world: World, tail: str) -> str:
    """The path of north's Tuesday night with `tail` appended."""
    return NIGHT_PATH.format(**world.records) + tail


def second_crew_on_tuesday(client: TestClient, world: World) -> None:
    """Cara and Dee make north's crew 2 on Tuesdays, so the night has two crews to choose."""
    response = client.put(
        f"/areas/{world.north.id}/rota/1/2",
        json={"carer_a_id": world.north_carers[2].id, "carer_b_id": world.north_carers[3].id},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 200, response.text


def visit_of(plan: dict[str, Any], call: str) -> tuple[str, str]:
    """(crew, local HH:MM start) of a call on a published plan's routes."""
    for route in plan["routes"]:
        for visit in route["visits"]:
            if visit["call"] == call:
                return route["crew"], visit["start"][11:16]
    raise AssertionError(f"{call} is not on the plan: {plan['unassigned']}")


def published_plan(client: TestClient, world: World, plan_id: int) -> dict[str, Any]:
    """A published version with its routes and unassigned calls."""
    response = client.get(f"/plans/{plan_id}", headers=world.headers["coordinator"])
    assert response.status_code == 200, response.text
    plan: dict[str, Any] = response.json()
    return plan


def test_a_call_pinned_to_the_other_crew_and_a_time_is_there_in_each_publication_after(
    client: TestClient, world: World
) -> None:
    """Publish; pin the one-off call to the crew that did not get it, at 01:20; publish twice
    more: each time it is that crew's at 01:20, and the publication lists the pin."""
    second_crew_on_tuesday(client, world)
    headers = world.headers["coordinator"]
    call = f"o{world.records['north_one_off']}"
    first = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
    assert first.status_code == 201, first.text
    crew, _ = visit_of(published_plan(client, world, first.json()["id"]), call)
    other = 2 if crew.endswith("-car-1") else 1

    pinned = client.post(
        night_path(world, "/pins"),
        json={"call": call, "crew_number": other, "start": "01:20"},
        headers=headers,
    )
    assert pinned.status_code == 201, pinned.text
    assert pinned.json()["crew"] == f"north-shropshire-car-{other}"
    for _ in range(2):
        again = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
        assert again.status_code == 201, again.text
        plan = published_plan(client, world, again.json()["id"])
        assert visit_of(plan, call) == (f"north-shropshire-car-{other}", "01:20")
        assert {
            "call": call,
            "crew": f"north-shropshire-car-{other}",
            "start": "01:20",
        }.items() <= (next(p for p in again.json()["changes"]["pins"] if p["call"] == call).items())


def test_pins_are_listed_and_removed(client: TestClient, world: World) -> None:
    """The fixture's pin of the need and a new one are listed oldest first; a removed pin goes."""
    headers = world.headers["coordinator"]
    call = f"o{world.records['north_one_off']}"
    made = client.post(
        night_path(world, "/pins"), json={"call": call, "start": "01:10"}, headers=headers
    )
    assert made.status_code == 201, made.text
    listed = client.get(night_path(world, "/pins"), headers=headers).json()
    assert [(p["call"], p["crew_number"], p["start"]) for p in listed] == [
        (f"n{world.records['north_need']}", 1, None),
        (call, None, "01:10"),
    ]
    removed = client.delete(night_path(world, f"/pins/{made.json()['id']}"), headers=headers)
    assert removed.status_code == 204
    assert [p["call"] for p in client.get(night_path(world, "/pins"), headers=headers).json()] == [
        f"n{world.records['north_need']}"
    ]


def test_a_retried_pin_with_the_same_key_pins_once(client: TestClient, world: World) -> None:
    """The retry replays the first answer and stores nothing more."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "pin-eye-drops"}
    body = {"call": f"o{world.records['north_one_off']}", "crew_number": 1}
    first = client.post(night_path(world, "/pins"), json=body, headers=headers)
    retry = client.post(night_path(world, "/pins"), json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    listed = client.get(night_path(world, "/pins"), headers=world.headers["coordinator"])
    assert len(listed.json()) == 2  # the fixture's pin and this one


def test_bad_pins_answer_with_the_status_and_the_field(client: TestClient, world: World) -> None:
    """Unknown call 404, already pinned 409, bad crew or time 422: each names its field."""
    headers = world.headers["coordinator"]
    one_off = f"o{world.records['north_one_off']}"
    cases = [
        ({"call": "o999999", "crew_number": 1}, 404, "call"),
        ({"call": f"n{world.records['north_need']}", "start": "23:10"}, 409, "call"),
        ({"call": one_off, "crew_number": 2}, 409, "crew_number"),  # crew 2 is not on Tuesdays
        ({"call": one_off, "crew_number": 1, "start": "02:00"}, 422, "start"),
        ({"call": one_off, "start": "25:00"}, 422, "start"),
        ({"call": one_off}, 422, "crew_number"),
        ({"call": one_off, "crew_number": 1, "crew": "car-1"}, 422, "crew"),
    ]
    for body, status, field in cases:
        response = client.post(night_path(world, "/pins"), json=body, headers=headers)
        assert (response.status_code, response.json()["field"]) == (status, field), body
        assert response.json()["detail"]


def test_an_area_takes_shows_and_checks_its_break(client: TestClient, world: World) -> None:
    """A break given with the area is read back; one that would outlast the shift is 422 on
    break_latest; clearing all three removes it."""
    headers = world.headers["commissioner"]
    path = f"/areas/{world.north.id}"
    given = {"break_minutes": 30, "break_earliest": "01:00", "break_latest": "04:00"}
    changed = client.patch(path, json=given, headers=headers)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in given} == given
    problem = client.get(night_path(world, "/problem"), headers=headers).json()
    assert [crew["break"] for crew in problem["crews"]] == [
        {"minutes": 30, "earliest": "01:00", "latest": "04:00"}
    ]
    too_late = client.patch(path, json={"break_latest": "06:45"}, headers=headers)
    assert (too_late.status_code, too_late.json()["field"]) == (422, "break_latest")
    half = client.patch(path, json={"break_minutes": None}, headers=headers)
    assert (half.status_code, half.json()["field"]) == (422, "break_minutes")
    cleared = client.patch(
        path,
        json={"break_minutes": None, "break_earliest": None, "break_latest": None},
        headers=headers,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["break_minutes"] is None
