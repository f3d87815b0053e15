"""People receiving care. Access notes, key-safe codes and the household's phone (with who
answers it) are written here but read only through `GET /people/{id}/secrets`, which is
audited."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.common import ReadSchema, RequestSchema, UpdateSchema

_EXAMPLE: dict[str, Any] = {
    "name": "Mrs Edith Morgan",
    "address": "3 Church Lane, Ellesmere SY12 0AA",
    "lat": 52.9075,
    "lon": -2.8930,
    "gender_request": "F",
    "risk_notes": "oxygen in use; no naked flames",
    "start_date": "2026-11-01",
    "end_date": None,
}
_SECRETS_EXAMPLE = {
    "access_notes": "side door; dog is friendly",
    "key_safe_code": "4711",
    "phone": "01632 960123",
    "contact_name": "daughter, Sue",
}
_PHONE = Field(
    default=None,
    max_length=40,
    description="the household's phone or the next of kin's: digits, spaces, +, - and "
    "brackets, 7 to 20 digits",
)
_CONTACT_NAME = Field(
    default=None, max_length=200, description='who answers that phone, e.g. "daughter, Sue"'
)

GenderRequest = Literal["F", "M"]


class PersonCreate(RequestSchema):
    """A new person; their area is the one whose boundary holds (lat, lon).

    lat/lon may be left out when a geocoder is configured: the address is then looked up.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{**_EXAMPLE, **_SECRETS_EXAMPLE}]})

    name: str = Field(max_length=200)
    address: str = Field(max_length=500)
    start_date: date
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    gender_request: GenderRequest | None = None
    access_notes: str | None = Field(default=None, max_length=2000)
    key_safe_code: str | None = Field(default=None, max_length=40)
    phone: str | None = _PHONE
    contact_name: str | None = _CONTACT_NAME
    risk_notes: str | None = Field(default=None, max_length=4000)
    end_date: date | None = None


class PersonUpdate(UpdateSchema):
    """Some of a person's fields; those left out stay as they are."""

    NULLABLE = frozenset(
        {
            "lat",
            "lon",
            "gender_request",
            "access_notes",
            "key_safe_code",
            "phone",
            "contact_name",
            "risk_notes",
            "end_date",
        }
    )
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"end_date": "2027-03-31", "gender_request": None}]}
    )

    name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    start_date: date | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    gender_request: GenderRequest | None = None
    access_notes: str | None = Field(default=None, max_length=2000)
    key_safe_code: str | None = Field(default=None, max_length=40)
    phone: str | None = _PHONE
    contact_name: str | None = _CONTACT_NAME
    risk_notes: str | None = Field(default=None, max_length=4000)
    end_date: date | None = None


class PersonRead(ReadSchema):
    """A stored person, without their access notes, key-safe code and phone (see /secrets)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "area_id": 1,
                    **_EXAMPLE,
                    "has_access_notes": True,
                    "has_key_safe_code": True,
                    "has_phone": True,
                }
            ]
        }
    )

    id: int
    area_id: int
    name: str
    address: str
    lat: float
    lon: float
    gender_request: str | None
    risk_notes: str | None
    start_date: date
    end_date: date | None
    has_access_notes: bool
    has_key_safe_code: bool
    has_phone: bool

    @classmethod
    def of(cls, person: Any) -> PersonRead:
        """Read a stored person; the secrets are only said to be there or not."""
        return cls.model_validate(
            {
                **{
                    name: getattr(person, name)
                    for name in cls.model_fields
                    if hasattr(person, name)
                },
                "has_access_notes": person.access_notes is not None,
                "has_key_safe_code": person.key_safe_code is not None,
                "has_phone": person.phone is not None,
            }
        )


class PersonSecretsRead(ReadSchema):
    """A person's access notes, key-safe code, phone and who answers it (each read is
    written to the audit log)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"person_id": 12, **_SECRETS_EXAMPLE}]}
    )

    person_id: int
    access_notes: str | None
    key_safe_code: str | None
    phone: str | None
    contact_name: str | None
