"""Statements per API request: each database round trip costs latency, so the counts are pinned.

The app runs through the real HTTP stack on one connection; a `before_cursor_execute`
listener records every statement the requests send, leaving out the test's savepoints
(the server's BEGIN, COMMIT and the pool's pre-ping come on top of these counts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.security import issue_token
from data.models import ApiToken, Person, StoredPlan, User, UserArea
from data.services.users import actor_for_token
from data.settings import get_settings
from tests.data.factories import a_person, an_area

NIGHT = date(2026, 12, 1)


@dataclass(frozen=True)
class Ward:
    """A coordinator's signed-in client on a database with one area, one person and one plan."""

    client: TestClient
    connection: Connection
    person: Person
    plan_id: int


def _signed_in_coordinator(session: Session) -> tuple[str, Person, int]:
    area = an_area(session)
    person = a_person(session)
    user = User(
        username="cora", password_hash="-", role="coordinator", active=True, failed_sign_ins=0
    )
    session.add(user)
    session.flush()
    session.add(UserArea(user_id=user.id, area_id=area.id))
    issued = issue_token(60)
    session.add(ApiToken(user_id=user.id, token_hash=issued.digest, expires_at=issued.expires_at))
    plan = StoredPlan(
        area_id=area.id,
        night=NIGHT,
        version=1,
        status="draft",
        trigger="test",
        problem={"calls": []},
        plan={"routes": [], "unassigned": []},
        travel_minutes=0.0,
        unassigned_count=0,
        solve_seconds=0.1,
    )
    session.add(plan)
    session.flush()
    return issued.token, person, plan.id


@pytest.fixture
def ward(db_engine: Engine) -> Iterator[Ward]:
    """The app over one connection whose work is rolled back after the test."""
    connection = db_engine.connect()
    transaction = connection.begin()
    sessions = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with sessions() as session:
        token, person, plan_id = _signed_in_coordinator(session)
        session.commit()
    app = create_app(get_settings(), sessions=sessions)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            yield Ward(client, connection, person, plan_id)
    finally:
        transaction.rollback()
        connection.close()


@contextmanager
def _statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement: str = args[2]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _need_body(person: Person) -> dict[str, object]:
    return {
        "person_id": person.id,
        "label": "reposition",
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "start_date": "2026-12-01",
        "earliest": "23:00",
        "latest": "23:30",
        "minutes": 30,
    }


def test_submitting_a_need_with_an_idempotency_key_runs_four_statements(ward: Ward) -> None:
    """Token with user, areas, stored key and the person's area in one; then three inserts."""
    with _statements(ward.connection) as seen:
        answer = ward.client.post(
            "/needs", json=_need_body(ward.person), headers={"Idempotency-Key": "need-1"}
        )
    assert answer.status_code == 201, answer.text
    assert len(seen) == 4, seen
    assert [s.lstrip().split()[0].upper() for s in seen].count("INSERT") == 3


def test_submitting_a_need_hands_its_work_to_a_worker_thread_once(
    ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Token, key, checks, inserts and the commit share one thread hand-off: each hand-off
    costs a thread switch and GIL hand-overs, which add up under load. Both ways a request
    reaches a thread are counted: anyio's (FastAPI's sync dependencies and routes) and an
    executor's (`loop.run_in_executor`)."""
    handed: list[str] = []
    hand_off = anyio.to_thread.run_sync
    submit = ThreadPoolExecutor.submit

    async def counted(work: Callable[..., Any], *args: Any, **options: Any) -> Any:
        handed.append(getattr(work, "__qualname__", repr(work)))
        return await hand_off(work, *args, **options)

    def counted_submit(
        executor: ThreadPoolExecutor, work: Callable[..., Any], /, *args: Any, **options: Any
    ) -> Future[Any]:
        handed.append(getattr(work, "__qualname__", repr(work)))
        return submit(executor, work, *args, **options)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    monkeypatch.setattr(ThreadPoolExecutor, "submit", counted_submit)
    answer = ward.client.post(
        "/needs", json=_need_body(ward.person), headers={"Idempotency-Key": "need-hop"}
    )
    assert answer.status_code == 201, answer.text
    assert len(handed) == 1, handed


def test_reading_a_plan_runs_two_statements(ward: Ward) -> None:
    """Token with user and areas, then the plan."""
    with _statements(ward.connection) as seen:
        answer = ward.client.get(f"/plans/{ward.plan_id}")
    assert answer.status_code == 200, answer.text
    assert len(seen) == 2, seen


def test_a_token_is_resolved_with_its_areas_in_one_statement(db_session: Session) -> None:
    """One query gives the actor of a coordinator of two areas."""
    first = an_area(db_session)
    second = an_area(db_session, name="East", west=-2.8)
    user = User(
        username="dee", password_hash="-", role="coordinator", active=True, failed_sign_ins=0
    )
    db_session.add(user)
    db_session.flush()
    db_session.add_all([UserArea(user_id=user.id, area_id=a.id) for a in (first, second)])
    issued = issue_token(60)
    db_session.add(
        ApiToken(user_id=user.id, token_hash=issued.digest, expires_at=issued.expires_at)
    )
    db_session.flush()
    with _statements(db_session.connection()) as seen:
        actor = actor_for_token(db_session, issued.digest, datetime.now(issued.expires_at.tzinfo))
    assert actor is not None
    assert actor.area_ids == {first.id, second.id}
    assert len(seen) == 1, seen
