"""A route class for the busiest POSTs: a well-formed request skips FastAPI's dependency solving.

An endpoint `async def f(body: SomeModel, post: SignedInPostDep) -> Response` added with
`route_class_override=SignedInPostRoute` is documented and validated as any other route. A
request that FastAPI would hand to it unchanged (a bearer token, no Idempotency-Key or a valid
one, a JSON body that validates) is read here once and the endpoint is called directly; every
other request, and every request while a dependency is overridden, goes through FastAPI's own
handler, so each 401 and 422 is FastAPI's own.

Measured on POST /needs (callgrind, in-process): FastAPI's dependency solving (the body, the
header, the token sub-dependency, their cache keys and scopes) was about a third of the
instructions of a submission.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import bearer_token
from api.idempotency import KEY_MAX_LENGTH, SignedInPost, signed_in_post

_Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class SignedInPostRoute(APIRoute):
    """A POST route whose endpoint takes a JSON body model (`body`) and `SignedInPost` (`post`)."""

    def get_route_handler(self) -> _Handler:
        """FastAPI's handler, behind a direct path for the well-formed request."""
        standard = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if request.app.dependency_overrides:
                return await standard(request)
            response = await self.direct_response(request)
            return response if response is not None else await standard(request)

        return handle

    async def direct_response(self, request: Request) -> Response | None:
        """The endpoint's response to a well-formed request (its exceptions raised as they
        are), or None for any other request, which FastAPI's own handler must answer."""
        assert self.body_field is not None, "a SignedInPostRoute takes a JSON body"
        body_model = self.body_field.field_info.annotation
        assert isinstance(body_model, type) and issubclass(body_model, BaseModel)
        read = await _well_formed(request, body_model)
        if read is None:
            return None
        body, post = read
        response: Response = await self.endpoint(body=body, post=post)
        return response


async def answer_before_routing(
    app: FastAPI,
    route: SignedInPostRoute,
    whole_app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    """Answer a POST to `route` without Starlette's middleware stack and FastAPI's routing.

    For the app's `__call__` (see `api.app.NightcareApp`), which sends here only a POST whose
    path is the route's own, with no dependency overridden, no middleware of the app's own, no
    body limit and no telemetry, so the stack in between would only pass the request along:
    measured on POST /needs, the middleware layers and FastAPI's walk of its routers (it
    counts every route's version on each request) were about 14 % of the serving process's
    GIL samples. A well-formed request is answered here, and the exception handlers the
    stack would have used render what the endpoint raises, so each error is the API's JSON
    error; any other request goes through `whole_app` (FastAPI's own `__call__`) with its body
    handed over again.
    An exception with no handler propagates to the server, which answers 500 as Starlette's
    `ServerErrorMiddleware` would have.
    """
    scope["app"] = app
    request = Request(scope, receive)
    try:
        response = await route.direct_response(request)
    except Exception as error:
        handler = _exception_handler(app, error)
        if handler is None:
            raise
        response = await handler(request, error)
    if response is None:
        await whole_app(scope, _replaying(await request.body(), receive), send)
        return
    await response(scope, receive, send)


def _exception_handler(
    app: FastAPI, error: Exception
) -> Callable[[Request, Exception], Awaitable[Response]] | None:
    for kind in type(error).__mro__:  # the nearest class with a handler, as Starlette looks
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            assert inspect.iscoroutinefunction(handler), "the API's handlers are async"
            return cast(Callable[[Request, Exception], Awaitable[Response]], handler)
    return None


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` that first gives back the body already read, then the server's messages."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _well_formed(
    request: Request, body_model: type[BaseModel]
) -> tuple[BaseModel, SignedInPost] | None:
    """The body and `SignedInPost` FastAPI would give the endpoint, or None when it would not
    reach the endpoint with them (it then answers itself)."""
    token = await bearer_token(request)
    if not token:
        return None
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= KEY_MAX_LENGTH:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != "application/json":
        return None
    if not await request.body():
        return None
    try:
        body = body_model.model_validate(await request.json(), from_attributes=True)
    except (ValueError, ValidationError):  # json.JSONDecodeError is a ValueError
        return None
    return body, await signed_in_post(request, token, key)
