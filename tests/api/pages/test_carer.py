"""The carer's own pages (tonight's round, its PDF) through the real HTTP stack."""

from __future__ import annotations

from datetime import UTC, datetime, time

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from data.services.access import SYSTEM
from data.services.nights import solve_night_to_draft
from tests.api.conftest import KEY_SAFE_CODE, World
from tests.api.pages.test_page_session import sign_in
from tests.api.routes.test_route_sheets import COMING_TUESDAY, pdf_text, publish_north


def test_tonights_round_from_a_draft_shows_no_code_until_it_is_published(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """On the evening of a night with only a draft, Anne's page and PDF show the round
    without access notes or key-safe code and say they come with publication; once the
    night is published, the page shows the code."""
    with api_sessions() as session:
        solve_night_to_draft(session, world.north.id, COMING_TUESDAY, SYSTEM, 0.5)
        session.commit()
    evening = datetime.combine(COMING_TUESDAY, time(20, 0), tzinfo=UTC)
    with time_machine.travel(evening, tick=True):
        assert sign_in(client, world.users["carer"].username).status_code == 303
        page = client.get("/carer")
        assert page.status_code == 200 and "north person" in page.text
        assert "Draft plan" in page.text and "key-safe codes are shown once it is" in page.text
        assert KEY_SAFE_CODE not in page.text and "side door" not in page.text
        text = pdf_text(client.get("/carer/sheet.pdf"))
        assert "north person" in text and KEY_SAFE_CODE not in text
        publish_north(api_sessions, world)
        published = client.get("/carer")
        assert "Published plan" in published.text and KEY_SAFE_CODE in published.text
