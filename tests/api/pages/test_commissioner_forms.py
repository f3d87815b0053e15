"""The commissioner's pages through the real HTTP stack (no browser), on SQLite and PostgreSQL.

The app runs on one connection whose work is rolled back after each test; the commissioner is
signed in with a session cookie and the CSRF cookie, as the sign-in page would leave them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.pages.session import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for
from api.security import issue_token
from data.models import ApiToken, Area, AuditEvent, StoredPlan
from data.services.access import COMMISSIONER, COORDINATOR
from data.services.users import add_user
from data.settings import Settings
from tests.data.factories import an_area, square

SETTINGS = Settings(environment="development")
NIGHT = date(2026, 3, 3)


@dataclass(frozen=True)
class Office:
    """A signed-in browser stand-in over a database holding one area, "West"."""

    client: TestClient
    connection: Connection
    sessions: sessionmaker[Session]
    west: Area
    csrf: str

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        """Post a form with its CSRF token, not following the redirect."""
        return self.client.post(
            path, data={"csrf_token": self.csrf, **data}, follow_redirects=False, **kwargs
        )


def _signed_in(client: TestClient, session: Session, role: str, areas: list[Area]) -> str:
    user = add_user(
        session,
        username=f"{role}-user",
        password="a long enough password",
        role=role,
        area_ids=[a.id for a in areas],
    )
    issued = issue_token(60)
    session.add(ApiToken(user_id=user.id, token_hash=issued.digest, expires_at=issued.expires_at))
    client.cookies.set(SESSION_COOKIE, issued.token)
    client.cookies.set(CSRF_COOKIE, "browser-secret")
    return csrf_token_for(SETTINGS, "browser-secret")


def _office(db_engine: Engine, role: str) -> Iterator[Office]:
    connection = db_engine.connect()
    transaction = connection.begin()
    sessions = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    app = create_app(SETTINGS, sessions=sessions)
    try:
        with TestClient(app, raise_server_exceptions=False) as client, sessions() as session:
            west = an_area(session)
            csrf = _signed_in(client, session, role, [west] if role == COORDINATOR else [])
            session.commit()
            yield Office(client, connection, sessions, west, csrf)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def office(db_engine: Engine) -> Iterator[Office]:
    """A commissioner's browser."""
    yield from _office(db_engine, COMMISSIONER)


@pytest.fixture
def coordinators_office(db_engine: Engine) -> Iterator[Office]:
    """A coordinator of West's browser."""
    yield from _office(db_engine, COORDINATOR)


def _area_form(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Hills",
        "provider": "Marches Night Care Ltd",
        "boundary": "",
        "base_lat": "52.7",
        "base_lon": "-3.5",
        "crews_per_night": "3",
        "shift_start": "22:00",
        "shift_end": "07:00",
        "cutoff_time": "16:00",
        "publish_time": "18:00",
        "break_minutes": "",
        "break_earliest": "",
        "break_latest": "",
        "timezone": "Europe/London",
        "start_date": "2026-04-01",
        "end_date": "",
        "speed_kmh": "48",
        "circuity": "1.3",
        "stop_minutes": "3",
    }
    values.update(overrides)
    return values


HILLS = square(-3.6, 52.6, -3.4, 52.8)


def _geojson_file(document: Any, name: str = "hills.geojson") -> dict[str, Any]:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return {"boundary_file": (name, content, "application/geo+json")}


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error beside {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip())


def _stored_area(office: Office, name: str) -> Area | None:
    with office.sessions() as session:
        return session.scalars(select(Area).where(Area.name == name)).first()


def test_the_home_page_lists_every_area_in_the_table_and_on_the_map(office: Office) -> None:
    """West's row links to its page; the map's data holds its boundary and base."""
    answer = office.client.get("/commissioner")
    assert answer.status_code == 200, answer.text
    assert f'<a href="/commissioner/areas/{office.west.id}">West</a>' in answer.text
    data = re.search(r'<script type="application/json" id="areas-data">(.*?)</script>', answer.text)
    assert data is not None
    (west,) = json.loads(data.group(1))
    assert west["boundary"] == office.west.boundary
    assert west["base"] == [52.5, -2.9]
    assert "22:00–07:00" in answer.text


def test_an_area_is_created_from_an_uploaded_geojson_feature_collection(office: Office) -> None:
    """The file's one feature becomes the boundary; the new area is audited, then shown."""
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "Hills"}, "geometry": HILLS}],
    }
    answer = office.post("/commissioner/areas/new", _area_form(), files=_geojson_file(collection))
    assert answer.status_code == 303, answer.text
    area = _stored_area(office, "Hills")
    assert area is not None
    assert answer.headers["location"] == f"/commissioner/areas/{area.id}?saved=created"
    assert area.boundary == HILLS
    assert (area.crews_per_night, area.base_lat, area.start_date) == (3, 52.7, date(2026, 4, 1))
    with office.sessions() as session:
        events = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity == "area", AuditEvent.entity_id == area.id
            )
        ).all()
    assert events == ["create"]
    shown = office.client.get(answer.headers["location"])
    assert shown.status_code == 200
    assert "The area has been added." in shown.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file hills.geojson is not GeoJSON: Expecting property name"),
        (
            json.dumps({"type": "Point", "coordinates": [-3.5, 52.7]}).encode(),
            "Must be a GeoJSON Polygon or MultiPolygon",
        ),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[-3.6, 52.6], [-3.4, 52.8], [-3.4, 52.6], [-3.6, 52.8]]],
                }
            ).encode(),
            "Is not a valid shape",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": []}).encode(),
            "Holds 0 features: it must hold exactly one",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "The file hills.geojson is nested too deeply"),
    ],
)
def test_a_wrong_geojson_file_is_explained_beside_the_file_field(
    office: Office, content: bytes, message: str
) -> None:
    """Unreadable, not a polygon, self-crossing, empty or absurdly nested: 422, the reason
    beside the file field (from the same check the API uses), nothing stored."""
    form = _area_form(boundary='{"type": "Polygon", "coordinates": "as drawn"}')
    answer = office.post("/commissioner/areas/new", form, files=_geojson_file(content))
    assert answer.status_code == 422
    assert _field_error(answer.text, "boundary_file").startswith(message)
    # The boundary field keeps what it held, not the refused file's shape.
    assert "as drawn" in html.unescape(answer.text)
    assert 'aria-invalid="true"' in answer.text
    assert _stored_area(office, "Hills") is None


def test_every_value_that_is_not_a_number_or_date_is_reported_at_once(office: Office) -> None:
    """Crews, latitude and start date wrong together: three messages, each beside its field,
    the other values kept as typed."""
    form = _area_form(
        crews_per_night="three", base_lat="", start_date="1 April", boundary=json.dumps(HILLS)
    )
    answer = office.post("/commissioner/areas/new", form)
    assert answer.status_code == 422
    assert _field_error(answer.text, "crews_per_night") == "Must be a whole number"
    assert _field_error(answer.text, "base_lat") == "Enter a number"
    assert _field_error(answer.text, "start_date") == "Must be a date like 2026-04-01"
    assert 'value="Marches Night Care Ltd"' in answer.text
    assert "Crews per night: Must be a whole number" in answer.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"base_lat": "52.0"}, "base_lat", "The base must lie inside the area's boundary"),
        ({"crews_per_night": "0"}, "crews_per_night", "Must be a whole number from 1 to 50"),
        ({"name": "West"}, "name", "An area called 'West' already exists"),
        ({"timezone": "Europe/Narnia"}, "timezone", "'Europe/Narnia'"),
        ({"boundary": ""}, "boundary", "Draw the boundary on the map"),
        ({"break_minutes": "30"}, "break_earliest", "A break needs"),
    ],
)
def test_the_area_services_refusals_appear_beside_their_field(
    office: Office, overrides: dict[str, str], field: str, message: str
) -> None:
    """The API's own messages, from the area service, each beside the field it is about."""
    form = _area_form(**{"boundary": json.dumps(HILLS), **overrides})
    answer = office.post("/commissioner/areas/new", form)
    assert answer.status_code == 422
    assert message in _field_error(answer.text, field)


def test_a_boundary_over_another_areas_ground_is_refused_beside_the_boundary(
    office: Office,
) -> None:
    """A square across West's north-east corner comes back (422) with the overlap named
    beside the boundary field, and no area is added."""
    over_west = square(-2.9, 52.5, -2.7, 52.7)
    form = _area_form(boundary=json.dumps(over_west), base_lat="52.6", base_lon="-2.8")
    answer = office.post("/commissioner/areas/new", form)
    assert answer.status_code == 422
    message = html.unescape(_field_error(answer.text, "boundary"))
    assert message.startswith(f"This boundary overlaps West (area {office.west.id}) by about ")
    assert "around 52.5500, -2.8500 (lat, lon)" in message
    assert _stored_area(office, "Hills") is None


def test_the_boundary_drawn_on_the_map_arrives_in_the_boundary_field(office: Office) -> None:
    """With no file, the GeoJSON text the map wrote (a Polygon) is the boundary; the base,
    crews and break settings are stored as typed."""
    form = _area_form(
        boundary=json.dumps(HILLS),
        break_minutes="30",
        break_earliest="01:00",
        break_latest="03:00",
    )
    answer = office.post("/commissioner/areas/new", form)
    assert answer.status_code == 303, answer.text
    area = _stored_area(office, "Hills")
    assert area is not None
    assert area.boundary == HILLS
    assert (area.break_minutes, area.break_earliest, area.break_latest) == (30, "01:00", "03:00")


def test_editing_crews_per_night_saves_it_and_keeps_the_rest(office: Office) -> None:
    """The edit form comes filled in; changing crews from 2 to 4 saves only that change."""
    page = office.client.get(f"/commissioner/areas/{office.west.id}/edit")
    assert page.status_code == 200
    form = {
        name: value
        for name, value in re.findall(
            r'<input id="(\w+)" name="\w+" type="\w+" value="([^"]*)"', page.text
        )
    }
    boundary = re.search(r'<textarea id="boundary"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert boundary is not None
    form["boundary"] = boundary.group(1).replace("&#34;", '"').replace("&quot;", '"')
    assert form["crews_per_night"] == "2"
    form["crews_per_night"] = "4"
    answer = office.post(f"/commissioner/areas/{office.west.id}/edit", form)
    assert answer.status_code == 303, answer.text
    with office.sessions() as session:
        area = session.get(Area, office.west.id)
        assert area is not None
        assert (area.crews_per_night, area.boundary) == (4, office.west.boundary)
        assert (area.shift_start, area.base_lon) == ("22:00", -2.9)
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity == "area", AuditEvent.entity_id == area.id
            )
        ).all()
    assert actions == ["create", "update"]
    shown = office.client.get(answer.headers["location"])
    assert '<dd data-field="crews_per_night">4</dd>' in shown.text


def test_the_new_area_form_offers_the_usual_night_and_its_inputs_limits(office: Office) -> None:
    """Shift 22:00-07:00 filled in; the inputs' own attributes arrive as attributes (a
    timezone list, a length limit), not as escaped text."""
    page = office.client.get("/commissioner/areas/new")
    assert page.status_code == 200
    assert 'id="shift_start" name="shift_start" type="time" value="22:00"' in page.text
    assert 'list="timezones"' in page.text
    assert 'maxlength="120"' in page.text
    assert "&#34;" not in page.text.split("<form", 1)[1]


def test_a_post_without_the_csrf_token_is_refused(office: Office) -> None:
    """403, and nothing is stored."""
    answer = office.client.post(
        "/commissioner/areas/new", data=_area_form(boundary=json.dumps(HILLS))
    )
    assert answer.status_code == 403
    assert _stored_area(office, "Hills") is None


def test_a_coordinator_cannot_reach_the_commissioners_pages(coordinators_office: Office) -> None:
    """Even the pages of the coordinator's own area: 403, and the post stores nothing."""
    west = coordinators_office.west.id
    for path in ("/commissioner", f"/commissioner/areas/{west}", "/commissioner/areas/new"):
        assert coordinators_office.client.get(path).status_code == 403, path
    answer = coordinators_office.post(
        f"/commissioner/areas/{west}/edit", _area_form(boundary=json.dumps(HILLS))
    )
    assert answer.status_code == 403
    assert _stored_area(coordinators_office, "Hills") is None


def test_signed_out_the_pages_send_you_to_sign_in(office: Office) -> None:
    """No session cookie: 303 to the sign-in page, coming back afterwards."""
    office.client.cookies.delete(SESSION_COOKIE)
    answer = office.client.get("/commissioner", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/commissioner"


def test_an_unknown_area_is_a_404_page(office: Office) -> None:
    """Not a 500: the error page says the area was not found."""
    answer = office.client.get("/commissioner/areas/999999")
    assert answer.status_code == 404
    assert "area 999999 not found" in answer.text


def _published(office: Office, night: date) -> None:
    plan = {
        "routes": [
            {
                "crew": "west-car-1",
                "depart": f"{night.isoformat()}T22:00:00+00:00",
                "return": f"{night.isoformat()}T23:30:00+00:00",
                "visits": [
                    {
                        "call": "c0",
                        "arrive": f"{night.isoformat()}T22:30:00+00:00",
                        "start": f"{night.isoformat()}T22:30:00+00:00",
                        "end": f"{night.isoformat()}T23:00:00+00:00",
                    }
                ],
            }
        ],
        "unassigned": [{"call": "c1", "reason": "every crew is busy"}],
    }
    problem = {
        "night": night.isoformat(),
        "timezone": "Europe/London",
        "shift": {"start": "22:00", "end": "07:00"},
        "crews": [{"id": "west-car-1"}],
        "calls": [{"id": "c0"}, {"id": "c1"}],
    }
    with office.sessions() as session:
        session.add(
            StoredPlan(
                area_id=office.west.id,
                night=night,
                version=1,
                status="published",
                trigger="scheduled",
                problem=problem,
                plan=plan,
                travel_minutes=60.0,
                unassigned_count=1,
                solve_seconds=1.0,
            )
        )
        session.commit()


def test_an_areas_page_charts_its_last_thirty_nights(office: Office) -> None:
    """One published night: its numbers in the table (2 calls, 1 planned, 1 unassigned, 30 min
    care, 1 h driving, 90 of 540 minutes busy = 17%), and three SVG charts with a title and
    a description; the other 29 nights say they have no published plan."""
    _published(office, NIGHT)
    answer = office.client.get(f"/commissioner/areas/{office.west.id}?until={NIGHT}")
    assert answer.status_code == 200, answer.text
    row = re.search(r'<tr data-night="2026-03-03">(.*?)</tr>', answer.text, re.S)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)
    ]
    assert cells == ["Tue 3 Mar", "2", "1", "1", "30 min", "1 h 00 min", "17%"]
    assert answer.text.count("No published plan") == 29
    assert answer.text.count('role="img"') == 3
    for chart in ("calls", "time", "use"):
        chart_id = f"{chart}-{office.west.id}"
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in answer.text
        desc = re.search(rf'<desc id="{chart_id}-desc">(.*?)</desc>', answer.text, re.S)
        assert desc is not None
        assert desc.group(1).startswith(
            "30 nights from Mon 2 February 2026 to Tue 3 March 2026, 1 with a published plan"
        )


def test_the_area_page_refuses_a_date_that_is_not_one(office: Office) -> None:
    """?until=soon is a 422 page naming the parameter, not a 500."""
    answer = office.client.get(f"/commissioner/areas/{office.west.id}?until=soon")
    assert answer.status_code == 422
    assert "until" in answer.text


def _statements_of_page(office: Office, path: str) -> int:
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement: str = args[2]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(office.connection, "before_cursor_execute", record)
    try:
        assert office.client.get(path).status_code == 200
    finally:
        event.remove(office.connection, "before_cursor_execute", record)
    return len(seen)


def test_the_area_page_reads_thirty_nights_in_as_many_statements_as_one(office: Office) -> None:
    """Statements do not grow with the published nights (no query per night)."""
    path = f"/commissioner/areas/{office.west.id}?until={NIGHT}"
    _published(office, NIGHT)
    one_night = _statements_of_page(office, path)
    for back in range(1, 30):
        _published(office, date.fromordinal(NIGHT.toordinal() - back))
    assert _statements_of_page(office, path) == one_night


def test_the_on_call_line_is_saved_shown_and_a_bad_one_refused_beside_its_field(
    office: Office,
) -> None:
    """A new area with its night line (spaces tidied) shows it on its page; letters in it are
    the phone check's message beside the field, nothing stored."""
    bad = office.post(
        "/commissioner/areas/new",
        _area_form(boundary=json.dumps(HILLS), on_call_phone="ring the office"),
    )
    assert bad.status_code == 422
    assert _field_error(bad.text, "on_call_phone") == (
        "A phone number holds only digits, spaces, +, - and brackets, not 'r'"
    )
    assert 'value="ring the office"' in bad.text
    assert _stored_area(office, "Hills") is None
    added = office.post(
        "/commissioner/areas/new",
        _area_form(boundary=json.dumps(HILLS), on_call_phone=" 01632  960999 "),
    )
    assert added.status_code == 303, added.text
    area = _stored_area(office, "Hills")
    assert area is not None and area.on_call_phone == "01632 960999"
    shown = office.client.get(added.headers["location"]).text
    assert '<dd data-field="on_call_phone">01632 960999</dd>' in shown
    form = office.client.get(f"/commissioner/areas/{area.id}/edit").text
    assert 'id="on_call_phone" name="on_call_phone" type="tel" value="01632 960999"' in form


def test_the_bases_name_and_address_is_saved_shown_and_refilled_in_the_form(
    office: Office,
) -> None:
    """A new area with its base's address shows it beside the base's position on its page and
    fills the edit form with it; over 300 characters is refused beside its field."""
    too_long = office.post(
        "/commissioner/areas/new",
        _area_form(boundary=json.dumps(HILLS), base_address="x" * 301),
    )
    assert too_long.status_code == 422
    assert _field_error(too_long.text, "base_address") == "Must be at most 300 characters"
    added = office.post(
        "/commissioner/areas/new",
        _area_form(boundary=json.dumps(HILLS), base_address=" Hills night base, Bank Street "),
    )
    assert added.status_code == 303, added.text
    area = _stored_area(office, "Hills")
    assert area is not None and area.base_address == "Hills night base, Bank Street"
    shown = office.client.get(added.headers["location"]).text
    assert '<dd data-field="base">Hills night base, Bank Street (52.70000, -3.50000)</dd>' in shown
    form = office.client.get(f"/commissioner/areas/{area.id}/edit").text
    assert 'name="base_address" type="text" value="Hills night base, Bank Street"' in form
