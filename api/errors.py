"""Every failure the API reports, rendered once as JSON `{"error", "detail", "field"}` and
once as an HTML page for the pages (`api.pages`; a page that needs sign-in redirects to it).

Domain errors from data/ carry their own kind; FastAPI's validation errors become 422 naming the
field; a unique or foreign-key clash the services could not foresee (two requests racing)
becomes 409, and a value the database refuses (too long, out of range) 422. Expected failures
never reach the client as a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.pages.templating import error_page, wants_html
from data.errors import DomainError, TooManyAttempts

_HTTP_KIND = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_attempts",
}


def error_body(kind: str, detail: str, field: str | None = None) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"error": kind, "detail": detail, "field": field}


def domain_error_response(error: DomainError) -> JSONResponse:
    """The response for a domain error (also used by routes that must commit before failing)."""
    status = error.status_code
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    return JSONResponse(
        error_body(error.kind, error.detail, error.field), status_code=status, headers=headers
    )


def _respond(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse | HTMLResponse | RedirectResponse:
    if wants_html(request):
        return error_page(
            request, status_code=status, kind=kind, detail=detail, field=field, headers=headers
        )
    return JSONResponse(error_body(kind, detail, field), status_code=status, headers=headers)


def validation_field(location: Sequence[int | str]) -> str:
    """`("body", "window", "earliest")` → `"window.earliest"`; query and path names stay bare."""
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _located(error: Mapping[str, Any]) -> tuple[str, str]:
    """The field and message of one validation error. Pydantic places a JSON syntax error at
    the character offset (`("body", 8)`) and says only "JSON decode error"; the coordinator
    is told what is wrong with the body instead."""
    location = error.get("loc", ())
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        where = location[1] if len(location) > 1 else None
        at = f" at character {where}" if isinstance(where, int) else ""
        return "body", f"is not valid JSON ({reason or 'cannot be read'}{at})"
    if tuple(location) == ("body",) and error.get("type") in {"model_attributes_type", "dict_type"}:
        return "body", "must be a JSON object of fields, not a list or a single value"
    return validation_field(location), error.get("msg", "invalid")


def _validation_detail(errors: Sequence[Any]) -> tuple[str, str]:
    located = [_located(e) for e in errors]
    return "; ".join(f"{field}: {message}" for field, message in located), located[0][0]


async def _on_domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    if wants_html(request):
        return _respond(request, error.status_code, error.kind, error.detail, error.field)
    return domain_error_response(error)


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    detail, field = _validation_detail(list(error.errors()) or [{"loc": (), "msg": "invalid"}])
    return _respond(request, 422, "invalid", detail, field)


async def _on_integrity_error(request: Request, error: Exception) -> Response:
    return _respond(
        request, 409, "conflict", "this clashes with a record saved at the same moment; try again"
    )


async def _on_data_error(request: Request, error: Exception) -> Response:
    return _respond(
        request, 422, "invalid", "a value is too long or out of range for what is stored"
    )


async def _on_operational_error(request: Request, error: Exception) -> Response:
    # The database is unreachable, or SQLite's write lock was not free within the busy timeout.
    return _respond(
        request,
        503,
        "unavailable",
        "the database is busy or unreachable; try again shortly",
        headers={"Retry-After": "1"},
    )


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    if error.status_code == 400:
        # FastAPI's answer to a body it cannot parse (not JSON, not UTF-8): bad input, so 422.
        return _respond(request, 422, "invalid", detail, "body")
    kind = _HTTP_KIND.get(error.status_code, "error")
    return _respond(
        request, error.status_code, kind, detail, headers=getattr(error, "headers", None)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render domain, validation, integrity and HTTP errors as `{"error", "detail", "field"}`
    (and as pages for page routes, see `api.pages.templating.wants_html`)."""
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(DataError, _on_data_error)
    app.add_exception_handler(OperationalError, _on_operational_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
