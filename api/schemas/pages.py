"""The page every list endpoint returns: the items, and how many there are in all."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from data.services.listing import Page as StoredPage

ItemT = TypeVar("ItemT")

MAX_LIMIT = 200


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: `items` from `offset`, at most `limit` of them, `total` in all."""

    items: list[ItemT]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_LIMIT)
    offset: int = Field(ge=0)


class PageRequest(BaseModel):
    """Which page the caller asked for."""

    limit: int
    offset: int

    @property
    def end(self) -> int:
        """The index just past the page, for slicing a list."""
        return self.offset + self.limit


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
) -> PageRequest:
    """The `limit` and `offset` query parameters of a list endpoint."""
    return PageRequest(limit=limit, offset=offset)


PageDep = Annotated[PageRequest, Depends(page_request)]


ReadT = TypeVar("ReadT", bound=BaseModel)


def page_of(found: StoredPage[Any], read: type[ReadT]) -> Page[ReadT]:
    """A page of stored records from data/, each read through the schema `read`."""
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(item) for item in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )
