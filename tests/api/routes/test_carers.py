"""Carers through the API: a phone that cannot be dialled is a 422 naming `phone`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("Anne's mobile", "only digits, spaces, +, - and brackets, not 'A'"),
        ("0161 49", "7 to 20 digits; this one has 6"),
        ("07700 +900123", "a + may only start"),
    ],
)
def test_a_carers_phone_that_cannot_be_dialled_is_refused_naming_phone(
    client: TestClient, world: World, phone: str, words: str
) -> None:
    """On a new carer and on a changed one; the changed carer keeps the number it had."""
    headers = world.headers["coordinator"]
    carer_id = world.records["north_carer"]
    before = client.get(f"/carers/{carer_id}", headers=headers)
    assert before.status_code == 200, before.text
    new_carer = {"area_id": world.north.id, "name": "Gwen", "gender": "F", "phone": phone}
    answers = [
        client.post("/carers", json=new_carer, headers=headers),
        client.patch(f"/carers/{carer_id}", json={"phone": phone}, headers=headers),
    ]
    for response in answers:
        body = response.json()
        assert (response.status_code, body["error"], body["field"]) == (422, "invalid", "phone")
        assert words in body["detail"]
    after = client.get(f"/carers/{carer_id}", headers=headers)
    assert after.json()["phone"] == before.json()["phone"]


def test_a_carers_phone_is_stored_tidied_and_can_be_cleared(
    client: TestClient, world: World
) -> None:
    """A good number is kept with its spaces made single; null clears it."""
    headers = world.headers["coordinator"]
    path = f"/carers/{world.records['north_carer']}"
    changed = client.patch(path, json={"phone": " 07700   900123"}, headers=headers)
    assert (changed.status_code, changed.json()["phone"]) == (200, "07700 900123")
    cleared = client.patch(path, json={"phone": None}, headers=headers)
    assert (cleared.status_code, cleared.json()["phone"]) == (200, None)
