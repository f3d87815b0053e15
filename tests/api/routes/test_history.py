"""Records' histories through the HTTP stack."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World


def test_a_pins_history_shows_who_pinned_and_who_removed_it(
    client: TestClient, world: World
) -> None:
    """North's coordinator pins the one-off call and removes the pin: GET /history/pin/{id}
    lists both, to them and to the commissioner, and is 404 to south's coordinator."""
    night = f"/areas/{world.north.id}/nights/2026-12-01/pins"
    headers = world.headers["coordinator"]
    call = f"o{world.records['north_one_off']}"
    pinned = client.post(night, json={"call": call, "start": "01:15"}, headers=headers)
    assert pinned.status_code == 201, pinned.text
    pin_id = pinned.json()["id"]
    removed = client.delete(f"{night}/{pin_id}", headers=headers)
    assert removed.status_code == 204, removed.text

    for role in ("coordinator", "commissioner"):
        response = client.get(f"/history/pin/{pin_id}", headers=world.headers[role])
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == 2
        create, delete = page["items"]
        assert (create["action"], create["entity"], create["entity_id"]) == (
            "create",
            "pin",
            pin_id,
        )
        assert create["after"]["one_off_call_id"] == world.records["north_one_off"]
        assert (delete["action"], delete["after"]) == ("delete", None)
        assert delete["before"]["start"] == "01:15"
    hidden = client.get(f"/history/pin/{pin_id}", headers=world.headers["other_coordinator"])
    assert hidden.status_code == 404, hidden.text
    assert hidden.json()["detail"] == f"pin {pin_id} not found"
