"""One router per resource; `ROUTERS` is the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import areas, auth, carers

ROUTERS: tuple[APIRouter, ...] = (auth.router, areas.router, carers.router)
