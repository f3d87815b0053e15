"""The audit log of a record: who changed what and when, with the record before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict

from api.schemas.common import ReadSchema


class AuditEventRead(ReadSchema):
    """One change (or one read of a person's secrets); secret fields show only "(hidden)"."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 41,
                    "at": "2026-12-01T14:03:00Z",
                    "user_id": 2,
                    "action": "update",
                    "entity": "need",
                    "entity_id": 31,
                    "before": {"latest": "03:00", "paused": False},
                    "after": {"latest": "03:30", "paused": False},
                }
            ]
        },
    )

    id: int
    at: datetime
    user_id: int | None
    action: str
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
