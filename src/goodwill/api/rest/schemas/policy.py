"""Inbox rules and goals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from goodwill.api.rest.schemas.common import ObjectId, Shape, ShortText

Words = list[ShortText]


class RuleConditions(Shape):
    """All given conditions must hold; a list means any of its values (docs/inbox.md)."""

    keyword: Words | None = Field(default=None, min_length=1, max_length=100)
    intent: list[Literal["complaint", "question", "praise", "feedback", "lead", "spam", "chatter"]] | None = Field(
        default=None, min_length=1
    )
    sentiment: list[Literal["negative", "neutral", "positive"]] | None = Field(default=None, min_length=1)
    network: list[str] | None = Field(default=None, min_length=1, max_length=20)
    min_followers: int | None = Field(default=None, ge=0, le=10**12)
    vip: bool | ShortText | None = None  # true: any VIP; a name: that VIP list


class RuleActions(Shape):
    tag: Words | None = Field(default=None, min_length=1, max_length=50)
    assign: ShortText | None = None  # "auto" or a teammate's e-mail
    priority: int | None = Field(default=None, ge=0, le=100)
    snooze: Annotated[int, Field(ge=1, le=525_600)] | Literal["next"] | None = (
        None  # minutes (a year at most), or "next"
    )
    hide: bool | None = None


class RuleCreate(Shape):
    name: ShortText = Field(min_length=1)
    conditions: RuleConditions
    actions: RuleActions


class RuleUpdate(Shape):
    enabled: bool


class RulePublic(BaseModel):
    id: int
    name: str
    position: int
    enabled: bool
    conditions: dict[str, Any]
    actions: dict[str, Any]
    created_at: datetime


class GoalSet(Shape):
    """A target in the metric's unit: a share as 0.95 or "95%", minutes, posts a week."""

    target: float | ShortText
    channel_id: ObjectId | None = None


class GoalPublic(BaseModel):
    metric: str
    target: float
    channel_id: int | None
    unit: str
    help: str
