"""POST /needs, the busiest write: its token, area, idempotency and audit rules, over HTTP.

The route does its database work in one worker thread (`api.deps.in_one_thread`) rather than
through the shared dependencies, so each rule those dependencies give other routes is
checked here on this route too.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.models import AuditEvent, IdempotencyKey, Need
from tests.api.conftest import World, expired_bearer


def a_need(world: World, person: str = "north_person", **changes: Any) -> dict[str, Any]:
    """A valid recurring call for one of the world's people."""
    return {
        "person_id": world.records[person],
        "label": "welfare check",
        "weekdays": [0, 2, 4],
        "start_date": "2026-12-01",
        "earliest": "23:00",
        "latest": "23:45",
        "minutes": 15,
        **changes,
    }


def needs_labelled(sessions: sessionmaker[Session], label: str) -> int:
    """How many needs carry this label."""
    with sessions() as session:
        return session.scalar(select(func.count()).where(Need.label == label)) or 0


def test_a_submission_is_stored_audited_and_its_key_remembered(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """201 with the need; one create event by the coordinator; the response under the key."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "need-audit-1"}
    answer = client.post("/needs", json=a_need(world), headers=headers)
    assert answer.status_code == 201, answer.text
    need = answer.json()
    assert (need["label"], need["weekdays"], need["priority"]) == (
        "welfare check",
        [0, 2, 4],
        "standard",
    )
    with api_sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "need", AuditEvent.entity_id == need["id"]
            )
        ).all()
        stored = session.scalars(
            select(IdempotencyKey).where(IdempotencyKey.key == "need-audit-1")
        ).one()
    assert [(e.action, e.user_id) for e in events] == [("create", world.users["coordinator"].id)]
    assert (stored.status_code, stored.response_body) == (201, need)


def test_a_retried_submission_replays_and_creates_nothing_twice(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Same key and body: the first response again, marked as replayed; one need."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "need-retry-1"}
    body = a_need(world, label="retried check")
    first = client.post("/needs", json=body, headers=headers)
    again = client.post("/needs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert needs_labelled(api_sessions, "retried check") == 1


def test_a_reused_key_with_another_body_is_refused(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """409 naming the header; the second body is not stored."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "need-reuse-1"}
    assert client.post("/needs", json=a_need(world), headers=headers).status_code == 201
    refused = client.post("/needs", json=a_need(world, label="other check"), headers=headers)
    assert refused.status_code == 409
    assert refused.json()["field"] == "Idempotency-Key"
    assert needs_labelled(api_sessions, "other check") == 0


def test_a_person_of_another_area_is_not_found_and_nothing_is_kept(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The north coordinator cannot add a call for a south person (422 on person_id), and the
    refused request's key is not remembered."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "need-south-1"}
    refused = client.post(
        "/needs", json=a_need(world, "south_person", label="south check"), headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "person_id"
    assert needs_labelled(api_sessions, "south check") == 0
    with api_sessions() as session:
        assert (
            session.scalars(
                select(IdempotencyKey).where(IdempotencyKey.key == "need-south-1")
            ).all()
            == []
        )


def test_a_window_outside_the_shift_is_refused_by_field(client: TestClient, world: World) -> None:
    """The service's window check still speaks through this route: 422 naming the field."""
    refused = client.post(
        "/needs",
        json=a_need(world, earliest="12:00", latest="12:30"),
        headers=world.headers["coordinator"],
    )
    assert refused.status_code == 422
    assert refused.json()["field"] in {"earliest", "latest"}


def test_no_expired_or_missing_token_and_no_carer_may_submit(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """401 without a token or with an expired one; 403 for a carer; nothing stored."""
    body = a_need(world, label="unauthorised check")
    assert client.post("/needs", json=body).status_code == 401
    expired = expired_bearer(api_sessions, world.users["coordinator"])
    answer = client.post("/needs", json=body, headers=expired)
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]
    carer = client.post("/needs", json=body, headers=world.headers["carer"])
    assert carer.status_code == 403, carer.text
    assert needs_labelled(api_sessions, "unauthorised check") == 0


def test_requests_off_the_direct_path_answer_as_any_route(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """`SignedInPostRoute` reads a well-formed submission itself (a JSON content type with a
    charset, a lower-case scheme) and leaves FastAPI to refuse the rest: a too-long key, a body
    that is not JSON or not sent as JSON, each a 422 naming where it went wrong; none stored."""
    token = world.headers["coordinator"]["Authorization"].split(" ", 1)[1]
    plain = {"Authorization": f"bearer {token}"}
    body = a_need(world, label="direct path check")
    accepted = client.post(
        "/needs",
        content=json.dumps(body),
        headers={**plain, "Content-Type": "application/json; charset=utf-8"},
    )
    assert accepted.status_code == 201, accepted.text
    refused = [
        client.post(
            "/needs",
            json=a_need(world, label="long key"),
            headers={**plain, "Idempotency-Key": "k" * 256},
        ),
        client.post(
            "/needs",
            content=json.dumps(a_need(world, label="as text")),
            headers={**plain, "Content-Type": "text/plain"},
        ),
        client.post(
            "/needs",
            content=b'{"person_id": ',
            headers={**plain, "Content-Type": "application/json"},
        ),
    ]
    assert [answer.status_code for answer in refused] == [422, 422, 422]
    assert "Idempotency-Key" in refused[0].text
    for label in ("long key", "as text"):
        assert needs_labelled(api_sessions, label) == 0
    assert needs_labelled(api_sessions, "direct path check") == 1
