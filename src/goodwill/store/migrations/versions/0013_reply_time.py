"""The brand's replies by time: message (created_at, channel_id) WHERE the message is a reply (outbound, and
answering someone: a parent or a private conversation).

The audit reads the newest replies of a period (voice) and, for a period that is a small part of the
history, the period's replies per teammate. Without an index by time each of those reads the whole message
table, however short the period and however wide the rows (raw payloads included); with this one, only
the replies it needs. Partial: only replies are in it (a quarter of the messages in the ingest benchmark),
so ingest writes it for them alone (its cost: docs/benchmarks.md, "Ingest"). On a large PostgreSQL
`message` table, consider building it beforehand with `CREATE INDEX CONCURRENTLY ix_message_reply_time ON
message (created_at, channel_id) WHERE direction = 'out' AND (parent_native_id IS NOT NULL OR
private_conversation_id IS NOT NULL)`; this revision then finds it and skips it.

Revision ID: 0013_reply_time
Revises: 0012_relationship_inputs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_reply_time"
down_revision = "0012_relationship_inputs"
branch_labels = None
depends_on = None

NAME = "ix_message_reply_time"
REPLY = "direction = 'out' AND (parent_native_id IS NOT NULL OR private_conversation_id IS NOT NULL)"


def upgrade() -> None:
    existing = {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("message")}
    if NAME not in existing:
        op.create_index(
            NAME,
            "message",
            ["created_at", "channel_id"],
            unique=False,
            sqlite_where=sa.text(REPLY),
            postgresql_where=sa.text(REPLY),
        )


def downgrade() -> None:
    op.drop_index(NAME, table_name="message")
