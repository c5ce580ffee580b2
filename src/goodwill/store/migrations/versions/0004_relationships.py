"""Tables for relationships (identity merge suggestions, notes, nudges, LinkedIn connections).

Revision ID: 0004_relationships
Revises: 0003_replies
"""

from __future__ import annotations

revision = "0004_relationships"
down_revision = "0003_replies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
