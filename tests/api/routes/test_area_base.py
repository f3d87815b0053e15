"""An area's base by name and address through the API: given, changed and cleared with the
area, and on the route sheets (JSON, page, PDF) in place of the base's coordinates."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.conftest import World
from tests.api.routes.test_route_sheets import COMING_TUESDAY, pdf_text, publish_north

# A Tuesday (Anne and Beth are north's crew 1) one or two weeks ahead of the day the test runs.
BASE = "Meres and Mosses night base, High Street, Wem"


def set_base_address(client: TestClient, world: World, address: str | None) -> dict[str, object]:
    """North's base address as the commissioner sets it; the area as read back."""
    response = client.patch(
        f"/areas/{world.north.id}",
        json={"base_address": address},
        headers=world.headers["commissioner"],
    )
    assert response.status_code == 200, response.text
    area: dict[str, object] = response.json()
    return area


def sheet_path(world: World, ext: str) -> str:
    """North's crew 1 sheet of the coming Tuesday."""
    return f"/areas/{world.north.id}/nights/{COMING_TUESDAY.isoformat()}/crews/1/sheet.{ext}"


def test_a_base_address_is_stored_tidied_read_back_and_cleared(
    client: TestClient, world: World
) -> None:
    """Spaces around it go; the area's read carries it; null clears it; too long is a 422
    naming the field; an area without one reads null."""
    assert (
        client.get(f"/areas/{world.south.id}", headers=world.headers["commissioner"]).json()[
            "base_address"
        ]
        is None
    )
    assert set_base_address(client, world, f"  {BASE} ")["base_address"] == BASE
    read = client.get(f"/areas/{world.north.id}", headers=world.headers["coordinator"])
    assert read.json()["base_address"] == BASE
    too_long = client.patch(
        f"/areas/{world.north.id}",
        json={"base_address": "x" * 301},
        headers=world.headers["commissioner"],
    )
    assert too_long.status_code == 422 and "base_address" in too_long.text
    assert set_base_address(client, world, None)["base_address"] is None


def test_a_new_area_may_give_its_base_address(client: TestClient, world: World) -> None:
    """POST /areas with a base address answers it back."""
    ring = [[-1.6, 51.9], [-1.4, 51.9], [-1.4, 52.1], [-1.6, 52.1], [-1.6, 51.9]]
    response = client.post(
        "/areas",
        json={
            "name": "Cotswolds",
            "provider": "Wold Night Care",
            "boundary": {"type": "Polygon", "coordinates": [ring]},
            "base_lat": 52.0,
            "base_lon": -1.5,
            "base_address": "Wold night base, Sheep Street, Stow",
            "crews_per_night": 2,
            "shift_start": "22:00",
            "shift_end": "07:00",
            "cutoff_time": "16:00",
            "publish_time": "18:00",
            "timezone": "Europe/London",
            "start_date": "2026-04-01",
        },
        headers=world.headers["commissioner"],
    )
    assert response.status_code == 201, response.text
    assert response.json()["base_address"] == "Wold night base, Sheep Street, Stow"


def test_the_route_sheets_name_the_base_instead_of_its_coordinates(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """With a base address, the JSON carries it, and the page and the PDF print it where the
    base's coordinates were; without one, the coordinates are back."""
    set_base_address(client, world, BASE)
    publish_north(api_sessions, world)
    headers = world.headers["carer"]
    sheet = client.get(sheet_path(world, "json"), headers=headers).json()
    assert sheet["base_address"] == BASE
    coordinates = f"{sheet['base_lat']:.4f}, {sheet['base_lon']:.4f}"
    page = client.get(sheet_path(world, "html"), headers=headers).text
    base = f'<dd data-field="base"><a href="geo:{sheet["base_lat"]},{sheet["base_lon"]}">'
    assert f"{base}{BASE}</a></dd>" in page and coordinates not in page
    text = pdf_text(client.get(sheet_path(world, "pdf"), headers=headers))
    assert f"Base {BASE}" in text and coordinates not in text

    set_base_address(client, world, None)
    assert client.get(sheet_path(world, "json"), headers=headers).json()["base_address"] is None
    page = client.get(sheet_path(world, "html"), headers=headers).text
    assert f"{base}{coordinates}</a></dd>" in page and BASE not in page
    text = pdf_text(client.get(sheet_path(world, "pdf"), headers=headers))
    assert f"Base {coordinates}" in text
