"""The content mix classifier's stored answer per own post (`post_mix`), so the audit reads it instead of
running the classifier's regular expressions over every post of the period on every report.

The table starts empty: the periodic `post-mix` job (goodwill.publishing.stored_mix) fills it on its first
run and keeps it current; until then, and for any post whose text or classifier changed since, the audit
classifies the text itself, so no figure depends on whether the job has run.

Revision ID: 0011_post_mix
Revises: 0010_inbox_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_post_mix"
down_revision = "0010_inbox_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_mix",
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("classifier", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.BigInteger(), nullable=False),
        sa.Column("promotional", sa.Boolean(), nullable=False),
        sa.Column("selling", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id"),
    )


def downgrade() -> None:
    op.drop_table("post_mix")
