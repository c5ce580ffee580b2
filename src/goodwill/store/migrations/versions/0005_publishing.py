"""Tables for publishing (post variants, schedule slots, cadence).

Revision ID: 0005_publishing
Revises: 0004_relationships
"""

from __future__ import annotations

revision = "0005_publishing"
down_revision = "0004_relationships"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
