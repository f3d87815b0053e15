"""Sign-in: tokens, expiry, and the lock-outs after repeated failed sign-ins (per username,
known or not, and per client address)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import httpx2
import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.security import (
    CLIENT_FAILURES_ALLOWED,
    CLIENT_WINDOW,
    FAILED_SIGN_INS_ALLOWED,
    LOCK_OUT,
    hash_password,
    password_matches,
)
from data.database import make_session_factory
from data.models import ApiToken, ClientSignInFailure, UnknownUsernameLock, User
from data.services.sign_in_limits import FORGET_FAILED_SIGN_INS_AFTER
from data.services.users import add_user
from data.settings import Settings
from tests.api.conftest import PASSWORD, World, expired_bearer
from tests.conftest import DATABASES, drop_database, new_database
from tests.local_servers import served_app

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def sign_in(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    """POST the OAuth2 password form; the status and JSON body."""
    response = client.post("/auth/token", data={"username": username, "password": password})
    return response.status_code, response.json()


def test_signing_in_gives_a_token_that_identifies_the_user(
    client: TestClient, world: World
) -> None:
    """The right password returns a bearer token; /auth/me then names the user and role."""
    status, body = sign_in(client, "north-coordinator", PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer"
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "user_id": world.users["coordinator"].id,
        "role": "coordinator",
        "area_ids": [world.north.id],
        "carer_id": None,
    }


def test_only_the_hash_of_a_token_is_stored(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The token itself is nowhere in the database; its sha256 is."""
    _status, body = sign_in(client, "commissioner", PASSWORD)
    token = str(body["access_token"])
    with api_sessions() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert len(token) >= 40


def test_a_wrong_password_is_refused_naming_the_password(client: TestClient, world: World) -> None:
    """401 with the error body naming the field; an unknown user gets the same answer."""
    status, body = sign_in(client, "north-coordinator", "not the password")
    assert (status, body["error"], body["field"]) == (401, "unauthorized", "password")
    assert sign_in(client, "nobody", "not the password") == (status, body)


def test_repeated_failed_sign_ins_lock_the_account_even_to_the_right_password(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """After the allowed failures the next sign-in, right or wrong, answers 429 until later."""
    for _ in range(FAILED_SIGN_INS_ALLOWED):
        assert sign_in(client, "north-coordinator", "guess")[0] == 401
    status, body = sign_in(client, "north-coordinator", PASSWORD)
    assert (status, body["error"]) == (429, "too_many_attempts")
    with api_sessions() as session:
        user = session.get_one(User, world.users["coordinator"].id)
        assert user.locked_until is not None and user.locked_until > datetime.now(UTC)


def test_a_locked_account_says_when_to_retry_in_a_retry_after_header(
    client: TestClient, world: World
) -> None:
    """The 429 carries Retry-After: the seconds left of the 15-minute lock-out, counting down
    from the failure that locked the account."""
    for _ in range(FAILED_SIGN_INS_ALLOWED):
        sign_in(client, "north-coordinator", "guess")
    response = client.post(
        "/auth/token", data={"username": "north-coordinator", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert LOCK_OUT.total_seconds() - 60 < int(response.headers["Retry-After"])
    assert int(response.headers["Retry-After"]) <= LOCK_OUT.total_seconds()


def test_a_successful_sign_in_clears_earlier_failures(client: TestClient, world: World) -> None:
    """Failures only count in a row: a good sign-in in between starts the count again."""
    for _ in range(FAILED_SIGN_INS_ALLOWED - 1):
        sign_in(client, "commissioner", "guess")
    assert sign_in(client, "commissioner", PASSWORD)[0] == 200
    for _ in range(FAILED_SIGN_INS_ALLOWED - 1):
        sign_in(client, "commissioner", "guess")
    assert sign_in(client, "commissioner", PASSWORD)[0] == 200


def test_requests_without_a_live_token_are_refused(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """No token, an unknown token and an expired token each answer 401."""
    expired = expired_bearer(api_sessions, world.users["commissioner"])
    for headers in ({}, {"Authorization": "Bearer made-up"}, expired):
        response = client.get("/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    assert client.get("/auth/me", headers=world.headers["commissioner"]).status_code == 200


def test_stored_password_hashes_are_argon2_of_the_password() -> None:
    """`hash_password` makes an argon2id hash that verifies only the same password."""
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, PASSWORD)
    assert not password_matches(stored, PASSWORD + "!")
    assert not password_matches(None, PASSWORD)


def test_signing_out_ends_the_token(client: TestClient, world: World) -> None:
    """DELETE /auth/token answers 204; the same token is then refused."""
    _status, body = sign_in(client, "north-coordinator", PASSWORD)
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.delete("/auth/token", headers=headers).status_code == 204
    assert client.get("/auth/me", headers=headers).status_code == 401


@pytest.fixture
def other_client(client: TestClient) -> Iterator[TestClient]:
    """The same app as `client`, called from another client address (203.0.113.9)."""
    with TestClient(
        client.app, raise_server_exceptions=False, client=("203.0.113.9", 40000)
    ) as other:
        yield other


def post_sign_in(client: TestClient, username: str, password: str) -> httpx2.Response:
    """POST the OAuth2 password form; the whole response."""
    return client.post("/auth/token", data={"username": username, "password": password})


def test_an_unknown_username_is_locked_exactly_like_a_known_one(
    client: TestClient, world: World
) -> None:
    """Five wrong tries, then a sixth: an unknown username answers what a known one does (429,
    the same body and Retry-After), so the answers do not tell which usernames exist. The
    known user is locked even to the right password, and both locks end after 15 minutes."""
    with time_machine.travel(MORNING, tick=False) as clock:
        for username in ("north-coordinator", "nobody-by-this-name"):
            for _ in range(FAILED_SIGN_INS_ALLOWED):
                assert post_sign_in(client, username, "guess").status_code == 401
        known = post_sign_in(client, "north-coordinator", "guess")
        unknown = post_sign_in(client, "nobody-by-this-name", "guess")
        assert known.status_code == unknown.status_code == 429
        assert known.json() == unknown.json()
        assert known.json()["error"] == "too_many_attempts"
        assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
        assert int(unknown.headers["Retry-After"]) == LOCK_OUT.total_seconds()
        assert post_sign_in(client, "north-coordinator", PASSWORD).status_code == 429
        clock.shift(LOCK_OUT)
        assert post_sign_in(client, "north-coordinator", PASSWORD).status_code == 200
        assert post_sign_in(client, "nobody-by-this-name", "guess").status_code == 401


def test_a_partial_count_is_forgotten_after_a_quiet_day_for_known_and_unknown_alike(
    client: TestClient, world: World
) -> None:
    """One try short of the lock, a day's wait, then two more: neither username is locked,
    so spreading the tries out does not tell a known username from an unknown one."""
    with time_machine.travel(MORNING, tick=False) as clock:
        for username in ("north-coordinator", "nobody-by-this-name"):
            for _ in range(FAILED_SIGN_INS_ALLOWED - 1):
                assert post_sign_in(client, username, "guess").status_code == 401
        clock.shift(FORGET_FAILED_SIGN_INS_AFTER + timedelta(minutes=1))
        answers = {
            username: [post_sign_in(client, username, "guess").status_code for _ in range(2)]
            for username in ("north-coordinator", "nobody-by-this-name")
        }
        assert answers["north-coordinator"] == answers["nobody-by-this-name"] == [401, 401]
        assert post_sign_in(client, "north-coordinator", PASSWORD).status_code == 200


def test_an_unknown_username_is_kept_only_as_a_digest(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Someone who types their password as the username does not leave it in the database."""
    post_sign_in(client, "my secret password", "guess")
    with api_sessions() as session:
        stored = session.scalars(select(UnknownUsernameLock.username_digest)).all()
    assert len(stored) == 1 and "secret" not in stored[0] and len(stored[0]) == 64


def test_one_client_address_trying_many_usernames_is_stopped_and_told_when_to_retry(
    client: TestClient, other_client: TestClient, world: World
) -> None:
    """After the allowed failures from one address, across usernames none of which is locked,
    every sign-in from it answers 429 with Retry-After, even a right password; another
    address signs in as usual, and the first may again once the window has passed."""
    with time_machine.travel(MORNING, tick=False) as clock:
        for attempt in range(CLIENT_FAILURES_ALLOWED):
            assert post_sign_in(client, f"guess-{attempt}", "guess").status_code == 401
            clock.shift(timedelta(seconds=10))
        blocked = post_sign_in(client, "commissioner", PASSWORD)
        assert (blocked.status_code, blocked.json()["error"]) == (429, "too_many_attempts")
        assert "from this address" in blocked.json()["detail"]
        waited = timedelta(seconds=10 * CLIENT_FAILURES_ALLOWED)
        assert int(blocked.headers["Retry-After"]) == (CLIENT_WINDOW - waited).total_seconds()
        assert post_sign_in(client, "guess-new", "guess").status_code == 429
        assert post_sign_in(other_client, "commissioner", PASSWORD).status_code == 200
        clock.shift(CLIENT_WINDOW - waited)
        assert post_sign_in(client, "commissioner", PASSWORD).status_code == 200


def test_failures_that_no_longer_count_are_dropped_when_the_next_is_counted(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Client failures older than the window, and unknown usernames a day after their last
    failure, are deleted by the next failed sign-in, so neither table grows without end."""
    with time_machine.travel(MORNING, tick=False) as clock:
        for attempt in range(3):
            post_sign_in(client, f"gone-{attempt}", "guess")
        clock.shift(FORGET_FAILED_SIGN_INS_AFTER)
        post_sign_in(client, "latest", "guess")
    with api_sessions() as session:
        assert session.scalar(select(func.count()).select_from(ClientSignInFailure)) == 1
        assert session.scalar(select(func.count()).select_from(UnknownUsernameLock)) == 1


@pytest.fixture(params=DATABASES)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn in a thread, over a fresh database whose requests really commit
    (no shared test transaction), with the commissioner `chief`; its base URL. It believes
    X-Forwarded-For from loopback, so each test can sign in from addresses of its own."""
    engine, _url = new_database(request.param, tmp_path)
    sessions = make_session_factory(engine)
    with sessions() as session:
        add_user(session, username="chief", password=PASSWORD, role="commissioner")
        session.commit()
    app = create_app(Settings(environment="development"), sessions=sessions)
    try:
        with served_app(app, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as base:
            yield base
    finally:
        drop_database(engine)


def all_at_once(base: str, attempts: list[tuple[str, str]], address: str) -> Counter[int]:
    """POST every (username, password) sign-in at the same moment, each on a connection of
    its own from client `address`; how many answers of each status came back."""
    start = threading.Barrier(len(attempts))

    def attempt(username: str, password: str) -> int:
        start.wait()
        return httpx.post(
            f"{base}/auth/token",
            data={"username": username, "password": password},
            headers={"X-Forwarded-For": address},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return Counter(pool.map(lambda pair: attempt(*pair), attempts))


def test_wrong_passwords_sent_together_get_no_more_guesses_than_sent_one_by_one(
    served: str,
) -> None:
    """Twelve wrong passwords for one username, sent at the same moment to the running
    server: five are checked (401) and the rest refused (429), for a known username and an
    unknown one alike; each attempt is counted before its password is checked."""
    for username, address in (("chief", "198.51.100.1"), ("nobody-here", "198.51.100.2")):
        answers = all_at_once(served, [(username, "guess")] * 12, address)
        assert answers == {401: FAILED_SIGN_INS_ALLOWED, 429: 12 - FAILED_SIGN_INS_ALLOWED}


def test_sign_ins_sent_together_from_one_address_get_no_more_than_its_limit(
    served: str,
) -> None:
    """Thirty wrong sign-ins, each for a username of its own, sent at the same moment from
    one address: at most the address's allowed failures are checked, the rest refused (429).
    (Two attempts counted at once at the limit may both be refused: never one too many.)"""
    attempts = [(f"guess-{number}", "guess") for number in range(CLIENT_FAILURES_ALLOWED + 10)]
    answers = all_at_once(served, attempts, "198.51.100.3")
    assert set(answers) <= {401, 429}
    assert 0 < answers[401] <= CLIENT_FAILURES_ALLOWED
