"""Rendering pages: the Jinja2 templates in api/templates/pages/, with what base.html needs.

Jinja2 autoescapes everything stored, so a person's name or address cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.pages.session import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    clear_session_cookie,
    csrf_token_for,
    home_of,
    new_csrf_secret,
    set_csrf_cookie,
    sign_in_url,
)
from data.services.access import CARER, COMMISSIONER, COORDINATOR, Actor
from data.settings import Settings

TEMPLATES_DIRECTORY = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIRECTORY = Path(__file__).resolve().parent.parent / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIRECTORY)
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def capitalize_first(text: str) -> str:
    """`text` with its first letter made upper case (the services' messages start lower case
    to follow a field name; alone on a page they start a sentence)."""
    return text[:1].upper() + text[1:]


templates.env.filters["capitalize_first"] = capitalize_first

# Each role's main pages, in the order of the navigation bar: (label, path).
NAV: dict[str, list[tuple[str, str]]] = {
    COMMISSIONER: [("Areas", "/commissioner")],
    COORDINATOR: [("Tonight", "/coordinator")],
    CARER: [("Tonight's round", "/carer")],
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Template `name` with `context`, plus the actor, their navigation and the CSRF token.

    A browser without a CSRF cookie gets one with this page, so its forms can post.
    """
    settings = _settings(request)
    shown = actor if actor is not None else getattr(request.state, "actor", None)
    secret = request.cookies.get(CSRF_COOKIE)
    fresh = secret is None
    if secret is None:
        secret = getattr(request.state, "csrf_secret", None) or new_csrf_secret()
        request.state.csrf_secret = secret
    full: dict[str, Any] = {
        "actor": shown,
        "username": getattr(request.state, "username", None) if shown is not None else None,
        "nav": NAV.get(shown.role, []) if shown is not None else [],
        "home": home_of(shown.role) if shown is not None else sign_in_url(None),
        "csrf_token": csrf_token_for(settings, secret),
        "csrf_field_name": CSRF_FIELD,
        "csrf_header": CSRF_HEADER,
        **(context or {}),
    }
    # Pages hold personal data (names, addresses, key-safe codes): never kept in a cache.
    response = templates.TemplateResponse(
        request,
        name,
        full,
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
    if fresh:
        set_csrf_cookie(response, secret, settings)
    return response


def see_other(request: Request, url: str) -> RedirectResponse | HTMLResponse:
    """Go to `url` after a post (303), or tell htmx to (`HX-Redirect`)."""
    if request.headers.get("HX-Request"):
        return HTMLResponse("", headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request,
    *,
    status_code: int,
    kind: str,
    detail: str,
    field: str | None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse | RedirectResponse:
    """An error as a page; 401 (not signed in, or the session expired) goes to sign-in."""
    if status_code == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        came_from = target if request.method == "GET" else None
        response = see_other(request, sign_in_url(came_from))
        clear_session_cookie(response, _settings(request))
        return response
    return render(
        request,
        "pages/error.html",
        {"status_code": status_code, "kind": kind, "detail": detail, "field": field},
        status_code=status_code,
        headers=headers,
    )


def wants_html(request: Request) -> bool:
    """Whether an error on this request is shown as a page: it came to a page route, or to
    no route at all from a browser asking for HTML (API clients keep getting JSON)."""
    route = request.scope.get("route")
    if route is not None:
        return "pages" in (getattr(route, "tags", None) or ())
    accept = request.headers.get("accept", "")
    return "text/html" in accept
