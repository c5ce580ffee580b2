"""Workspaces, channels, teammates and the caller."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class WorkspacePublic(BaseModel):
    slug: str
    name: str
    timezone: str
    created_at: datetime


class ChannelPublic(BaseModel):
    """A connected brand account. Credentials and cursors never leave the server."""

    id: int
    network: str
    account_id: str
    handle: str
    name: str
    health: str
    created_at: datetime


class TeammatePublic(BaseModel):
    id: int
    email: str
    name: str
    role: str
    is_away: bool


class MePublic(BaseModel):
    """The caller: the token's teammate, its workspace, the token's scopes and those its role allows now."""

    teammate: TeammatePublic
    workspace: WorkspacePublic
    token_id: int
    token_scopes: list[str]
    scopes: list[str]
