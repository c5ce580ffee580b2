"""Tables for api: declared on the shared Base (imported at the end of store/tables.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.store.tables import Base, Id


class ApiToken(Base):
    """A REST API token: a teammate's key with scopes. Only the SHA-256 of the secret is stored (the secret
    is 256 random bits, so a fast hash is enough: nothing to brute-force); the secret is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_workspace_id", "workspace_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    teammate_id: Mapped[int] = mapped_column(ForeignKey("teammate.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # the secret's first characters, to recognise it in lists
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole secret
    scopes: Mapped[list[Any]] = mapped_column(default=list)  # goodwill.actions.tokens.SCOPES
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
