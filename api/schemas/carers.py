"""Carers: who works nights in an area, their gender and skills."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.common import Id, ReadSchema, RequestSchema, Skills, UpdateSchema

_EXAMPLE: dict[str, Any] = {
    "area_id": 1,
    "name": "Anne Pryce",
    "gender": "F",
    "skills": ["medication", "catheter"],
    "phone": "01743 000000",
    "email": "anne@example.org",
    "active": True,
}

Gender = Literal["F", "M"]

# Checked by the service as people's and areas' phones are (data.services.checks.phone).
_PHONE = Field(
    default=None,
    max_length=40,
    description="the carer's phone: digits, spaces, +, - and brackets, 7 to 20 digits, "
    "a + only at the start",
)


class CarerCreate(RequestSchema):
    """A new carer in an area the caller coordinates."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    area_id: Id
    name: str = Field(max_length=200)
    gender: Gender
    skills: Skills = Field(default_factory=list)
    phone: str | None = _PHONE
    email: str | None = Field(default=None, max_length=254)
    active: bool = True


class CarerUpdate(UpdateSchema):
    """Some of a carer's fields; those left out stay as they are."""

    NULLABLE = frozenset({"phone", "email"})
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"skills": ["medication"], "active": False}]}
    )

    area_id: Id | None = Field(default=None)
    name: str | None = Field(default=None, max_length=200)
    gender: Gender | None = Field(default=None)
    skills: Skills | None = Field(default=None)
    phone: str | None = _PHONE
    email: str | None = Field(default=None, max_length=254)
    active: bool | None = Field(default=None)


class CarerRead(ReadSchema):
    """A stored carer."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 4, **_EXAMPLE}]})

    id: int
    area_id: int
    name: str
    gender: str
    skills: list[str]
    phone: str | None
    email: str | None
    active: bool
