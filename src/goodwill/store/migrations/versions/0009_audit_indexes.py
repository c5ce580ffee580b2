"""Indexes for the audit: outbox by message (the teammates section joins each brand message to the outbox row
that sent it; without it SQLite builds a temporary index on every report and PostgreSQL scans the outbox).

Revision ID: 0009_audit_indexes
Revises: 0008_jobs
"""

from __future__ import annotations

from alembic import op

revision = "0009_audit_indexes"
down_revision = "0008_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_message_id", "outbox", ["message_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_message_id", table_name="outbox")
