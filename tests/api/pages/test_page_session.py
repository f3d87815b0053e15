"""The pages' session over the real HTTP stack (no browser): cookies, CSRF, redirects, errors.

Runs on SQLite and PostgreSQL with the API tests' `world` (users of each role, password
`PASSWORD`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
import time_machine
from cryptography.fernet import Fernet
from fastapi import Response
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.pages.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    cookies_are_secure,
    local_path,
    set_session_cookie,
)
from api.security import CLIENT_FAILURES_ALLOWED, FAILED_SIGN_INS_ALLOWED, issue_token
from data.models import ApiToken, User
from data.settings import Settings
from tests.api.conftest import PASSWORD, World

CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_token(client: TestClient, path: str = "/sign-in") -> str:
    """The CSRF token of the form on `path` (the client keeps the CSRF cookie it came with)."""
    page = client.get(path)
    match = CSRF_INPUT.search(page.text)
    assert match is not None, page.text
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> httpx2.Response:
    """Post the sign-in form as a browser would, without following the redirect."""
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    ("role", "home"),
    [("commissioner", "/commissioner"), ("coordinator", "/coordinator"), ("carer", "/carer")],
)
def test_each_role_lands_on_its_own_home_page(
    client: TestClient, world: World, role: str, home: str
) -> None:
    """Signing in redirects (303) to the role's home, and `/` sends them there again."""
    answer = sign_in(client, world.users[role].username)
    assert answer.status_code == 303
    assert answer.headers["location"] == home
    front = client.get("/", follow_redirects=False)
    assert (front.status_code, front.headers["location"]) == (303, home)


def test_the_session_cookie_is_httponly_and_strict(client: TestClient, world: World) -> None:
    """The cookie carries a working token; scripts cannot read it, other sites cannot send it."""
    answer = sign_in(client, world.users["carer"].username)
    cookies = answer.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=strict" in session_cookie
    assert "Max-Age=43200" in session_cookie  # the token's 720 minutes
    assert "Secure" not in session_cookie  # development, over http://testserver
    token = client.cookies[SESSION_COOKIE]
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "carer"


def test_cookies_are_secure_outside_development_unless_configured_otherwise() -> None:
    """Production marks the session cookie Secure; the setting overrides either way."""
    production = Settings(
        environment="production",
        secret_key="a production secret " * 2,
        field_key=Fernet.generate_key().decode(),
    )
    assert cookies_are_secure(production) is True
    assert cookies_are_secure(production.model_copy(update={"secure_cookies": False})) is False
    assert cookies_are_secure(Settings(environment="development")) is False
    assert cookies_are_secure(Settings(environment="development", secure_cookies=True)) is True
    response = Response()
    set_session_cookie(response, "a-token", Settings(secure_cookies=True))
    assert "Secure" in response.headers["set-cookie"]


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient, world: World) -> None:
    """No token, or a token made for another browser's cookie: 403 page, nobody signed in."""
    data = {"username": world.users["carer"].username, "password": PASSWORD}
    missing = client.post("/sign-in", data=data, follow_redirects=False)
    assert missing.status_code == 403
    assert missing.headers["content-type"].startswith("text/html")
    assert "This form has expired" in missing.text
    token = csrf_token(client)
    # Replaced, not added beside the one the server set: with two, which one the app reads
    # depends on the order the test client sends them in.
    client.cookies.delete(CSRF_COOKIE)
    client.cookies.set(CSRF_COOKIE, "another browser's value")
    forged = client.post("/sign-in", data={**data, "csrf_token": token}, follow_redirects=False)
    assert forged.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_a_wrong_password_shows_the_form_again_and_is_counted(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """401 with the message beside the password; the failed count is saved (lock-out)."""
    answer = sign_in(client, world.users["carer"].username, "not the password")
    assert answer.status_code == 401
    assert 'id="password-error"' in answer.text
    assert "Wrong username or password" in answer.text
    with api_sessions() as session:
        failures = session.scalar(
            select(User.failed_sign_ins).where(User.id == world.users["carer"].id)
        )
    assert failures == 1


def test_five_wrong_passwords_lock_the_account_on_the_page_too(
    client: TestClient, world: World
) -> None:
    """The sixth try, even with the right password, says to wait (429)."""
    username = world.users["other_coordinator"].username
    for _ in range(5):
        assert sign_in(client, username, "not the password").status_code == 401
    locked = sign_in(client, username)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text


def test_an_unknown_username_is_locked_on_the_page_as_a_known_one_is(
    client: TestClient, world: World
) -> None:
    """The sixth wrong try answers the same page (429, Retry-After) whether the user exists."""
    answers = []
    # A fixed clock, so both pages name the same minute to retry after.
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        for username in (world.users["coordinator"].username, "nobody-by-this-name"):
            for _ in range(FAILED_SIGN_INS_ALLOWED):
                assert sign_in(client, username, "not the password").status_code == 401
            answers.append(sign_in(client, username, "not the password"))
    known, unknown = answers
    assert known.status_code == unknown.status_code == 429
    assert "Retry-After" in known.headers and "Retry-After" in unknown.headers
    assert known.text.replace(world.users["coordinator"].username, "nobody-by-this-name") == (
        unknown.text
    )


def test_one_address_trying_many_usernames_is_stopped_on_the_page_too(
    client: TestClient, world: World
) -> None:
    """After the allowed failures from one address the form answers 429 with Retry-After, in
    words beside the username, even to the right password."""
    for attempt in range(CLIENT_FAILURES_ALLOWED):
        assert sign_in(client, f"guess-{attempt}", "not the password").status_code == 401
    blocked = sign_in(client, world.users["commissioner"].username)
    assert blocked.status_code == 429
    assert blocked.headers["content-type"].startswith("text/html")
    assert int(blocked.headers["Retry-After"]) > 0
    assert 'id="username-error"' in blocked.text
    assert "Too many failed sign-ins from this address" in blocked.text
    assert SESSION_COOKIE not in client.cookies


def test_empty_fields_are_named_without_trying_to_sign_in(client: TestClient) -> None:
    """Both fields left empty: 422 naming each."""
    answer = client.post("/sign-in", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 422
    assert "Enter your username" in answer.text
    assert "Enter your password" in answer.text


def test_next_only_leads_to_a_page_of_this_site(client: TestClient, world: World) -> None:
    """`next=//elsewhere` is ignored (no open redirect); a local path is followed."""
    assert local_path("//evil.example/x") is None
    assert local_path("https://evil.example/") is None
    assert local_path("/carer") == "/carer"
    token = csrf_token(client)
    answer = client.post(
        "/sign-in",
        data={
            "username": world.users["carer"].username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/carer"


def test_a_page_without_a_session_redirects_to_sign_in(client: TestClient) -> None:
    """A GET comes back to the page after signing in."""
    answer = client.get("/carer", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/carer"


def test_an_expired_session_redirects_to_sign_in_and_drops_the_cookie(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """The cookie's token expired: sign in again, and the stale cookie is deleted."""
    issued = issue_token(1, now=datetime.now(UTC) - timedelta(minutes=5))
    with api_sessions() as session:
        session.add(
            ApiToken(
                user_id=world.users["carer"].id,
                token_hash=issued.digest,
                expires_at=issued.expires_at,
            )
        )
        session.commit()
    client.cookies.set(SESSION_COOKIE, issued.token)
    answer = client.get("/carer", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/carer"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]


def test_signing_out_forgets_the_token(client: TestClient, world: World) -> None:
    """After the sign-out form the old token answers 401 on the API as well."""
    sign_in(client, world.users["carer"].username)
    token = client.cookies[SESSION_COOKIE]
    out = client.post(
        "/sign-out", data={"csrf_token": csrf_token(client, "/carer")}, follow_redirects=False
    )
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in?signed_out=1")
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_another_roles_page_is_a_403_page(client: TestClient, world: World) -> None:
    """A coordinator opening the carer's page gets an HTML 403 saying why."""
    sign_in(client, world.users["coordinator"].username)
    answer = client.get("/carer")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "You cannot do this" in answer.text
    assert "a coordinator may not do this" in answer.text


def test_errors_are_pages_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    """An unknown path is a 404 page when HTML is asked for, JSON otherwise; API routes keep
    answering JSON whatever the Accept header."""
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "Page not found" in page.text
    api = client.get("/no-such-page")
    assert api.json() == {"error": "not_found", "detail": "Not Found", "field": None}
    areas = client.get("/areas", headers={"Accept": "text/html,*/*"})
    assert areas.status_code == 401
    assert areas.json()["error"] == "unauthorized"


def test_the_carers_update_check_never_redirects(client: TestClient, world: World) -> None:
    """Polled in the background: signed out it says so (200) instead of leaving the sheet; a
    coordinator gets the same, and nothing about any round."""
    signed_out = client.get("/carer/updates?shown=1", follow_redirects=False)
    assert signed_out.status_code == 200
    assert "Your sign-in has ended" in signed_out.text
    sign_in(client, world.users["coordinator"].username)
    other_role = client.get("/carer/updates?shown=1", follow_redirects=False)
    assert other_role.status_code == 200
    assert "round" not in other_role.text.lower().replace("/carer", "")
