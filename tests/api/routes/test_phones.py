"""Phones through the API: checked with a 422 naming the field, a person's read only with the
secrets, and on the route sheets (JSON and HTML) as tap-to-call links where the access notes
are; the area's on-call line on every sheet."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.phone_links import dial_string
from tests.api.conftest import World
from tests.api.routes.test_route_sheets import COMING_TUESDAY, on_the_night, publish_north

# Households' phones leave a sheet once its night is over, so the sheets read here are of a
# Tuesday (Anne and Beth are north's crew 1) one or two weeks ahead of the day the test runs;
# the crew's carer reads them on the evening of that night (`on_the_night`).
ON_CALL = "01632 960999"
HOME = "01632 960123"


def give_phones(client: TestClient, world: World) -> None:
    """North's on-call line (by the commissioner) and its person's phone (by the coordinator)."""
    area = client.patch(
        f"/areas/{world.north.id}",
        json={"on_call_phone": ON_CALL},
        headers=world.headers["commissioner"],
    )
    assert area.status_code == 200, area.text
    person = client.patch(
        f"/people/{world.records['north_person']}",
        json={"phone": HOME, "contact_name": "daughter, Sue"},
        headers=world.headers["coordinator"],
    )
    assert person.status_code == 200, person.text


def sheet_of(client: TestClient, world: World, role: str, ext: str) -> Any:
    """North's crew 1 sheet of the coming Tuesday as `role` reads it (JSON decoded)."""
    path = f"/areas/{world.north.id}/nights/{COMING_TUESDAY.isoformat()}/crews/1/sheet.{ext}"
    response = client.get(path, headers=world.headers[role])
    assert response.status_code == 200, response.text
    return response.json() if ext == "json" else response.text


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("Sue's mobile", "only digits, spaces, +, - and brackets, not 'S'"),
        ("0161 49", "7 to 20 digits; this one has 6"),
        ("0044 1632 960123 000 111 222", "this one has 23"),
        ("01632 +960123", "a + may only start"),
    ],
)
def test_a_phone_that_cannot_be_dialled_is_refused_naming_the_field(
    client: TestClient, world: World, phone: str, words: str
) -> None:
    """422 naming `phone` on a new or changed person and `on_call_phone` on an area."""
    new_person = {
        "name": "Mr Ivor Jones",
        "address": "The Old Forge, Wem",
        "lat": world.north.base_lat,
        "lon": world.north.base_lon,
        "start_date": "2026-11-01",
        "phone": phone,
    }
    answers = [
        (
            client.post("/people", json=new_person, headers=world.headers["coordinator"]),
            "phone",
        ),
        (
            client.patch(
                f"/people/{world.records['north_person']}",
                json={"phone": phone},
                headers=world.headers["coordinator"],
            ),
            "phone",
        ),
        (
            client.patch(
                f"/areas/{world.north.id}",
                json={"on_call_phone": phone},
                headers=world.headers["commissioner"],
            ),
            "on_call_phone",
        ),
    ]
    for response, field in answers:
        body = response.json()
        assert (response.status_code, body["error"], body["field"]) == (422, "invalid", field)
        assert words in body["detail"]


def test_a_phone_longer_than_forty_characters_is_refused_by_the_schema(
    client: TestClient, world: World
) -> None:
    """The length is checked before the service, still naming the field."""
    response = client.patch(
        f"/people/{world.records['north_person']}",
        json={"phone": "0" * 41},
        headers=world.headers["coordinator"],
    )
    assert (response.status_code, response.json()["field"]) == (422, "phone")


def test_a_persons_phone_is_read_only_with_the_secrets(client: TestClient, world: World) -> None:
    """The person's read says a phone is there; /secrets gives it to the coordinator and
    refuses the commissioner; the area's on-call line is on the area's read."""
    give_phones(client, world)
    person_id = world.records["north_person"]
    for role in ("coordinator", "commissioner"):
        read = client.get(f"/people/{person_id}", headers=world.headers[role])
        assert read.json()["has_phone"] is True
        assert "960123" not in read.text and "Sue" not in read.text
    secrets = client.get(f"/people/{person_id}/secrets", headers=world.headers["coordinator"])
    assert (secrets.json()["phone"], secrets.json()["contact_name"]) == (HOME, "daughter, Sue")
    refused = client.get(f"/people/{person_id}/secrets", headers=world.headers["commissioner"])
    assert refused.status_code == 403 and "960123" not in refused.text
    area = client.get(f"/areas/{world.north.id}", headers=world.headers["coordinator"]).json()
    assert area["on_call_phone"] == ON_CALL


def test_the_crews_sheet_has_the_households_phone_and_the_on_call_line_as_links(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """On her night, Anne's JSON sheet carries both numbers; her page makes each a tel: link."""
    give_phones(client, world)
    publish_north(api_sessions, world)
    with on_the_night():
        sheet = sheet_of(client, world, "carer", "json")
        page = sheet_of(client, world, "carer", "html")
    assert sheet["secrets_shown"] is True and sheet["on_call_phone"] == ON_CALL
    visit = next(v for v in sheet["visits"] if v["person_name"] == "north person")
    assert (visit["phone"], visit["contact_name"]) == (HOME, "daughter, Sue")
    assert 'href="tel:01632960999"' in page
    assert 'href="tel:01632960123">01632 960123</a> (daughter, Sue)' in page


def test_the_commissioners_sheet_has_the_on_call_line_and_no_households_phone(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """No access notes on the commissioner's sheet, so no household's phone either."""
    give_phones(client, world)
    publish_north(api_sessions, world)
    sheet = sheet_of(client, world, "commissioner", "json")
    assert sheet["secrets_shown"] is False and sheet["on_call_phone"] == ON_CALL
    assert all(v["phone"] is None and v["access_notes"] is None for v in sheet["visits"])
    page = sheet_of(client, world, "commissioner", "html")
    assert 'href="tel:01632960999"' in page
    assert "960123" not in page and "Sue" not in page


@pytest.mark.parametrize(
    ("phone", "dialled"),
    [
        ("01632 960123", "01632960123"),
        ("+44 (0)1632 960-123", "+441632960123"),
        ("0044 1632 960123", "00441632960123"),
        ("(+44) 7700 900123", "+447700900123"),
    ],
)
def test_a_tel_link_keeps_the_digits_and_a_leading_plus(phone: str, dialled: str) -> None:
    """Spaces, brackets and dashes are for reading, not dialling."""
    assert dial_string(phone) == dialled
