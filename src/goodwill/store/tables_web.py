"""Tables for web: the dashboard's sessions and login attempts, declared on the shared Base (imported at the end
of store/tables.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.store.tables import Base, Id


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so reading the
    database does not give anyone a session. `csrf_token` is the session's token for every form it posts."""

    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_teammate", "teammate_id"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    teammate_id: Mapped[int] = mapped_column(ForeignKey("teammate.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginAttempt(Base):
    """One try at signing in, kept for rate limiting by account and by address (shared by every process)."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_created", "email", "created_at"),
        Index("ix_login_attempt_ip_created", "ip", "created_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # ok | bad | limited
    created_at: Mapped[datetime]
