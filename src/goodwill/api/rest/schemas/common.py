"""Shapes every resource uses: safe text, ids, pages."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

T = TypeVar("T")
MAX_ID = 2**62  # ids are 64-bit on PostgreSQL; a larger number names nothing, and is refused as invalid


def _storable(value: str) -> str:
    """Text the databases can store: no NUL (PostgreSQL refuses it) and no lone surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable)]
LongText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_storable)]
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Shape(BaseModel):
    """Base of every request body: unknown fields are refused (a typo is an error, not a silent no-op)."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """A page of a list: `count` is the total the filters match (not only this page)."""

    data: list[T]
    count: int


class CursorPage(BaseModel, Generic[T]):
    """A page read by cursor: pass `next_cursor` back as `cursor` for the next page (null: no more)."""

    data: list[T]
    count: int  # rows in this page
    next_cursor: str | None
