"""The FastAPI application: `create_app(settings)` builds it; its lifespan builds the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Receive, Scope, Send

from api.access_log import AccessLog
from api.errors import install_error_handlers
from api.idempotency import install_replay_handler
from api.pages import page_routers
from api.pages.templating import STATIC_DIRECTORY
from api.routes import MATCHING_ORDER, document_tags
from api.signed_in_route import SignedInPostRoute, answer_before_routing
from data.database import make_engine, make_session_factory
from data.settings import Settings, get_settings

DESCRIPTION = """Areas, carers, the rota, people receiving care and their night calls, and the
draft plans of each night. Sign in at `POST /auth/token` and send the token as
`Authorization: Bearer <token>`. POSTs accept an `Idempotency-Key` header: a retry with the same
key and body returns the first response and creates nothing twice."""


def _schema_models() -> dict[str, type[BaseModel]]:
    """The app's pydantic models (request and read schemas), by class name: the names FastAPI
    gives their schemas in the document."""
    models: dict[str, type[BaseModel]] = {}
    waiting = list(BaseModel.__subclasses__())
    while waiting:
        model = waiting.pop()
        waiting.extend(model.__subclasses__())
        if model.__module__.startswith("api."):
            models[model.__name__] = model
    return models


class NightcareApp(FastAPI):
    """The FastAPI app, with its busiest POSTs (`SignedInPostRoute`) answered before
    Starlette's middleware stack and FastAPI's routing when those would only pass them on
    (see `api.signed_in_route.answer_before_routing`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.direct_posts: dict[str, SignedInPostRoute] = {}

    def answer_posts_directly(self, routers: Iterable[APIRouter]) -> None:
        """Send POSTs to the `SignedInPostRoute`s of `routers` (included without a prefix of
        their own) straight to them."""
        for router in routers:
            for route in router.routes:
                if isinstance(route, SignedInPostRoute) and route.methods == {"POST"}:
                    self.direct_posts[route.path] = route

    def openapi(self) -> dict[str, Any]:
        """FastAPI's document with each schema's examples as our models write them.

        FastAPI drops every null from the document it builds, examples included: the rota
        change that stands a crew down, `{"carer_a_id": null, "carer_b_id": null, ...}`, was
        shown as `{"note": ...}`, a body the API refuses.
        """
        if self.openapi_schema is not None:
            return self.openapi_schema
        document = super().openapi()
        components = document.get("components", {}).get("schemas", {})
        for name, model in _schema_models().items():
            extra = model.model_config.get("json_schema_extra")
            if name in components and isinstance(extra, dict) and "examples" in extra:
                components[name]["examples"] = jsonable_encoder(extra["examples"])
        return document

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection or the lifespan."""
        route = self.direct_posts.get(scope.get("path", "")) if scope["type"] == "http" else None
        if (
            route is None
            or scope["method"] != "POST"
            or scope.get("root_path")
            or self.root_path
            or self.dependency_overrides
            or self.user_middleware
            or self.max_body_size is not None
            or self._native_telemetry.enabled()
        ):
            await super().__call__(scope, receive, send)
            return
        await answer_before_routing(self, route, super().__call__, scope, receive, send)


def create_app(
    settings: Settings | None = None, *, sessions: sessionmaker[Session] | None = None
) -> NightcareApp:
    """The API over the database in `settings` (default: the environment's).

    `sessions` replaces the engine the lifespan would build (tests run the app inside a
    transaction they roll back); it then serves reads as well as writes.
    """
    chosen = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sessions is not None:
            app.state.sessions = app.state.read_sessions = sessions
            yield
            return
        engine = make_engine(chosen.database_url)
        app.state.sessions = make_session_factory(engine)
        app.state.read_sessions = make_session_factory(engine, read_only=True)
        try:
            yield
        finally:
            engine.dispose()

    app = NightcareApp(
        title="nightcare",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=document_tags(),
    )
    app.state.settings = chosen
    install_error_handlers(app)
    install_replay_handler(app)
    for router in MATCHING_ORDER:
        app.include_router(router)
    app.answer_posts_directly(MATCHING_ORDER)
    for router in page_routers():
        app.include_router(router)
    # Our CSS and JS, and htmx and Leaflet copied there from npm by web/vendor.sh.
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    return app


def create_logged_app(settings: Settings | None = None) -> AccessLog:
    """`create_app` behind the access log: what `nightcare serve` runs unless told
    `--no-access-log` (uvicorn's own access log stays off, see `api.access_log`)."""
    return AccessLog(create_app(settings))
