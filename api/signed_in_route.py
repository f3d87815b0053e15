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

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from api.deps import bearer_token
from api.idempotency import KEY_MAX_LENGTH, SignedInPost, signed_in_post

_Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class SignedInPostRoute(APIRoute):
    """A POST route whose endpoint takes a JSON body model (`body`) and `SignedInPost` (`post`)."""

    def get_route_handler(self) -> _Handler:
        """FastAPI's handler, behind a direct path for the well-formed request."""
        standard = super().get_route_handler()
        assert self.body_field is not None, "a SignedInPostRoute takes a JSON body"
        body_model = self.body_field.field_info.annotation
        assert isinstance(body_model, type) and issubclass(body_model, BaseModel)
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            if request.app.dependency_overrides:
                return await standard(request)
            read = await _well_formed(request, body_model)
            if read is None:
                return await standard(request)
            body, post = read
            response: Response = await endpoint(body=body, post=post)
            return response

        return handle


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
