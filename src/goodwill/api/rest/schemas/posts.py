"""The brand's own posts (read-only for now)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class PostPublic(BaseModel):
    id: int
    channel_id: int
    status: str  # draft | scheduled | published | failed
    text: str
    scheduled_at: datetime | None
    published_at: datetime | None
    message_id: int | None
    created_by_id: int | None
    created_at: datetime
    detail: dict[str, Any]
