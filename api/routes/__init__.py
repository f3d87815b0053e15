"""One router per resource; `ROUTERS` is the order they appear in the OpenAPI document, and
`MATCHING_ORDER` the order the app tries them in."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    areas,
    auth,
    cancellations,
    carers,
    history,
    imports,
    needs,
    nights,
    one_off_calls,
    people,
    pins,
    publications,
    rota,
    route_sheets,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    areas.router,
    carers.router,
    rota.router,
    people.router,
    needs.router,
    one_off_calls.router,
    cancellations.router,
    imports.router,
    nights.router,
    route_sheets.router,
    publications.router,
    pins.router,
    history.router,
)

# Each request is matched against the routes in the order they were included, and each try
# costs (FastAPI keeps scope bookkeeping per route): POST /needs, the busiest route by far,
# came after about 30 others, a tenth of its CPU. Its router goes first; the document keeps
# the order of ROUTERS through the app's `openapi_tags`.
MATCHING_ORDER: tuple[APIRouter, ...] = (
    needs.router,
    *(router for router in ROUTERS if router is not needs.router),
)


def document_tags() -> list[dict[str, str]]:
    """The OpenAPI document's tags in the order of `ROUTERS` (for `FastAPI(openapi_tags=...)`)."""
    return [{"name": str(tag)} for router in ROUTERS for tag in router.tags]
