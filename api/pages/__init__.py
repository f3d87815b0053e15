"""Server-rendered pages for commissioners, coordinators and carers (Jinja2, htmx, Leaflet).

The pages live beside the JSON API in the same app and call the same services in `data/`;
they sign in with a session cookie instead of a bearer token.

How the pieces fit:

- `api/pages/session.py`: the session cookie (HttpOnly, SameSite=Strict, Secure outside
  development) holding one of the API's expiring tokens, CSRF tokens for form posts, and the
  typed dependencies `PageActorDep` (anyone signed in) and `page_actor_of(*roles)`. A page
  that is not signed in redirects to `/sign-in?next=...`.
- `api/pages/templating.py`: `render(request, "pages/x.html", {...}, actor=actor)` fills in
  what `pages/base.html` needs (the actor, the CSRF token, the role's navigation `NAV`) and
  sets the CSRF cookie when the browser has none. Errors from `api.errors` (the one error
  hierarchy) render as HTML for page routes and as JSON for the API.
- `api/templates/pages/base.html`: skip link, header with the role's navigation, `<main
  id="main">`, footer. Blocks: `title`, `main`, `head` (extra CSS/JS), `scripts`.
- `api/static/`: our CSS (`nightcare.css`), served under `/static/`; `/static/vendor/` holds
  htmx, Leaflet and Leaflet-Geoman copied from `web/node_modules` by `web/vendor.sh` (run by
  `scripts/setup.sh`; never from a CDN). Load them with `url_for('static',
  path='vendor/htmx/htmx.min.js')` etc.

Adding a page:

1. Make a module here with `router = page_router()` (a router tagged `pages`, left out of the
   OpenAPI document); `page_routers()` picks up every module of this package that has one.
2. Route functions take `session: SessionDep` and an actor (`CarerDep`, `CoordinatorDep`,
   `CommissionerDep`, or `Annotated[Actor, Depends(page_actor_of(ROLE, ...))]`), call a
   service, and `return render(request, "pages/<role>/<name>.html", {...}, actor=actor)`.
   GETs whose service writes an audit event are marked `@writes_on_read`. Domain errors the
   service raises become error pages by themselves; catch one only to show it on the form.
3. Form posts take `_: CsrfDep` and put `{{ csrf_field() }}` inside the `<form>` (import the
   macros: `{% from "pages/forms.html" import csrf_field, text_field, error_summary with
   context %}`); htmx requests send the token in a header already (`<body hx-headers>` in
   base.html). Answer a post with `see_other(request, url)` (303, or `HX-Redirect` for htmx)
   or the page again with the errors (`text_field(..., error=...)`, `error_summary(errors)`).
4. Templates extend `pages/base.html`; every input has a `<label>`; field errors go in an
   element referenced by `aria-describedby` (the `text_field` macro does this). Pages are
   sent with `Cache-Control: no-store` (they hold personal data).
5. Add the role's navigation link to `NAV` in templating.py if the page is a main one.

Adding a browser test (see `tests/api/pages/conftest.py`): the `page` fixture is a fresh
Playwright page on `live_server` (a real uvicorn on a fresh migrated SQLite database, shared by
the run, so make records with unique names); `staff` makes areas, carers, crews, people,
needs, plans, publications and users of each role (`staff.user(COORDINATOR, area=area)`);
`sign_in(page, user)` signs in through the form, `signed_in_page(role)` does both. Then
`check_page(page, "name")` runs axe-core (WCAG 2.2 A/AA: no serious or critical violation) and
saves screenshots at desktop and 360 px wide into tests/screenshots/ (nothing may overflow
sideways at 360 px). Server-side form tests without a browser use the API tests' `client`
and `world` fixtures (see tests/api/pages/test_page_session.py).
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

PAGES_TAG = "pages"


def page_router() -> APIRouter:
    """A router for pages: tagged `pages` (so errors render as HTML), not in the OpenAPI."""
    return APIRouter(tags=[PAGES_TAG], include_in_schema=False)


def page_routers() -> list[APIRouter]:
    """Every page module's `router`, sign-in first (modules are found, not listed, so a new
    role's pages need no edit here)."""
    routers: list[APIRouter] = []
    names = sorted(
        (info.name for info in pkgutil.iter_modules(__path__)),
        key=lambda name: (name != "sign_in", name),
    )
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers
