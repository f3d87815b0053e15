"""The coordinator's pages through the real HTTP stack (no browser), on SQLite and PostgreSQL.

The test world (tests/api/conftest.py) has North (the coordinator's) and South (another
coordinator's); each test's requests are rolled back. The coordinator is signed in with the
session cookie and the CSRF cookie, as the sign-in page leaves them.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.pages.session import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for
from data.models import AuditEvent, Cancellation, Need, OneOffCall, Person, Pin, StoredPlan
from tests.api.conftest import KEY_SAFE_CODE, NIGHT, World

BROWSER_SECRET = "browser-secret"


class Browser:
    """The client signed in as one of the world's users, posting forms with the CSRF token."""

    def __init__(self, client: TestClient, world: World, role: str) -> None:
        self.client = client
        token = world.headers[role]["Authorization"].removeprefix("Bearer ")
        client.cookies.set(SESSION_COOKIE, token)
        client.cookies.set(CSRF_COOKIE, BROWSER_SECRET)
        self.csrf = csrf_token_for(client.app.state.settings, BROWSER_SECRET)  # type: ignore[attr-defined]

    def get(self, path: str) -> httpx2.Response:
        """A page."""
        return self.client.get(path, follow_redirects=False)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx2.Response:
        """A form post with the CSRF token, not following the redirect."""
        return self.client.post(
            path, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kwargs
        )


@pytest.fixture
def coordinator(client: TestClient, world: World) -> Browser:
    """North's coordinator in a browser."""
    return Browser(client, world, "coordinator")


def field_error(page: str, name: str) -> str:
    """The error shown beside field `name`, checking the input points at it."""
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error beside {name}"
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{name}"[^>]*>', page)
    assert control is not None, f"no control {name}"
    assert 'aria-invalid="true"' in control[0]
    assert f"{name}-error" in control[0]
    text = re.sub(r"<[^>]+>", "", found[1])
    return html.unescape(text).replace("Error:", "").strip()


def count(sessions: sessionmaker[Session], model: type[Any], **where: Any) -> int:
    """Rows of `model` matching `where`."""
    with sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query) or 0


PERSON = {
    "name": "Mrs Nora Bell",
    "address": "4 Mere Lane, Ellesmere",
    "lat": "52.91",
    "lon": "-2.88",
    "start_date": "2026-11-01",
    "gender_request": "F",
    "key_safe_code": "2468",
}
NEED = {
    "label": "reposition",
    "weekdays": ["0", "2", "4"],
    "earliest": "23:00",
    "latest": "23:30",
    "minutes": "30",
    "priority": "standard",
    "start_date": "2026-11-01",
}


def test_the_home_page_lists_only_the_coordinators_areas(
    coordinator: Browser, world: World
) -> None:
    """North with its pages; South is not mentioned."""
    page = coordinator.get("/coordinator")
    assert page.status_code == 200
    assert "North Shropshire" in page.text and "South Shropshire" not in page.text
    assert f"/coordinator/areas/{world.north.id}/people" in page.text
    assert f"/coordinator/areas/{world.north.id}/import" in page.text


@pytest.mark.parametrize(("role", "status"), [("commissioner", 403), ("carer", 403)])
def test_other_roles_do_not_get_the_coordinators_pages(
    client: TestClient, world: World, role: str, status: int
) -> None:
    """A commissioner and a carer are refused with a page, not JSON."""
    page = Browser(client, world, role).get("/coordinator")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")


def test_without_a_session_the_page_goes_to_sign_in(client: TestClient, world: World) -> None:
    """Not signed in: 303 to the sign-in page, coming back afterwards."""
    response = client.get(f"/coordinator/areas/{world.north.id}/people", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/coordinator/areas/")


def test_a_new_persons_errors_are_shown_beside_each_field_then_they_are_added(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """No name and a home in South: both refused beside their fields, nothing stored; then
    the right values add the person (in North) and go to their page."""
    path = f"/coordinator/areas/{world.north.id}/people/new"
    before = count(api_sessions, Person)
    refused = coordinator.post(path, {**PERSON, "name": "", "lat": "52.4", "lon": "-2.8"})
    assert refused.status_code == 422
    assert field_error(refused.text, "name") == "Enter their name"
    assert count(api_sessions, Person) == before
    wrong_area = coordinator.post(path, {**PERSON, "lat": "52.4", "lon": "-2.8"})
    assert field_error(wrong_area.text, "lat") == (
        "This home lies in South Shropshire, which you do not coordinate"
    )
    not_a_number = coordinator.post(path, {**PERSON, "lat": "north"})
    assert "valid number" in field_error(not_a_number.text, "lat")
    added = coordinator.post(path, PERSON)
    assert added.status_code == 303
    person_id = int(added.headers["location"].split("/")[3].split("?")[0])
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert (person.area_id, person.key_safe_code) == (world.north.id, "2468")
    page = coordinator.get(added.headers["location"])
    assert "Mrs Nora Bell is added." in page.text


def test_a_bad_window_is_shown_beside_earliest_then_the_fixed_call_is_added(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """21:00 is before the 22:00 shift: the need service's message beside `earliest`."""
    person_id = world.records["north_person"]
    path = f"/coordinator/people/{person_id}/needs/new"
    before = count(api_sessions, Need, person_id=person_id)
    refused = coordinator.post(path, {**NEED, "earliest": "21:00"})
    assert refused.status_code == 422
    assert field_error(refused.text, "earliest") == (
        "21:00 is outside the area's night shift 22:00-07:00"
    )
    assert 'value="21:00"' in refused.text  # what was typed stays in the form
    no_nights = coordinator.post(path, {**NEED, "weekdays": []})
    assert "Enter the nights of the week" in no_nights.text
    assert count(api_sessions, Need, person_id=person_id) == before
    added = coordinator.post(path, NEED)
    assert (added.status_code, added.headers["location"]) == (
        303,
        f"/coordinator/people/{person_id}?saved=need",
    )
    with api_sessions() as session:
        need = session.scalars(
            select(Need).where(Need.person_id == person_id).order_by(Need.id.desc())
        ).first()
    assert need is not None and (need.weekdays, need.earliest) == ([0, 2, 4], "23:00")


def test_a_call_is_changed_paused_and_resumed(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The edit form saves a new window; Pause and Resume flip the flag, audited."""
    need_id = world.records["north_need"]
    form = coordinator.get(f"/coordinator/needs/{need_id}/edit")
    assert form.status_code == 200 and 'value="23:00"' in form.text
    changed = coordinator.post(
        f"/coordinator/needs/{need_id}/edit", {**NEED, "earliest": "23:15", "latest": "23:45"}
    )
    assert changed.status_code == 303
    coordinator.post(f"/coordinator/needs/{need_id}/pause", {"paused": "yes"})
    with api_sessions() as session:
        need = session.get(Need, need_id)
        assert need is not None and (need.earliest, need.paused) == ("23:15", True)
    page = coordinator.get(f"/coordinator/people/{world.records['north_person']}")
    assert "Resume" in page.text and "Paused" in page.text
    coordinator.post(f"/coordinator/needs/{need_id}/pause", {"paused": "no"})
    with api_sessions() as session:
        need = session.get(Need, need_id)
        assert need is not None and not need.paused
    assert count(api_sessions, AuditEvent, entity="need", entity_id=need_id) >= 3


def test_calls_are_cancelled_for_a_night_once(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The first cancellation is stored; the same night again is refused beside `night`."""
    person_id = world.records["north_person"]
    path = f"/coordinator/people/{person_id}/cancellations"
    data = {"night": "2026-12-20", "reason": "in hospital"}
    assert coordinator.post(path, data).status_code == 303
    assert count(api_sessions, Cancellation, person_id=person_id) == 2
    again = coordinator.post(path, data)
    assert again.status_code == 422
    assert field_error(again.text, "night") == (
        f"North person (person {person_id}) already has a cancellation on 2026-12-20"
    )
    no_reason = coordinator.post(path, {"night": "2026-12-21", "reason": ""})
    assert field_error(no_reason.text, "reason").startswith("Enter why")


def test_nights_outside_a_persons_care_are_refused_beside_the_field(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A cancellation before care starts is refused beside `night`; ending care before the
    stored call and cancellation is refused beside `end_date`, naming them; nothing changes."""
    person_id = world.records["north_person"]
    cancel = coordinator.post(
        f"/coordinator/people/{person_id}/cancellations",
        {"night": "2025-12-31", "reason": "in hospital"},
    )
    assert cancel.status_code == 422
    assert html.unescape(field_error(cancel.text, "night")) == (
        "North person's night care runs from 2026-01-01 with no end date; 2025-12-31 is outside it"
    )
    form = {
        "name": "north person",
        "address": "1 High Street, North Shropshire",
        "lat": str(world.north.base_lat),
        "lon": str(world.north.base_lon),
        "start_date": "2026-01-01",
        "end_date": "2026-11-30",
    }
    ended = coordinator.post(f"/coordinator/people/{person_id}/edit", form)
    assert ended.status_code == 422
    refusal = html.unescape(field_error(ended.text, "end_date"))
    assert refusal.startswith("North person's night care would run from 2026-01-01 to 2026-11-30")
    assert "eye drops call on 2026-12-01" in refusal
    assert "cancellation on 2026-12-24" in refusal
    assert count(api_sessions, Cancellation, person_id=person_id) == 1
    assert count(api_sessions, Person, id=person_id, end_date=None) == 1


def test_calls_left_out_of_a_night_read_apart_by_their_windows(
    coordinator: Browser, world: World
) -> None:
    """Two repositions of one person, cancelled for a Monday: the night's "Not in the night"
    table tells them apart by their windows instead of listing "reposition" twice."""
    area = f"/coordinator/areas/{world.north.id}"
    added = coordinator.post(f"{area}/people/new", PERSON)
    assert added.status_code == 303, added.text
    person = added.headers["location"].split("?")[0]
    for earliest, latest in (("23:00", "23:30"), ("02:00", "02:30")):
        need = coordinator.post(
            f"{person}/needs/new", {**NEED, "earliest": earliest, "latest": latest}
        )
        assert need.status_code == 303, need.text
    cancel = {"night": "2026-12-07", "reason": "in hospital"}
    assert coordinator.post(f"{person}/cancellations", cancel).status_code == 303
    page = coordinator.get(f"{area}/nights/2026-12-07").text
    left_out = page.split('<table class="left-out">')[1].split("</table>")[0]
    assert "reposition, 23:00–23:30" in left_out
    assert "reposition, 02:00–02:30" in left_out


def test_a_one_off_call_is_added_and_removed(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A call for one night; a window running past the shift is refused beside minutes, and
    empty start times each with its own message."""
    person_id = world.records["north_person"]
    path = f"/coordinator/people/{person_id}/one-off-calls/new"
    call = {
        "night": "2026-12-30",
        "label": "eye drops",
        "earliest": "06:30",
        "latest": "06:45",
        "minutes": "30",
        "priority": "critical",
    }
    refused = coordinator.post(path, call)
    assert "run past the end of the shift" in field_error(refused.text, "minutes")
    # Left empty, the two times' messages (also listed together at the top) say which is which.
    no_times = coordinator.post(path, {**call, "earliest": "", "latest": ""})
    assert field_error(no_times.text, "earliest") == "Enter the earliest start, like 23:00"
    assert field_error(no_times.text, "latest") == "Enter the latest start, like 23:30"
    assert coordinator.post(path, {**call, "minutes": "10"}).status_code == 303
    with api_sessions() as session:
        added = session.scalars(
            select(OneOffCall).where(OneOffCall.night == date(2026, 12, 30))
        ).one()
    coordinator.post(f"/coordinator/one-off-calls/{added.id}/remove")
    assert count(api_sessions, OneOffCall, id=added.id) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/coordinator/people/{south_person}",
        "/coordinator/people/{south_person}/edit",
        "/coordinator/needs/{south_need}/edit",
        "/coordinator/areas/{south}/people",
        "/coordinator/areas/{south}/nights/2026-12-01",
        "/coordinator/areas/{south}/import",
    ],
)
def test_another_areas_records_are_not_found(coordinator: Browser, world: World, path: str) -> None:
    """South's person, call, people, night and import answer a 404 page."""
    page = coordinator.get(path.format(**world.records))
    assert page.status_code == 404
    assert "Page not found" in page.text
    assert "south person" not in page.text


def test_another_areas_call_cannot_be_paused(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A post to South's need is 404 and changes nothing."""
    need_id = world.records["south_need"]
    assert (
        coordinator.post(f"/coordinator/needs/{need_id}/pause", {"paused": "yes"}).status_code
        == 404
    )
    assert count(api_sessions, Need, id=need_id, paused=True) == 0


def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A post from another site (no token) changes nothing."""
    Browser(client, world, "coordinator")
    response = client.post(
        f"/coordinator/needs/{world.records['north_need']}/pause",
        data={"paused": "yes"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert count(api_sessions, Need, id=world.records["north_need"], paused=True) == 0


def test_publishing_again_shows_the_new_version_as_a_timeline(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The night is solved and published as version 2; the page shows crew 1 (Anne and Beth)
    visiting the north person, as a block on the timeline."""
    path = f"/coordinator/areas/{world.north.id}/nights/{NIGHT.isoformat()}"
    published = coordinator.post(f"{path}/publish", {"seconds": "2"})
    assert (published.status_code, published.headers["location"]) == (303, f"{path}?published=2")
    with api_sessions() as session:
        plan = session.scalars(
            select(StoredPlan).where(
                StoredPlan.area_id == world.north.id, StoredPlan.status == "published"
            )
        ).one()
        assert plan.version == 2
    page = coordinator.get(f"{path}?published=2").text
    assert "Published again: version 2" in page
    assert "Crew 1: Anne and Beth" in page
    # A 20-minute visit is too short a block to print its words; its title carries them.
    block = re.search(
        r'<div class="timeline__block timeline__block--visit[^"]*" '
        r'style="([^"]+)" title="([^"]*)">',
        page,
    )
    assert block is not None
    assert "--left:" in block[1] and "north person" in block[2]
    item = re.search(r'<li class="timeline__item timeline__item--visit">(.*?)</li>', page, re.S)
    assert item is not None and "north person</a>:" in item[1] and "reposition" in item[1]
    assert "Unassigned calls" in page


def test_a_night_with_no_plan_offers_to_plan_and_publish(
    coordinator: Browser, world: World
) -> None:
    """No stored plan for the night: said so, with the button."""
    page = coordinator.get(f"/coordinator/areas/{world.north.id}/nights/2026-12-05").text
    assert "No plan yet for this night." in page
    assert "Plan and publish" in page


def test_importing_a_wrong_file_shows_the_report_and_stores_nothing_then_a_right_one(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Row 3's home is in South: the report names row 3 and `lat`; nobody is stored. The
    fixed file imports both people and goes to the people list."""
    header = "person,name,address,lat,lon,start_date,label,weekdays,earliest,latest,minutes\n"
    good = "P1,Mrs Ida Cole,1 Lane,52.91,-2.88,2026-12-01,settle,daily,23:00,23:30,20\n"
    bad = "P2,Mr Al Rowe,2 Lane,52.40,-2.80,2026-12-01,settle,daily,23:00,23:30,20\n"
    fixed = bad.replace("52.40,-2.80", "52.92,-2.87")
    path = f"/coordinator/areas/{world.north.id}/import"
    before = count(api_sessions, Person)
    refused = coordinator.post(
        path, files={"file": ("night.csv", (header + good + bad).encode(), "text/csv")}
    )
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text
    rows = re.findall(
        r"<tr><td>(\d+)</td><td><code>(\w+)</code></td><td>(.*?)</td></tr>", refused.text
    )
    assert [(r[0], r[1]) for r in rows] == [("3", "lat")]
    assert count(api_sessions, Person) == before
    imported = coordinator.post(
        path, files={"file": ("night.csv", (header + good + fixed).encode(), "text/csv")}
    )
    assert (imported.status_code, imported.headers["location"]) == (
        303,
        f"/coordinator/areas/{world.north.id}/people?imported=2",
    )
    assert count(api_sessions, Person) == before + 2
    assert "Mrs Ida Cole" in coordinator.get(imported.headers["location"]).text


def test_an_import_without_a_file_says_so_beside_the_file_field(
    coordinator: Browser, world: World
) -> None:
    """No file chosen."""
    page = coordinator.post(f"/coordinator/areas/{world.north.id}/import")
    assert page.status_code == 422
    assert field_error(page.text, "file") == "Choose a CSV file to import"


def test_a_persons_secrets_are_kept_when_left_empty_and_removed_when_asked(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The edit form never shows the key-safe code; empty keeps it, the box removes it."""
    person_id = world.records["north_person"]
    form = coordinator.get(f"/coordinator/people/{person_id}/edit")
    assert form.status_code == 200 and KEY_SAFE_CODE not in form.text
    values = {
        "name": "north person",
        "address": "1 High Street, North Shropshire",
        "lat": "52.9",
        "lon": "-2.9",
        "start_date": "2026-01-01",
    }
    assert coordinator.post(f"/coordinator/people/{person_id}/edit", values).status_code == 303
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.key_safe_code == KEY_SAFE_CODE
    coordinator.post(
        f"/coordinator/people/{person_id}/edit", {**values, "remove_key_safe_code": "yes"}
    )
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert (person.key_safe_code, person.access_notes) == (None, "side door")


def test_a_call_is_pinned_to_a_crew_and_the_pin_removed(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The world's pin (crew 1) is listed and removed. Then crew 2, not out that night, and
    03:00, outside the call's window, are each refused beside their field; crew 1 at 23:10
    is pinned and listed."""
    path = f"/coordinator/areas/{world.north.id}/nights/{NIGHT.isoformat()}"
    call = f"n{world.records['north_need']}"
    with api_sessions() as session:
        stored = session.scalars(select(Pin).where(Pin.area_id == world.north.id)).one()
    page = coordinator.get(f"{path}?pin={call}").text
    assert re.search(rf'<option value="{call}" selected>north person: reposition', page)
    assert f"/pins/{stored.id}/remove" in page
    removed = coordinator.post(f"{path}/pins/{stored.id}/remove")
    assert removed.headers["location"] == f"{path}?pinned=removed"
    assert count(api_sessions, Pin, area_id=world.north.id) == 0
    off = coordinator.post(f"{path}/pins", {"call": call, "crew_number": "2"})
    assert off.status_code == 422
    assert "is not out on 2026-12-01" in field_error(off.text, "crew_number")
    late = coordinator.post(f"{path}/pins", {"call": call, "crew_number": "1", "start": "03:00"})
    assert field_error(late.text, "start") == "03:00 is outside the call's window 23:00-23:30"
    assert count(api_sessions, Pin, area_id=world.north.id) == 0
    pinned = coordinator.post(f"{path}/pins", {"call": call, "crew_number": "1", "start": "23:10"})
    assert (pinned.status_code, pinned.headers["location"]) == (303, f"{path}?pinned=added")
    page = coordinator.get(pinned.headers["location"]).text
    assert "Pinned. It holds from the next publication" in page
    assert "north person, reposition:" in page and "crew 1, starting at 23:10" in page
    with api_sessions() as session:
        pin = session.scalars(select(Pin).where(Pin.area_id == world.north.id)).one()
    assert (pin.crew_number, pin.start) == (1, "23:10")


def test_another_areas_night_cannot_be_pinned(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """South's night answers 404 to a pin post and to a removal."""
    path = f"/coordinator/areas/{world.south.id}/nights/{NIGHT.isoformat()}/pins"
    before = count(api_sessions, Pin, area_id=world.south.id)
    response = coordinator.post(
        path, {"call": f"n{world.records['south_need']}", "crew_number": "1"}
    )
    assert response.status_code == 404
    with api_sessions() as session:
        south_pin = session.scalars(select(Pin).where(Pin.area_id == world.south.id)).one()
    assert coordinator.post(f"{path}/{south_pin.id}/remove").status_code == 404
    assert count(api_sessions, Pin, area_id=world.south.id) == before == 1


def test_the_example_file_downloads_and_imports_as_it_is(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The import page links an example for the area; uploaded unchanged, it imports."""
    path = f"/coordinator/areas/{world.north.id}/import"
    assert f'href="{path}/example.csv"' in coordinator.get(path).text
    example = coordinator.get(f"{path}/example.csv")
    assert example.status_code == 200
    assert example.headers["content-type"].startswith("text/csv")
    assert "attachment" in example.headers["content-disposition"]
    before = count(api_sessions, Person)
    imported = coordinator.post(path, files={"file": ("example.csv", example.content, "text/csv")})
    assert imported.status_code == 303, imported.text
    assert count(api_sessions, Person) == before + 2
    other = coordinator.get(f"/coordinator/areas/{world.south.id}/import/example.csv")
    assert other.status_code == 404


def test_a_call_followed_by_another_cannot_be_removed_until_the_link_goes(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The need service's conflict is shown on the call's form; the follower goes first."""
    person_id = world.records["north_person"]
    first = world.records["north_need"]
    coordinator.post(
        f"/coordinator/people/{person_id}/needs/new",
        {
            **NEED,
            "earliest": "02:00",
            "latest": "03:00",
            "after_need_id": str(first),
            "min_gap_minutes": "150",
            "max_gap_minutes": "240",
        },
    )
    with api_sessions() as session:
        follower = session.scalars(select(Need).where(Need.after_need_id == first)).one()
    refused = coordinator.post(f"/coordinator/needs/{first}/remove")
    assert refused.status_code == 409
    assert (
        f"The 02:00–03:00 reposition call (need {follower.id}) follows this call; "
        "remove that link first"
    ) in refused.text
    removed = coordinator.post(f"/coordinator/needs/{follower.id}/remove")
    assert removed.headers["location"] == f"/coordinator/people/{person_id}?saved=need-removed"
    assert coordinator.post(f"/coordinator/needs/{first}/remove").status_code == 303
    assert count(api_sessions, Need, person_id=person_id) == 0


def test_a_persons_phone_is_refused_beside_its_field_stored_and_never_shown_on_the_forms(
    coordinator: Browser, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Too few digits is the phone check's message beside `phone`; a good one is stored with
    who answers it; the edit form and the person's page only say one is stored; empty keeps
    it, the box removes it."""
    path = f"/coordinator/areas/{world.north.id}/people/new"
    before = count(api_sessions, Person)
    short = coordinator.post(path, {**PERSON, "phone": "960 12"})
    assert short.status_code == 422
    assert field_error(short.text, "phone") == ("A phone number has 7 to 20 digits; this one has 5")
    assert count(api_sessions, Person) == before
    added = coordinator.post(
        path, {**PERSON, "phone": "07700 900123", "contact_name": "daughter, Sue"}
    )
    assert added.status_code == 303, added.text
    person_id = int(added.headers["location"].split("/")[3].split("?")[0])
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert (person.phone, person.contact_name) == ("07700 900123", "daughter, Sue")
    for page in (
        coordinator.get(f"/coordinator/people/{person_id}").text,
        coordinator.get(f"/coordinator/people/{person_id}/edit").text,
    ):
        assert "900123" not in page and "Sue" not in page
    assert (
        "Remove the stored phone" in coordinator.get(f"/coordinator/people/{person_id}/edit").text
    )
    values = {k: v for k, v in PERSON.items() if k != "key_safe_code"}
    edit = f"/coordinator/people/{person_id}/edit"
    assert coordinator.post(edit, values).status_code == 303
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.phone == "07700 900123"
    assert coordinator.post(edit, {**values, "remove_phone": "yes"}).status_code == 303
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert (person.phone, person.contact_name) == (None, "daughter, Sue")
