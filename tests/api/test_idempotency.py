"""`Idempotency-Key`: a retried POST creates nothing twice; a reused key with another body is
refused; keys belong to the user who sent them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import World


def new_carer(world: World, name: str = "Gwen") -> dict[str, Any]:
    """A carer for the north area."""
    return {"area_id": world.north.id, "name": name, "gender": "F", "skills": []}


def carers_called(client: TestClient, world: World, name: str) -> int:
    """How many north carers have this name."""
    page = client.get(
        "/carers",
        params={"area_id": world.north.id, "limit": 200},
        headers=world.headers["commissioner"],
    ).json()
    return sum(1 for carer in page["items"] if carer["name"] == name)


def test_a_retry_with_the_same_key_replays_the_first_response(
    client: TestClient, world: World
) -> None:
    """The second POST answers 201 with the same carer and creates no second one."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "add-gwen-1"}
    first = client.post("/carers", json=new_carer(world), headers=headers)
    again = client.post("/carers", json=new_carer(world), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert carers_called(client, world, "Gwen") == 1


def test_the_same_key_with_a_different_body_is_refused(client: TestClient, world: World) -> None:
    """409 naming the header, and nothing is created for the second body."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "add-someone"}
    assert client.post("/carers", json=new_carer(world), headers=headers).status_code == 201
    refused = client.post("/carers", json=new_carer(world, "Hana"), headers=headers)
    assert refused.status_code == 409
    assert refused.json()["field"] == "Idempotency-Key"
    assert carers_called(client, world, "Hana") == 0


def test_keys_are_scoped_to_the_user_who_sent_them(client: TestClient, world: World) -> None:
    """Another user's identical key is a new request of theirs, not a replay."""
    body = new_carer(world)
    for role in ("coordinator", "commissioner"):
        headers = {**world.headers[role], "Idempotency-Key": "shared-key"}
        response = client.post("/carers", json=body, headers=headers)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert carers_called(client, world, "Gwen") == 2


def test_without_a_key_each_post_creates_a_record(client: TestClient, world: World) -> None:
    """Idempotency is opt-in: two plain POSTs make two carers."""
    for _ in range(2):
        response = client.post(
            "/carers", json=new_carer(world), headers=world.headers["coordinator"]
        )
        assert response.status_code == 201
    assert carers_called(client, world, "Gwen") == 2


def test_a_refused_request_is_not_remembered(client: TestClient, world: World) -> None:
    """A 422 is not stored: the corrected request with the same key goes through."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "fix-and-retry"}
    bad = client.post("/carers", json={**new_carer(world), "gender": "X"}, headers=headers)
    assert bad.status_code == 422
    # A different body under the same key: allowed, since nothing was stored for the key.
    assert client.post("/carers", json=new_carer(world), headers=headers).status_code == 201


def test_a_retried_plan_request_solves_once(client: TestClient, world: World) -> None:
    """Retrying POST .../plans with its key returns the same draft, not a second version."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "tuesday-draft"}
    path = f"/areas/{world.north.id}/nights/2026-12-01/plans"
    first = client.post(path, json={"seconds": 0.3}, headers=headers)
    again = client.post(path, json={"seconds": 0.3}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    listed = client.get(path, headers=world.headers["coordinator"]).json()
    assert [plan["version"] for plan in listed["items"]] == [2, 1]
