"""POST /areas/{id}/imports: a CSV file of people and calls, stored whole or not at all."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from data.services.csv_import import MOST_BYTES
from tests.api.conftest import World

HEADER = "person,name,address,lat,lon,start_date,need,label,weekdays,earliest,latest,minutes"
# North Shropshire in the test world is the square 52.8-53.0, -3.0 to -2.8.
RIGHT = (
    f"{HEADER}\n"
    "P1,Mrs Ada Lowe,1 Mere Road,52.91,-2.88,2026-12-01,a,reposition,daily,23:00,23:30,30\n"
    "P1,,,,,,b,reposition,daily,02:00,03:00,30\n"
    "P2,Mr Ben Hale,2 Mere Road,52.92,-2.87,2026-12-01,,settle,Mon-Fri,00:00,01:00,15\n"
)
WRONG = RIGHT.replace("52.92,-2.87", "52.40,-2.80").replace("02:00,03:00", "21:00,21:30")


def upload(client: TestClient, world: World, role: str, content: str, **headers: str) -> object:
    """POST the file to north's imports as `role`."""
    return client.post(
        f"/areas/{world.north.id}/imports",
        files={"file": ("people.csv", content.encode("utf-8"), "text/csv")},
        headers={**world.headers[role], **headers},
    )


def people_of_north(client: TestClient, world: World) -> list[str]:
    """The names of north's people, as the coordinator reads them."""
    response = client.get(
        f"/people?area_id={world.north.id}&limit=200", headers=world.headers["coordinator"]
    )
    return [p["name"] for p in response.json()["items"]]


def test_a_right_file_is_stored_and_answers_the_new_ids(client: TestClient, world: World) -> None:
    """Two people and three calls; the people are then in the area's list."""
    response = client.post(
        f"/areas/{world.north.id}/imports",
        files={"file": ("people.csv", RIGHT.encode("utf-8"), "text/csv")},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["area_id"], body["rows"], len(body["people"]), len(body["needs"])) == (
        world.north.id,
        3,
        2,
        3,
    )
    assert {"Mrs Ada Lowe", "Mr Ben Hale"} <= set(people_of_north(client, world))
    needs = client.get(
        f"/needs?person_id={body['people'][0]}", headers=world.headers["coordinator"]
    ).json()["items"]
    assert [n["after_need_id"] for n in needs] == [None, None]


def test_a_wrong_file_answers_every_wrong_row_and_stores_nothing(
    client: TestClient, world: World
) -> None:
    """A home in the south area and a window before the shift: 422 with both rows, and the
    right person on row 2 is not stored either."""
    before = people_of_north(client, world)
    response = client.post(
        f"/areas/{world.north.id}/imports",
        files={"file": ("people.csv", WRONG.encode("utf-8"), "text/csv")},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid", "file")
    assert body["detail"] == "2 rows have errors; nothing was imported"
    assert [(r["row"], r["column"]) for r in body["rows"]] == [(3, "earliest"), (4, "lat")]
    assert "South Shropshire, which you do not coordinate" in body["rows"][1]["reason"]
    assert people_of_north(client, world) == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("other_coordinator", 404), ("carer", 403), ("anonymous", 401), ("commissioner", 201)],
)
def test_only_the_areas_coordinators_and_commissioners_may_import(
    client: TestClient, world: World, role: str, status: int
) -> None:
    """Another area's coordinator learns nothing; a carer may not; no token, no import."""
    response = client.post(
        f"/areas/{world.north.id}/imports",
        files={"file": ("people.csv", RIGHT.encode("utf-8"), "text/csv")},
        headers=world.headers[role],
    )
    assert response.status_code == status, response.text
    if status >= 400:
        assert set(response.json()) == {"error", "detail", "field"}


def test_a_file_over_the_limit_is_refused_unread(client: TestClient, world: World) -> None:
    """413 naming the file."""
    response = client.post(
        f"/areas/{world.north.id}/imports",
        files={"file": ("big.csv", b"x" * (MOST_BYTES + 1), "text/csv")},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 413
    assert response.json()["field"] == "file"


def test_a_retried_upload_with_its_key_is_replayed_not_stored_twice(
    client: TestClient, world: World
) -> None:
    """The same request with the same Idempotency-Key answers the first response."""
    request = client.build_request(
        "POST",
        f"/areas/{world.north.id}/imports",
        files={"file": ("people.csv", RIGHT.encode("utf-8"), "text/csv")},
        headers={**world.headers["coordinator"], "Idempotency-Key": "import-1"},
    )
    first = client.send(request)
    again = client.send(request)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert people_of_north(client, world).count("Mrs Ada Lowe") == 1


def test_a_person_already_stored_is_named_to_the_areas_coordinator(
    client: TestClient, world: World
) -> None:
    """The 422 names the stored person by name and address, not by id alone."""
    address = f"1 High Street, {world.north.name}"
    again = (
        f"{HEADER}\n"
        f'P1,North Person,"{address}",52.91,-2.88,2026-12-01,,settle,daily,23:00,23:30,30\n'
    )
    response = client.post(
        f"/areas/{world.north.id}/imports",
        files={"file": ("people.csv", again.encode("utf-8"), "text/csv")},
        headers=world.headers["coordinator"],
    )
    assert response.status_code == 422
    rows = response.json()["rows"]
    person_id = world.records["north_person"]
    assert rows == [
        {
            "row": 2,
            "column": "name",
            "reason": f"is already stored at this address: north person, {address} "
            f"(person {person_id})",
        }
    ]
