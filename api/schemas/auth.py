"""Sign-in responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class TokenRead(BaseModel):
    """A bearer token and when it stops working."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "q3Jx0f9kS2m1...",
                    "token_type": "bearer",
                    "expires_at": "2026-12-02T10:00:00Z",
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class ActorRead(BaseModel):
    """Who the token belongs to: role, the areas they coordinate, the carer they are."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"user_id": 2, "role": "coordinator", "area_ids": [1], "carer_id": None}]
        }
    )

    user_id: int | None
    role: Literal["commissioner", "coordinator", "carer"]
    area_ids: list[int]
    carer_id: int | None
