"""Route sheets through the API: HTML for the crew's phones and printers, A4 PDF, JSON, and
SVG drawings."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta

import time_machine
from fastapi.testclient import TestClient
from httpx2 import Response
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.routes.route_sheets import route_sheet_html
from data.models import AuditEvent, Person, RotaCrew, StoredPlan
from data.services.access import SYSTEM
from data.services.nights import solve_night_to_draft
from data.services.publication import REPUBLISHED, publish_night
from tests.api.conftest import (
    KEY_SAFE_CODE,
    World,
    add_need,
    add_person,
    add_user,
    bearer_for,
    eye_drops,
)
from tests.data.services.test_route_sheet_pdf import a_sheet

SECONDS = 0.5

# The tests work on a Tuesday (Anne and Beth are north's crew 1) a week or two ahead of
# whatever day they run, so its plans are still to come; a carer reads key-safe codes on it
# only from the day of the night until its shift ends, so a test that expects one reads the
# sheet `on_the_night`. A test of a night that is over works on a Tuesday already past.
_TODAY = date.today()
COMING_TUESDAY = _TODAY + timedelta(days=7 + (1 - _TODAY.weekday()) % 7)
PAST_TUESDAY = date(2026, 11, 24)


def on_the_night(night: date = COMING_TUESDAY) -> time_machine.travel:
    """A clock on the evening of `night` (20:00 in London, before the 22:00 shift), when the
    crew's carer reads the key-safe codes; the world's tokens are valid for years."""
    return time_machine.travel(datetime.combine(night, time(20, 0), tzinfo=UTC), tick=True)


def publish_north(
    sessions: sessionmaker[Session], world: World, night: date = COMING_TUESDAY
) -> int:
    """Publish north's night (a real solved plan) and return the published plan's id."""
    with sessions() as session:
        result = publish_night(
            session,
            world.north.id,
            night,
            trigger=REPUBLISHED,
            actor_user_id=None,
            seconds=SECONDS,
        )
        session.commit()
    assert result.plan_id is not None
    return result.plan_id


def sheet_path(world: World, crew: int, ext: str) -> str:
    """The path of north's crew `crew` sheet of the coming Tuesday."""
    return night_sheet(world, COMING_TUESDAY, crew, ext)


def night_sheet(world: World, night: date, crew: int, ext: str) -> str:
    """The path of north's crew `crew` sheet of `night`."""
    return f"/areas/{world.north.id}/nights/{night.isoformat()}/crews/{crew}/sheet.{ext}"


def test_the_crews_carer_reads_the_page_with_the_key_safe_code_tonight(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Anne (crew 1) gets a self-contained page with the person, address, tasks and code."""
    with api_sessions() as session:
        session.add(eye_drops(world.records["north_person"], COMING_TUESDAY))
        session.commit()
    publish_north(api_sessions, world)
    with on_the_night():
        response = client.get(sheet_path(world, 1, "html"), headers=world.headers["carer"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en-GB">' in page and "@media print" in page
    assert "north person" in page and "1 High Street, North Shropshire" in page
    assert "reposition" in page and "eye drops" in page
    assert KEY_SAFE_CODE in page and "side door" in page
    assert "<script" not in page and "https://cdn" not in page
    assert 'href="geo:' in page


def test_the_page_and_json_say_a_call_is_critical_and_the_persons_risk_notes(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """What the crew must know before the door is on the sheet, in words and in the JSON."""
    with api_sessions() as session:
        person = session.get_one(Person, world.records["north_person"])
        person.risk_notes = "oxygen in use; no naked flames"
        session.add(eye_drops(person.id, COMING_TUESDAY))
        session.commit()
    publish_north(api_sessions, world)
    page = client.get(sheet_path(world, 1, "html"), headers=world.headers["carer"]).text
    assert "<dt>Risk</dt>" in page and "oxygen in use; no naked flames" in page
    assert "<strong>critical</strong>" in page
    sheet = client.get(sheet_path(world, 1, "json"), headers=world.headers["carer"]).json()
    drops = next(v for v in sheet["visits"] if v["tasks"] == ["eye drops"])
    assert (drops["priority"], drops["skills"]) == ("critical", [])
    assert drops["risk_notes"] == "oxygen in use; no naked flames"


def test_a_draft_sheet_gives_the_crew_the_round_but_no_code_until_it_is_published(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A draft may still give a household to another crew: the crew's carer reads the round
    of the draft in every format without access notes or key-safe code (and nothing is
    audited as read), told they come with publication; the coordinator reads them from the
    draft as before. Once published, the carer's sheet holds them on the night."""
    person = world.records["north_person"]
    with api_sessions() as session:
        solve_night_to_draft(session, world.north.id, COMING_TUESDAY, SYSTEM, SECONDS)
        session.commit()
    before = secret_reads(api_sessions, person)
    carer = world.headers["carer"]
    sheet = client.get(sheet_path(world, 1, "json"), headers=carer).json()
    assert sheet["status"] == "draft" and sheet["secrets_shown"] is False
    assert sheet["secrets_withheld"] is not None
    assert "not published yet" in sheet["secrets_withheld"]
    assert [v["person_name"] for v in sheet["visits"]] == ["north person"]
    assert [(v["key_safe_code"], v["access_notes"]) for v in sheet["visits"]] == [(None, None)]
    page = client.get(sheet_path(world, 1, "html"), headers=carer)
    assert page.status_code == 200 and "north person" in page.text
    assert KEY_SAFE_CODE not in page.text and "side door" not in page.text
    assert "is not published yet" in page.text
    pdf = client.get(sheet_path(world, 1, "pdf"), headers=carer)
    text = pdf_text(pdf)
    assert "north person" in text and "is not published yet" in text
    assert KEY_SAFE_CODE not in text and KEY_SAFE_CODE.encode() not in pdf.content
    assert secret_reads(api_sessions, person) == before
    seen = client.get(sheet_path(world, 1, "json"), headers=world.headers["coordinator"]).json()
    assert [v["key_safe_code"] for v in seen["visits"]] == [KEY_SAFE_CODE]
    assert seen["secrets_withheld"] is None
    publish_north(api_sessions, world)
    with on_the_night():
        published = client.get(sheet_path(world, 1, "json"), headers=carer).json()
    assert published["secrets_shown"] is True and published["secrets_withheld"] is None
    assert KEY_SAFE_CODE in [v["key_safe_code"] for v in published["visits"]]


def test_a_carers_sheet_days_before_the_night_has_the_round_but_no_code_and_says_when(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Two days before her published night, Anne reads the round in every format without
    access notes, key-safe code or phone, told they appear on the day of the night; nothing
    is audited as read. The coordinator reads the codes as before."""
    person = world.records["north_person"]
    publish_north(api_sessions, world)
    before = secret_reads(api_sessions, person)
    carer = world.headers["carer"]
    appear = f"appear on the day of the night, {COMING_TUESDAY.isoformat()}"
    with time_machine.travel(
        datetime.combine(COMING_TUESDAY - timedelta(days=2), time(20, 0), tzinfo=UTC), tick=True
    ):
        sheet = client.get(sheet_path(world, 1, "json"), headers=carer).json()
        page = client.get(sheet_path(world, 1, "html"), headers=carer)
        pdf = client.get(sheet_path(world, 1, "pdf"), headers=carer)
        after_carer = secret_reads(api_sessions, person)
        seen = client.get(sheet_path(world, 1, "json"), headers=world.headers["coordinator"])
    assert sheet["status"] == "published" and sheet["secrets_shown"] is False
    assert sheet["night_over"] is False and appear in sheet["secrets_withheld"]
    assert [v["person_name"] for v in sheet["visits"]] == ["north person"]
    assert [(v["key_safe_code"], v["access_notes"], v["phone"]) for v in sheet["visits"]] == [
        (None, None, None)
    ]
    assert page.status_code == 200 and "north person" in page.text and appear in page.text
    assert KEY_SAFE_CODE not in page.text and "side door" not in page.text
    text = pdf_text(pdf)
    assert "north person" in text and appear in text
    assert KEY_SAFE_CODE not in text and KEY_SAFE_CODE.encode() not in pdf.content
    assert after_carer == before
    assert [v["key_safe_code"] for v in seen.json()["visits"]] == [KEY_SAFE_CODE]
    assert seen.json()["secrets_withheld"] is None


def test_a_carers_sheet_on_the_evening_of_the_night_has_the_code_and_the_read_is_audited(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """On the day of her night, before the shift, Anne's sheet holds the access notes and
    code, and reading them is written to the audit log."""
    person = world.records["north_person"]
    publish_north(api_sessions, world)
    before = secret_reads(api_sessions, person)
    with on_the_night():
        sheet = client.get(sheet_path(world, 1, "json"), headers=world.headers["carer"]).json()
    assert sheet["secrets_shown"] is True and sheet["secrets_withheld"] is None
    assert [(v["key_safe_code"], v["access_notes"]) for v in sheet["visits"]] == [
        (KEY_SAFE_CODE, "side door")
    ]
    assert secret_reads(api_sessions, person) == before + 1


def test_a_carers_sheet_after_the_shift_has_no_code_and_says_the_night_is_over(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The morning after her night (08:00, the 07:00 shift end passed), Anne's sheet still
    has the round but no code, saying the shift is over; nothing is audited."""
    person = world.records["north_person"]
    publish_north(api_sessions, world)
    before = secret_reads(api_sessions, person)
    morning_after = datetime.combine(COMING_TUESDAY + timedelta(days=1), time(8, 0), tzinfo=UTC)
    with time_machine.travel(morning_after, tick=True):
        sheet = client.get(sheet_path(world, 1, "json"), headers=world.headers["carer"]).json()
        page = client.get(sheet_path(world, 1, "html"), headers=world.headers["carer"])
    assert sheet["secrets_shown"] is False and sheet["night_over"] is True
    assert "is over" in sheet["secrets_withheld"]
    assert [v["person_name"] for v in sheet["visits"]] == ["north person"]
    assert [v["key_safe_code"] for v in sheet["visits"]] == [None]
    assert "This night is over" in page.text and KEY_SAFE_CODE not in page.text
    assert secret_reads(api_sessions, person) == before


def test_another_crews_carer_gets_no_page_and_the_coordinator_does(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Cara, on crew 2 tonight, is refused crew 1's sheet; north's coordinator reads it."""
    publish_north(api_sessions, world)
    with api_sessions() as session:
        cara, dee = world.north_carers[2], world.north_carers[3]
        session.add(
            RotaCrew(
                area_id=world.north.id,
                weekday=COMING_TUESDAY.weekday(),
                crew_number=2,
                carer_a_id=cara.id,
                carer_b_id=dee.id,
            )
        )
        user = add_user(session, username="cara", role="carer", carer=cara)
        cara_headers = bearer_for(session, user)
        session.commit()
    refused = client.get(sheet_path(world, 1, "html"), headers=cara_headers)
    assert refused.status_code in (403, 404)
    assert KEY_SAFE_CODE not in refused.text
    other_area = client.get(
        sheet_path(world, 1, "html"), headers=world.headers["other_coordinator"]
    )
    assert other_area.status_code in (403, 404)
    seen = client.get(sheet_path(world, 1, "html"), headers=world.headers["coordinator"])
    assert seen.status_code == 200 and KEY_SAFE_CODE in seen.text


def test_a_superseded_version_says_so_and_links_to_the_current_sheet(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """After a republication, the first version's page points at the second and hides codes."""
    first = publish_north(api_sessions, world)
    second = publish_north(api_sessions, world)
    old = client.get(f"/plans/{first}/crews/1/sheet.html", headers=world.headers["carer"])
    assert old.status_code == 200, old.text
    assert "superseded — see the current sheet" in old.text
    assert f'href="/plans/{second}/crews/1/sheet.html"' in old.text
    assert KEY_SAFE_CODE not in old.text
    with on_the_night():
        new = client.get(f"/plans/{second}/crews/1/sheet.html", headers=world.headers["carer"])
    assert "superseded" not in new.text and KEY_SAFE_CODE in new.text


def test_the_drawing_has_one_marker_per_visit_and_the_base(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The SVG has the base and a numbered marker for each of the crew's visits."""
    plan_id = publish_north(api_sessions, world)
    with api_sessions() as session:
        stored = session.get(StoredPlan, plan_id)
        assert stored is not None
        route = next(r for r in stored.plan["routes"] if r["crew"] == "north-shropshire-car-1")
        visits = len(route["visits"])
    response = client.get(sheet_path(world, 1, "svg"), headers=world.headers["carer"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    drawing = response.text
    assert visits >= 1
    assert len(re.findall(r'class="visit"', drawing)) == visits
    assert len(re.findall(r'class="base"', drawing)) == 1
    assert KEY_SAFE_CODE not in drawing and "<image" not in drawing


def test_a_name_with_a_script_tag_is_escaped_in_the_page_and_the_drawing(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A person called `<script>…` shows as text, never as markup."""
    with api_sessions() as session:
        person = session.get(Person, world.records["north_person"])
        assert person is not None
        person.name = "<script>alert(1)</script> Evans"
        session.commit()
    publish_north(api_sessions, world)
    for ext in ("html", "svg"):
        response = client.get(sheet_path(world, 1, ext), headers=world.headers["coordinator"])
        assert response.status_code == 200
        assert "<script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Evans" in response.text


# --- PDF and JSON, and changes since the previous version -----------------------------------


def pdf_text(response: Response) -> str:
    """The text of every page of a PDF response, whitespace runs as single spaces."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def secret_reads(sessions: sessionmaker[Session], person_id: int) -> int:
    """How many times the person's secrets were read, by the audit log."""
    with sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "read-secret", AuditEvent.entity_id == person_id)
            )
            or 0
        )


def test_the_crews_carer_gets_the_pdf_with_what_the_page_has_and_the_code_is_audited(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Anne's A4 PDF on the evening of her night: crew, carers, shift, the visit with its window,
    person, address, task, access note, code and drive, the totals and the route; not
    kept in caches; reading the code is written to the audit log."""
    publish_north(api_sessions, world, COMING_TUESDAY)
    person = world.records["north_person"]
    before = secret_reads(api_sessions, person)
    with on_the_night():
        response = client.get(
            night_sheet(world, COMING_TUESDAY, 1, "pdf"), headers=world.headers["carer"]
        )
    text = pdf_text(response)
    assert response.headers["cache-control"] == "no-store"
    assert 'filename="crew-1-' in response.headers["content-disposition"]
    assert "Crew 1 — North Shropshire" in text and "Carers Anne, Beth" in text
    assert "Shift 22:00–07:00" in text and "Window 23:00–23:30" in text
    assert "north person" in text and "1 High Street, North Shropshire" in text
    assert "reposition (20 min)" in text and "min from base" in text
    assert "Access side door" in text and f"Key safe {KEY_SAFE_CODE}" in text
    assert "Totals Driving" in text and "Route" in text
    reader = PdfReader(io.BytesIO(response.content))
    assert all(round(float(p.mediabox.height)) == 842 for p in reader.pages)
    assert secret_reads(api_sessions, person) == before + 1


def test_naming_a_night_that_is_over_does_not_give_the_crew_the_code(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Retention holds for /people/{id}/secrets too: the crew that visited a past night is
    refused (403 naming the night), and nothing is written as read; the coordinator still
    reads the code."""
    publish_north(api_sessions, world, PAST_TUESDAY)
    person = world.records["north_person"]
    path = f"/people/{person}/secrets?night={PAST_TUESDAY.isoformat()}"
    before = secret_reads(api_sessions, person)
    refused = client.get(path, headers=world.headers["carer"])
    assert refused.status_code == 403, refused.text
    assert refused.json()["field"] == "night" and "is over" in refused.json()["detail"]
    assert KEY_SAFE_CODE not in refused.text
    assert secret_reads(api_sessions, person) == before
    allowed = client.get(path, headers=world.headers["coordinator"])
    assert allowed.json()["key_safe_code"] == KEY_SAFE_CODE


def test_sheets_of_a_night_that_is_over_hold_no_code_in_any_format(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Retention: after the shift has ended neither the crew's carer nor the coordinator gets
    the key-safe code or access notes, in the PDF, the page or the JSON; the round is there."""
    publish_north(api_sessions, world, PAST_TUESDAY)
    for role in ("carer", "coordinator"):
        headers = world.headers[role]
        pdf = client.get(night_sheet(world, PAST_TUESDAY, 1, "pdf"), headers=headers)
        text = pdf_text(pdf)
        assert "north person" in text and "This night is over" in text
        assert (
            KEY_SAFE_CODE not in text
            and "side door" not in text
            and KEY_SAFE_CODE.encode() not in pdf.content
        )
        page = client.get(night_sheet(world, PAST_TUESDAY, 1, "html"), headers=headers)
        assert page.status_code == 200 and "north person" in page.text
        assert KEY_SAFE_CODE not in page.text and "side door" not in page.text
        sheet = client.get(night_sheet(world, PAST_TUESDAY, 1, "json"), headers=headers).json()
        assert sheet["night_over"] is True and sheet["secrets_shown"] is False
        assert [v["key_safe_code"] for v in sheet["visits"]] == [None]
        assert [v["access_notes"] for v in sheet["visits"]] == [None]


def test_the_pdf_and_json_follow_the_pages_access_rules(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Another crew's carer and another area's coordinator get 404, no one signed in 401; the
    commissioner reads the round without the code."""
    publish_north(api_sessions, world, COMING_TUESDAY)
    with api_sessions() as session:
        cara, dee = world.north_carers[2], world.north_carers[3]
        session.add(
            RotaCrew(
                area_id=world.north.id,
                weekday=COMING_TUESDAY.weekday(),
                crew_number=2,
                carer_a_id=cara.id,
                carer_b_id=dee.id,
            )
        )
        cara_headers = bearer_for(
            session, add_user(session, username="cara", role="carer", carer=cara)
        )
        session.commit()
    for ext in ("pdf", "json"):
        path = night_sheet(world, COMING_TUESDAY, 1, ext)
        for headers in (cara_headers, world.headers["other_coordinator"]):
            refused = client.get(path, headers=headers)
            assert refused.status_code == 404 and KEY_SAFE_CODE not in refused.text
            assert refused.json()["error"]
        assert client.get(path, headers=world.headers["anonymous"]).status_code == 401
    overseen = client.get(
        night_sheet(world, COMING_TUESDAY, 1, "pdf"), headers=world.headers["commissioner"]
    )
    text = pdf_text(overseen)
    assert "north person" in text and KEY_SAFE_CODE not in text


def test_a_superseded_version_says_so_in_the_pdf_and_the_json_names_the_current_one(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """After a republication, the first version's PDF links to the second's and has no code;
    its JSON says superseded and gives the current version's JSON path."""
    first = publish_north(api_sessions, world, COMING_TUESDAY)
    second = publish_north(api_sessions, world, COMING_TUESDAY)
    headers = world.headers["carer"]
    old = pdf_text(client.get(f"/plans/{first}/crews/1/sheet.pdf", headers=headers))
    link = f"http://testserver/plans/{second}/crews/1/sheet.pdf"
    assert f"superseded — see the current sheet: {link}" in old
    assert KEY_SAFE_CODE not in old
    with on_the_night():
        new = pdf_text(client.get(f"/plans/{second}/crews/1/sheet.pdf", headers=headers))
    assert "superseded" not in new and KEY_SAFE_CODE in new
    sheet = client.get(f"/plans/{first}/crews/1/sheet.json", headers=headers).json()
    assert sheet["superseded"] is True and sheet["current_plan_id"] == second
    assert sheet["current_sheet"] == f"/plans/{second}/crews/1/sheet.json"
    current = client.get(f"/plans/{second}/crews/1/sheet.json", headers=headers).json()
    assert current["superseded"] is False and current["current_sheet"] is None
    assert current["previous_version"] == sheet["version"]


def test_a_visit_new_since_the_previous_version_is_marked_in_every_format(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """A person added after the first publication: on the next version their visit is marked
    "new" in the JSON, the page and the PDF (the visit already there may only have moved)."""
    publish_north(api_sessions, world, COMING_TUESDAY)
    with api_sessions() as session:
        north = session.merge(world.north)
        newcomer = add_person(session, area=north, name="Mr Newcomer", key_safe_code="2580")
        need = add_need(session, person=newcomer, earliest="00:00")
        session.commit()
    publish_north(api_sessions, world, COMING_TUESDAY)
    headers = world.headers["coordinator"]
    sheet = client.get(night_sheet(world, COMING_TUESDAY, 1, "json"), headers=headers).json()
    assert sheet["previous_version"] == sheet["version"] - 1
    marks = {v["person_name"]: v["change"] for v in sheet["visits"]}
    assert marks["Mr Newcomer"] == {
        "kind": "new",
        "was_crew_number": None,
        "was_arrive": None,
        "was_start": None,
        "text": "new",
    }
    assert marks["north person"] is None or marks["north person"]["kind"] == "time_changed"
    marked = sum(1 for change in marks.values() if change is not None)
    assert sheet["removed"] == [] and sheet["changes_marked"] == marked
    page = client.get(night_sheet(world, COMING_TUESDAY, 1, "html"), headers=headers).text
    assert page.count('data-change="new"') == 1 and "Changed: new" in page
    plural = "s" if marked > 1 else ""
    assert f"Changes since version {sheet['previous_version']}: {marked} visit{plural}" in page
    text = pdf_text(client.get(night_sheet(world, COMING_TUESDAY, 1, "pdf"), headers=headers))
    assert text.count("Changed: new") == 1
    assert text.index("Mr Newcomer") < text.index("Changed: new") < text.index("2580")
    new_calls = [v["call_id"] for v in sheet["visits"] if (v["change"] or {}).get("kind") == "new"]
    assert new_calls == [f"n{need.id}"]


def test_the_page_marks_each_changed_visit_and_lists_those_taken_off_the_round() -> None:
    """The hand-built sheet of the PDF tests: three marked visits, two visits taken off."""
    page = route_sheet_html(a_sheet(), current_url=None)
    assert re.findall(r'data-change="(\w+)"', page) == ["new", "time_changed", "from_crew"]
    assert "Changed: care start changed from 23:10" in page
    assert "Changed: new to this crew (was crew 1&#39;s at 00:20)" in page
    assert "Changes since version 1: 3 visits marked, 2 taken off this round" in page
    assert re.findall(r'<li data-call="(\w+)">([^<]*)</li>', page) == [
        ("n7", "23:40 · Mr Price (settle): now crew 1&#39;s"),
        ("o9", "01:30 · Mr Owen: no longer planned"),
    ]
    assert page.count('class="changed"') == 3
