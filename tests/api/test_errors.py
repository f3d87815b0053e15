"""Bad input answers 422 naming the field, clashes 409, in words a coordinator understands;
never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World


def need_body(world: World, **changes: Any) -> dict[str, Any]:
    """A valid recurring call for the north person, with `changes` applied."""
    body = {
        "person_id": world.records["north_person"],
        "label": "medication",
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "start_date": "2026-11-01",
        "earliest": "02:00",
        "latest": "03:00",
        "minutes": 15,
    }
    return {**body, **changes}


def post(client: TestClient, world: World, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POST as the north coordinator; the status and JSON body."""
    response = client.post(path, json=body, headers=world.headers["coordinator"])
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"minutes": "lots"}, "minutes", "integer"),
        ({"earliest": "2am"}, "earliest", "pattern"),
        ({"weekdays": [7]}, "weekdays.0", "less than or equal to 6"),
        ({"priority": "urgent"}, "priority", "critical"),
        ({"label": "x\x00y"}, "label", "NUL"),
        ({"colour": "red"}, "colour", "Extra inputs"),
        ({"earliest": "12:00", "latest": "12:30"}, "earliest", "outside the area's night shift"),
        ({"earliest": "06:30", "latest": "06:50", "minutes": 20}, "minutes", "run past the end"),
        ({"earliest": "03:00", "latest": "02:00"}, "latest", "before it starts"),
    ],
)
def test_a_bad_need_is_refused_naming_the_field(
    client: TestClient, world: World, changes: dict[str, Any], field: str, words: str
) -> None:
    """422 with `field` naming the value at fault and a message that says what is wrong."""
    status, body = post(client, world, "/needs", need_body(world, **changes))
    assert (status, body["error"], body["field"]) == (422, "invalid", field)
    assert words in body["detail"]


def test_an_after_link_to_another_persons_need_is_refused(client: TestClient, world: World) -> None:
    """A need can only follow a need of the same person."""
    other = world.records["south_need"]
    status, body = post(
        client,
        world,
        "/needs",
        need_body(world, after_need_id=other, min_gap_minutes=60, max_gap_minutes=120),
    )
    assert (status, body["field"]) == (422, "after_need_id")


def test_an_after_link_in_a_cycle_is_refused(client: TestClient, world: World) -> None:
    """Linking the first need after the second, which follows the first, would be a cycle."""
    first = world.records["north_need"]
    status, second = post(
        client,
        world,
        "/needs",
        need_body(world, after_need_id=first, min_gap_minutes=60, max_gap_minutes=240),
    )
    assert status == 201
    response = client.patch(
        f"/needs/{first}",
        json={"after_need_id": second["id"], "min_gap_minutes": 60, "max_gap_minutes": 240},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 422
    assert response.json()["field"] == "after_need_id"
    assert "cycle" in response.json()["detail"]


def test_a_person_outside_every_area_is_refused_naming_the_location(
    client: TestClient, world: World
) -> None:
    """A home in the sea off Aberystwyth lies in no contract area."""
    body = {"name": "A N Other", "address": "Cardigan Bay", "lat": 52.4, "lon": -4.4}
    status, answer = post(client, world, "/people", {**body, "start_date": "2026-11-01"})
    assert (status, answer["field"]) == (422, "lat")
    assert "outside every contract area" in answer["detail"]


def test_a_crew_with_the_same_carer_twice_is_refused(client: TestClient, world: World) -> None:
    """422 on the second carer."""
    carer = world.north_carers[2].id
    response = client.put(
        f"/areas/{world.north.id}/rota/2/1",
        json={"carer_a_id": carer, "carer_b_id": carer},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 422
    assert response.json()["field"] == "carer_b_id"


def test_a_carer_in_two_crews_on_a_night_is_a_conflict(client: TestClient, world: World) -> None:
    """Anne is in crew 1 on Tuesdays; putting her in crew 2 as well answers 409."""
    anne, dee = world.north_carers[0].id, world.north_carers[3].id
    response = client.put(
        f"/areas/{world.north.id}/rota/{1}/2",
        json={"carer_a_id": anne, "carer_b_id": dee},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 409
    assert "already in crew 1" in response.json()["detail"]


def test_a_second_cancellation_of_the_same_night_is_a_conflict(
    client: TestClient, world: World
) -> None:
    """One cancellation per person and night: the second answers 409 naming the night."""
    body = {"person_id": world.records["north_person"], "night": "2026-12-24", "reason": "respite"}
    status, answer = post(client, world, "/cancellations", body)
    assert (status, answer["field"]) == (409, "night")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/needs/99999999999", None, "need_id"),
        ("GET", "/carers?limit=0", None, "limit"),
        ("GET", "/carers?offset=-1", None, "offset"),
        ("PATCH", "/carers/{north_carer}", {"name": None}, "name"),
        ("GET", "/areas/{north}/nights/2026-13-01/problem", None, "night"),
        ("GET", "/areas/{north}/rota-changes?start=2026-12-02&end=2026-12-01", None, "end"),
        ("POST", "/areas/{north}/nights/2026-12-01/plans", {"seconds": 0}, "seconds"),
        # The calendar's last day has no morning after: its night cannot be built.
        ("GET", "/areas/{north}/nights/9999-12-31/problem", None, "night"),
        ("GET", "/areas/{north}/nights/9999-12-31/left-out", None, "night"),
        ("POST", "/areas/{north}/nights/9999-12-31/plans", {"seconds": 1}, "night"),
        (
            "POST",
            "/areas/{north}/nights/9999-12-31/pins",
            {"call": "n1", "crew_number": 1},
            "night",
        ),
    ],
)
def test_bad_paths_queries_and_nulls_answer_422_with_the_field(
    client: TestClient, world: World, method: str, path: str, body: Any, field: str
) -> None:
    """Out-of-range ids, page sizes, dates and explicit nulls are 422, never a 500."""
    response = client.request(
        method, path.format(**world.records), json=body, headers=world.headers["coordinator"]
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_body_that_is_not_json_is_422(client: TestClient, world: World) -> None:
    """Malformed JSON is refused as input, not a crash."""
    response = client.post(
        "/carers",
        content=b"{not json",
        headers={**world.headers["coordinator"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


def test_broken_json_is_refused_naming_the_body_and_where_it_breaks(
    client: TestClient, world: World
) -> None:
    """A body cut short says it is not valid JSON, where, and names the body (not "8")."""
    response = client.post(
        "/people",
        content=b'{"name":',
        headers={**world.headers["coordinator"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert response.json()["detail"] == "body: is not valid JSON (Expecting value at character 8)"


def test_a_json_list_instead_of_an_object_is_refused_naming_the_body(
    client: TestClient, world: World
) -> None:
    """A list where the fields should be says the body must be an object of fields."""
    response = client.post("/carers", json=[1, 2], headers=world.headers["coordinator"])
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert "must be a JSON object of fields" in response.json()["detail"]


def test_an_unknown_path_answers_404_in_the_same_shape(client: TestClient, world: World) -> None:
    """Even the router's own 404 is {"error", "detail", "field"}."""
    response = client.get("/nowhere", headers=world.headers["coordinator"])
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
