"""One page of a list, and the count of all its rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from data.errors import Invalid

T = TypeVar("T")
LONGEST_PAGE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """Rows `offset` to `offset + limit` of a list of `total` rows."""

    items: Sequence[T]
    total: int
    offset: int
    limit: int


def page_of(session: Session, query: Select[Any], *, offset: int, limit: int) -> Page[Any]:
    """Run `query` (already ordered) for one page, with the total count of its rows."""
    if offset < 0:
        raise Invalid("must be 0 or more", "offset")
    if not 1 <= limit <= LONGEST_PAGE:
        raise Invalid(f"must be from 1 to {LONGEST_PAGE}", "limit")
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.offset(offset).limit(limit)).all()
    return Page(items=items, total=total or 0, offset=offset, limit=limit)
