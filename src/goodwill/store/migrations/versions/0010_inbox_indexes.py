"""The inbox job's lookup of each conversation's messages past its rules watermark: message (conversation_id, id).

Without it the lookup (goodwill.inbox.processing) walks the conversation's whole history on the
(conversation_id, created_at) index; with it, only the new messages. One more index to write per stored
message. On a large PostgreSQL `message` table, consider building it beforehand with
`CREATE INDEX CONCURRENTLY ix_message_conversation_id ON message (conversation_id, id)`; this revision then
finds it and skips it.

Revision ID: 0010_inbox_indexes
Revises: 0009_audit_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_inbox_indexes"
down_revision = "0009_audit_indexes"
branch_labels = None
depends_on = None

NAME = "ix_message_conversation_id"


def upgrade() -> None:
    existing = {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("message")}
    if NAME not in existing:
        op.create_index(NAME, "message", ["conversation_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="message")
