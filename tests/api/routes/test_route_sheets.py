"""Route sheet pages through the API: HTML for the crew's phones and printers, SVG drawings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from data.models import Person, RotaCrew, StoredPlan
from data.services.publication import REPUBLISHED, publish_night
from tests.api.conftest import NIGHT, World, add_user, bearer_for

SHEET = "/areas/{area}/nights/2026-12-01/crews/{crew}/sheet"
SECONDS = 0.5


def publish_north(sessions: sessionmaker[Session], world: World) -> int:
    """Publish north's night (a real solved plan) and return the published plan's id."""
    with sessions() as session:
        result = publish_night(
            session,
            world.north.id,
            NIGHT,
            trigger=REPUBLISHED,
            actor_user_id=None,
            seconds=SECONDS,
        )
        session.commit()
    assert result.plan_id is not None
    return result.plan_id


def sheet_path(world: World, crew: int, ext: str) -> str:
    """The path of north's crew `crew` sheet on the world's night."""
    return SHEET.format(area=world.north.id, crew=crew) + "." + ext


def test_the_crews_carer_reads_the_page_with_the_key_safe_code_tonight(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Anne (crew 1) gets a self-contained page with the person, address, task and code."""
    publish_north(api_sessions, world)
    response = client.get(sheet_path(world, 1, "html"), headers=world.headers["carer"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en-GB">' in page and "@media print" in page
    assert "north person" in page and "1 High Street, North Shropshire" in page
    assert "reposition" in page and "eye drops" in page
    assert "4711" in page and "side door" in page
    assert "<script" not in page and "https://cdn" not in page
    assert 'href="geo:' in page


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
                weekday=NIGHT.weekday(),
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
    assert "4711" not in refused.text
    other_area = client.get(
        sheet_path(world, 1, "html"), headers=world.headers["other_coordinator"]
    )
    assert other_area.status_code in (403, 404)
    seen = client.get(sheet_path(world, 1, "html"), headers=world.headers["coordinator"])
    assert seen.status_code == 200 and "4711" in seen.text


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
    assert "4711" not in old.text
    new = client.get(f"/plans/{second}/crews/1/sheet.html", headers=world.headers["carer"])
    assert "superseded" not in new.text and "4711" in new.text


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
    assert "4711" not in drawing and "<image" not in drawing


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
