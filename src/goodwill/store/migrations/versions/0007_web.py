"""Tables for the dashboard (sessions, login attempts).

Revision ID: 0007_web
Revises: 0006_api
"""

from __future__ import annotations

revision = "0007_web"
down_revision = "0006_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
