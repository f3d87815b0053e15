"""What every request schema shares: no unknown keys, no NaN or infinity, no NUL characters,
ids that fit the database's integers, and "HH:MM" clock times."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

LARGEST_ID = 2_147_483_647

Id = Annotated[int, Field(ge=1, le=LARGEST_ID)]
PathId = Annotated[int, Path(ge=1, le=LARGEST_ID)]
ClockTime = Annotated[
    str, Field(pattern=r"^\d{2}:\d{2}$", examples=["22:00"], description="HH:MM local time")
]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]
Skills = Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=30)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class RequestSchema(BaseModel):
    """Base of request bodies: unknown keys are refused, so a typo never drops a value."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL refuses NUL in text; say so as a 422 rather than fail at the database.
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


class ReadSchema(BaseModel):
    """Base of response bodies, read from the stored records."""

    model_config = ConfigDict(from_attributes=True)


class UpdateSchema(RequestSchema):
    """Base of PATCH bodies: fields left out stay as they are; `null` only where it means "none".

    Fields are declared `X | None = None` so that leaving one out is possible; an explicit null
    for a field not in `NULLABLE` is refused, naming the field.
    """

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("must not be null; leave the field out to keep it as it is")
        return value
