"""A person's dates of night care bound their one-off calls and cancellations, both ways.

The world's north person has care from 2026-01-01 with no end date, a one-off eye drops call
on 2026-12-01 (01:00–01:30) and a cancellation on 2026-12-24.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.models import Cancellation, OneOffCall, Person
from tests.api.conftest import World


def eye_drops_on(world: World, night: str) -> dict[str, Any]:
    """A one-off call for the north person on `night`."""
    return {
        "person_id": world.records["north_person"],
        "night": night,
        "label": "eye drops",
        "earliest": "01:00",
        "latest": "01:30",
        "minutes": 10,
    }


def records_of(sessions: sessionmaker[Session], person_id: int) -> tuple[int, int]:
    """How many one-off calls and cancellations the person has."""
    with sessions() as session:
        calls = session.scalar(select(func.count()).where(OneOffCall.person_id == person_id))
        cancellations = session.scalar(
            select(func.count()).where(Cancellation.person_id == person_id)
        )
        return calls or 0, cancellations or 0


def test_a_cancellation_before_care_starts_is_refused_naming_the_night(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """422 on `night`, with the person's dates of care; nothing is stored."""
    person_id = world.records["north_person"]
    body = {"person_id": person_id, "night": "2025-12-20", "reason": "in hospital"}
    answer = client.post("/cancellations", json=body, headers=world.headers["coordinator"])
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "night"
    assert answer.json()["detail"] == (
        "north person's night care runs from 2026-01-01 with no end date; 2025-12-20 is outside it"
    )
    assert records_of(api_sessions, person_id) == (1, 1)


def test_a_one_off_call_after_care_ends_is_refused_naming_the_night(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """With care ending 2027-03-31, a call on 2027-04-01 is 422 on `night`; the last night
    itself is taken, and so is a change of its night only while it stays inside."""
    headers = world.headers["coordinator"]
    person_id = world.records["north_person"]
    ended = client.patch(f"/people/{person_id}", json={"end_date": "2027-03-31"}, headers=headers)
    assert ended.status_code == 200, ended.text
    after = client.post("/one-off-calls", json=eye_drops_on(world, "2027-04-01"), headers=headers)
    assert after.status_code == 422, after.text
    assert after.json()["field"] == "night"
    assert after.json()["detail"] == (
        "north person's night care runs from 2026-01-01 to 2027-03-31; 2027-04-01 is outside it"
    )
    last = client.post("/one-off-calls", json=eye_drops_on(world, "2027-03-31"), headers=headers)
    assert last.status_code == 201, last.text
    moved = client.patch(
        f"/one-off-calls/{last.json()['id']}", json={"night": "2027-04-02"}, headers=headers
    )
    assert (moved.status_code, moved.json()["field"]) == (422, "night")
    assert records_of(api_sessions, person_id) == (2, 1)


def test_an_end_date_that_would_leave_calls_and_cancellations_outside_is_a_conflict(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Ending care on 2026-11-30 would orphan the 2026-12-01 call and the 2026-12-24
    cancellation: 409 on `end_date` naming both; the stored dates are unchanged."""
    headers = world.headers["coordinator"]
    person_id = world.records["north_person"]
    call_id = world.records["north_one_off"]
    cancellation_id = world.records["north_cancellation"]
    answer = client.patch(f"/people/{person_id}", json={"end_date": "2026-11-30"}, headers=headers)
    assert answer.status_code == 409, answer.text
    assert answer.json()["field"] == "end_date"
    assert answer.json()["detail"] == (
        "north person's night care would run from 2026-01-01 to 2026-11-30, leaving out "
        f"the 01:00–01:30 eye drops call on 2026-12-01 (one-off call {call_id}), "
        f"the cancellation on 2026-12-24 (cancellation {cancellation_id}); "
        "remove or move them first"
    )
    with api_sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.end_date is None
    assert records_of(api_sessions, person_id) == (1, 1)


def test_a_later_start_that_would_leave_a_call_outside_is_a_conflict_on_start_date(
    client: TestClient, world: World
) -> None:
    """Starting care on 2026-12-10 would leave the 2026-12-01 call before it: 409 on
    `start_date` naming the call only; an end date after every stored night is taken."""
    headers = world.headers["coordinator"]
    person_id = world.records["north_person"]
    later = client.patch(f"/people/{person_id}", json={"start_date": "2026-12-10"}, headers=headers)
    assert later.status_code == 409, later.text
    assert later.json()["field"] == "start_date"
    assert "2026-12-01" in later.json()["detail"]
    assert "cancellation" not in later.json()["detail"]
    kept = client.patch(f"/people/{person_id}", json={"end_date": "2026-12-24"}, headers=headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["end_date"] == date(2026, 12, 24).isoformat()
