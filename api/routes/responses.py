"""The error responses every resource route may give, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorRead(BaseModel):
    """Every error: its kind, a message a coordinator understands, and the field at fault."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "invalid",
                    "detail": "23:30 is outside the area's night shift 22:00-07:00",
                    "field": "latest",
                }
            ]
        }
    )

    error: str
    detail: str
    field: str | None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead, "description": "not signed in, or the token has expired"},
    403: {"model": ErrorRead, "description": "the caller's role may not do this"},
    404: {"model": ErrorRead, "description": "missing, or not the caller's to see"},
    409: {"model": ErrorRead, "description": "clashes with what is stored"},
    422: {"model": ErrorRead, "description": "a value is refused; `field` names it"},
}
