"""The pages' sign-in session and their protection against cross-site form posts.

The session cookie holds one of the API's expiring bearer tokens (`api.security.sign_in`), so
signing in on a page and at `POST /auth/token` are the same thing: the same lock-out, the same
expiry, and only the token's digest stored. The cookie is HttpOnly (scripts cannot read it),
SameSite=Strict (other sites' links and forms do not carry it) and Secure outside development.

Every form post also carries a CSRF token: an HMAC, under the secret key, of a random value
in a second cookie (signed double submit). A page from another site can neither read that
cookie nor forge the HMAC. htmx sends the token in the `X-CSRF-Token` header instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from api.deps import SessionDep, SettingsDep
from api.security import token_digest
from data.errors import Forbidden, Unauthorized
from data.models import User
from data.services.access import CARER, COMMISSIONER, COORDINATOR, Actor, require_role
from data.services.users import actor_for_token
from data.settings import Settings

SESSION_COOKIE = "nightcare_session"
CSRF_COOKIE = "nightcare_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_PATH = "/sign-in"

HOME_OF_ROLE = {
    COMMISSIONER: "/commissioner",
    COORDINATOR: "/coordinator",
    CARER: "/carer",
}


def home_of(role: str) -> str:
    """The page a role lands on after signing in."""
    return HOME_OF_ROLE.get(role, SIGN_IN_PATH)


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (so `next=` cannot send anyone elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def sign_in_url(next_path: str | None) -> str:
    """The sign-in page, coming back to `next_path` afterwards."""
    target = local_path(next_path)
    return f"{SIGN_IN_PATH}?next={quote(target, safe='/')}" if target else SIGN_IN_PATH


def cookies_are_secure(settings: Settings) -> bool:
    """Whether cookies are marked Secure: as configured, else everywhere but development."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return settings.environment != "development"


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """Keep the signed-in token in the browser until it expires."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_minutes * 60,
        path="/",
        secure=cookies_are_secure(settings),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Forget the session in the browser."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=cookies_are_secure(settings),
        httponly=True,
        samesite="strict",
    )


def new_csrf_secret() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def csrf_token_for(settings: Settings, cookie_value: str) -> str:
    """The token forms must send back along with the CSRF cookie `cookie_value`."""
    message = f"csrf:{cookie_value}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def set_csrf_cookie(response: Response, value: str, settings: Settings) -> None:
    """Give the browser the CSRF cookie (for the browser session only)."""
    response.set_cookie(
        CSRF_COOKIE,
        value,
        path="/",
        secure=cookies_are_secure(settings),
        httponly=True,
        samesite="strict",
    )


async def require_csrf(request: Request, settings: SettingsDep) -> None:
    """Refuse (403, field `csrf_token`) a post whose CSRF token does not match its cookie."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        # Starlette keeps the parsed form, so the route's own Form parameters still read it.
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(sent, csrf_token_for(settings, cookie)):
        raise Forbidden(
            "this form has expired or did not come from this site: reload the page and try again",
            field=CSRF_FIELD,
        )


CsrfDep = Annotated[None, Depends(require_csrf)]


def session_actor(request: Request, session: SessionDep) -> Actor | None:
    """Whoever the session cookie signs in (None: no cookie, or an unknown or expired token).

    Also keeps the actor and their username on `request.state` for the page header.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    actor = actor_for_token(session, token_digest(token), datetime.now(UTC))
    if actor is None:
        return None
    user = session.get(User, actor.user_id)
    request.state.actor = actor
    request.state.username = user.username if user is not None else None
    return actor


OptionalPageActorDep = Annotated[Actor | None, Depends(session_actor)]


def page_actor(actor: OptionalPageActorDep) -> Actor:
    """The signed-in actor; a page without one redirects to sign-in (see `api.errors`)."""
    if actor is None:
        raise Unauthorized("sign in to see this page")
    return actor


PageActorDep = Annotated[Actor, Depends(page_actor)]


def page_actor_of(*roles: str) -> Callable[[Actor], Actor]:
    """A dependency: the signed-in actor, refused (403 page) unless their role is in `roles`."""

    def actor_in_role(actor: PageActorDep) -> Actor:
        require_role(actor, *roles)
        return actor

    return actor_in_role


CarerDep = Annotated[Actor, Depends(page_actor_of(CARER))]
CoordinatorDep = Annotated[Actor, Depends(page_actor_of(COORDINATOR))]
CommissionerDep = Annotated[Actor, Depends(page_actor_of(COMMISSIONER))]
