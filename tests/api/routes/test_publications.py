"""Publishing a night again through the API, and the night's versions with what changed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World

NIGHT_PATH = "/areas/{north}/nights/2026-12-01"


def night_path(world: World, tail: str) -> str:
    """The path of north's Tuesday night with `tail` appended."""
    return NIGHT_PATH.format(**world.records) + tail


def test_publishing_twice_supersedes_the_first_and_lists_the_changes(
    client: TestClient, world: World
) -> None:
    """v2 and v3 are published in turn (the fixture's draft v1 too is superseded); the first
    publication adds every routed call, the second names the version it superseded."""
    headers = world.headers["coordinator"]
    first = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
    assert first.status_code == 201, first.text
    published = first.json()
    calls = {f"n{world.records['north_need']}", f"o{world.records['north_one_off']}"}
    added = {c for crew in published["changes"]["crews"].values() for c in crew["added"]}
    unassigned = {u["call"] for u in published["unassigned"]}
    assert added | unassigned == calls
    assert added.isdisjoint(unassigned)
    assert all(u["reason"] for u in published["unassigned"])
    assert published["changes"]["superseded_version"] is None
    assert (published["status"], published["trigger"]) == ("published", "republished")
    assert published["created_by"] == world.users["coordinator"].id

    second = client.post(night_path(world, "/publish"), headers=headers, json={"seconds": 1})
    assert second.status_code == 201, second.text
    again = second.json()
    assert again["version"] == published["version"] + 1
    assert again["changes"]["superseded_version"] == published["version"]

    listed = client.get(night_path(world, "/publications"), headers=headers)
    assert listed.status_code == 200
    versions = listed.json()
    assert [(v["version"], v["status"]) for v in versions] == [
        (again["version"], "published"),
        (published["version"], "superseded"),
        (1, "superseded"),
    ]
    assert versions[0]["changes"] == again["changes"]
    assert versions[1]["changes"] == published["changes"]
    assert versions[2]["changes"] is None  # the fixture's draft was never published


def test_a_retried_publication_with_the_same_key_publishes_once(
    client: TestClient, world: World
) -> None:
    """The retry replays the first answer; the night has one published version more, not two."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "publish-north-tuesday"}
    path = night_path(world, "/publish")
    first = client.post(path, json={"seconds": 1}, headers=headers)
    retry = client.post(path, json={"seconds": 1}, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    listed = client.get(night_path(world, "/publications"), headers=world.headers["coordinator"])
    assert [v["version"] for v in listed.json()] == [2, 1]


def test_a_carer_may_not_publish(client: TestClient, world: World) -> None:
    """403 for a carer, and nothing is published."""
    response = client.post(
        night_path(world, "/publish"), json={"seconds": 1}, headers=world.headers["carer"]
    )
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    listed = client.get(night_path(world, "/publications"), headers=world.headers["coordinator"])
    assert [v["status"] for v in listed.json()] == ["draft"]


def test_another_areas_coordinator_gets_404(client: TestClient, world: World) -> None:
    """South's coordinator cannot publish north's night nor see its versions."""
    headers = world.headers["other_coordinator"]
    publish = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
    listed = client.get(night_path(world, "/publications"), headers=headers)
    assert (publish.status_code, listed.status_code) == (404, 404)


def test_seconds_out_of_range_answer_422_naming_the_field(client: TestClient, world: World) -> None:
    """Under 1 or over 60 seconds is refused before any solving, with `field` "seconds"."""
    for seconds in (0.5, 61):
        response = client.post(
            night_path(world, "/publish"),
            json={"seconds": seconds},
            headers=world.headers["coordinator"],
        )
        assert (response.status_code, response.json()["field"]) == (422, "seconds")
