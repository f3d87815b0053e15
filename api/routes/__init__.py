"""One router per resource; `ROUTERS` is the order they appear in the OpenAPI document."""

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
