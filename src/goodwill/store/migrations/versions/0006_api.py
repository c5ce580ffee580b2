"""Tables for the REST API (API tokens with scopes).

Revision ID: 0006_api
Revises: 0005_publishing
"""

from __future__ import annotations

revision = "0006_api"
down_revision = "0005_publishing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
