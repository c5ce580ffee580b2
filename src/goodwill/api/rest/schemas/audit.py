"""The audit log and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from goodwill.api.rest.schemas.common import ObjectId, Shape, ShortText

Scope = Literal["read", "write", "reply", "admin"]


class AuditEntryPublic(BaseModel):
    id: int
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str | None
    data: dict[str, Any]
    created_at: datetime


class TokenCreate(Shape):
    name: ShortText = Field(min_length=1)
    scopes: list[Scope] = Field(min_length=1, max_length=4)
    teammate_id: ObjectId | None = None  # default: the caller; owners and admins may issue for others
    expires_at: AwareDatetime | None = None


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    teammate_id: int
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenPublic):
    secret: str  # shown once, never again: store it now
