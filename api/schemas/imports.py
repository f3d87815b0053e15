"""CSV imports of people and their recurring calls into an area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.routes.responses import ErrorRead


class ImportCreated(BaseModel):
    """A stored import: the rows read and the ids of the people and needs it added."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"area_id": 1, "rows": 3, "people": [41, 42], "needs": [90, 91, 92]}]
        }
    )

    area_id: int
    rows: int
    people: list[int]
    needs: list[int]


class RowErrorRead(BaseModel):
    """One wrong cell: the spreadsheet row (the header is row 1), its column, and why."""

    row: int
    column: str
    reason: str


class ImportRefusedRead(ErrorRead):
    """A refused import (nothing was stored): every wrong row, column and reason in `rows`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "invalid",
                    "detail": "2 rows have errors; nothing was imported",
                    "field": "file",
                    "rows": [
                        {
                            "row": 3,
                            "column": "lat",
                            "reason": "this home (53.50000, -2.90000) lies outside every "
                            "contract area's boundary",
                        },
                        {
                            "row": 5,
                            "column": "earliest",
                            "reason": "21:00 is outside the area's night shift 22:00-07:00",
                        },
                    ],
                }
            ]
        }
    )

    # Other 422s on this path (a bad area id, no file) are the plain error without rows.
    rows: list[RowErrorRead] = Field(default_factory=list)
