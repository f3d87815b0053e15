"""Query filters shared by the list endpoints."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from api.schemas.common import LARGEST_ID

AreaQuery = Annotated[int | None, Query(ge=1, le=LARGEST_ID, description="only this area's")]
PersonQuery = Annotated[int | None, Query(ge=1, le=LARGEST_ID, description="only this person's")]
NightQuery = Annotated[date | None, Query(description="only this night's")]
