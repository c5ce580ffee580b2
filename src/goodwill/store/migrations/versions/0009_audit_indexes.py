"""Indexes for the audit: outbox by message (the teammates section joins each brand message to the outbox row
that sent it; without it SQLite builds a temporary index on every report and PostgreSQL scans the outbox), and
messages by conversation and time with the direction as a third column (the conversation table looks up each
conversation's opening inbound message by those three: on SQLite from the index alone, not the message row).

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
    op.drop_index("ix_message_conversation_created", table_name="message")
    op.create_index("ix_message_conversation_created", "message", ["conversation_id", "created_at", "direction"])


def downgrade() -> None:
    op.drop_index("ix_message_conversation_created", table_name="message")
    op.create_index("ix_message_conversation_created", "message", ["conversation_id", "created_at"])
    op.drop_index("ix_outbox_message_id", table_name="outbox")
