"""People, their identities on each network and the relationship with them (read-only for now)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class IdentityPublic(BaseModel):
    id: int
    network: str
    native_id: str
    handle: str | None
    display_name: str | None
    profile_url: str | None
    followers: int | None
    first_seen_at: datetime
    last_seen_at: datetime


class RelationshipPublic(BaseModel):
    stage: str
    health: float | None
    inbound_count: int
    outbound_count: int
    first_contact_at: datetime | None
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    is_advocate: bool
    at_risk: bool
    updated_at: datetime


class PersonPublic(BaseModel):
    id: int
    display_name: str
    is_vip: bool
    labels: list[Any]
    created_at: datetime


class PersonDetail(PersonPublic):
    fields: dict[str, Any]
    identities: list[IdentityPublic]
    relationship: RelationshipPublic | None
