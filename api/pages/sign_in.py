"""Signing in and out of the pages; `/` sends each role to its own home page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Request, Response

from api.deps import SessionDep, SettingsDep
from api.pages import page_router
from api.pages.session import (
    SESSION_COOKIE,
    CsrfDep,
    OptionalPageActorDep,
    clear_session_cookie,
    home_of,
    local_path,
    new_csrf_secret,
    set_csrf_cookie,
    set_session_cookie,
    sign_in_url,
)
from api.pages.templating import capitalize_first, render, see_other
from api.security import client_address, sign_in, token_digest
from data.errors import DomainError, TooManyAttempts
from data.services.users import forget_token, user_by_username

router = page_router()


@router.get("/")
def front_door(request: Request, actor: OptionalPageActorDep) -> Response:
    """The signed-in role's home page, or the sign-in page."""
    return see_other(request, home_of(actor.role) if actor is not None else sign_in_url(None))


@router.get("/sign-in")
def sign_in_page(
    request: Request,
    actor: OptionalPageActorDep,
    next: str | None = None,
    signed_out: bool = False,
) -> Response:
    """The sign-in form (someone already signed in goes on to their page)."""
    if actor is not None:
        return see_other(request, local_path(next) or home_of(actor.role))
    context: dict[str, Any] = {"next": local_path(next), "errors": {}, "signed_out": signed_out}
    return render(request, "pages/sign_in.html", context)


@router.post("/sign-in")
def sign_in_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: CsrfDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the username and password; on success set the session cookie and go on.

    A failure shows the form again with the reason beside the field; five failures in a row
    lock the username for a while, and too many from one address block it, exactly as for
    `POST /auth/token` (429 with Retry-After).
    """
    username = username.strip()
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    status = 422
    headers: dict[str, str] = {}
    if not errors:
        outcome = sign_in(
            session,
            username,
            password,
            client=client_address(request),
            token_minutes=settings.token_minutes,
            now=datetime.now(UTC),
        )
        if not isinstance(outcome, DomainError):
            user = user_by_username(session, username)
            role_home = home_of(user.role) if user is not None else "/"
            response = see_other(request, local_path(next) or role_home)
            set_session_cookie(response, outcome.token, settings)
            # A new CSRF secret with the new session: one planted before sign-in is useless.
            set_csrf_cookie(response, new_csrf_secret(), settings)
            return response
        # Returned, not raised, so the session commits what sign_in wrote (a refused attempt
        # forgotten) before answering.
        errors[outcome.field or "password"] = capitalize_first(outcome.detail)
        status = outcome.status_code
        if isinstance(outcome, TooManyAttempts):
            headers["Retry-After"] = str(outcome.retry_after)
    return render(
        request,
        "pages/sign_in.html",
        {"next": local_path(next), "errors": errors, "username": username},
        status_code=status,
        headers=headers,
    )


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, settings: SettingsDep, _: CsrfDep) -> Response:
    """End the session: the token stops working at once, and the cookie is dropped."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        forget_token(session, token_digest(token))
    response = see_other(request, sign_in_url(None) + "?signed_out=1")
    clear_session_cookie(response, settings)
    return response
