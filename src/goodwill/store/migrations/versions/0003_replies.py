"""Replies: the reply library (saved replies with variables) and approval requests for held replies.

Revision ID: 0003_replies
Revises: 0002_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# BIGINT ids; SQLite only auto-increments INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

revision = "0003_replies"
down_revision = "0002_inbox"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "saved_reply",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("use_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk("saved_reply", "created_by_id", "teammate", "SET NULL"),
        _fk("saved_reply", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_reply")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_saved_reply_workspace_id_name")),
    )
    op.create_table(
        "reply_approval",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("outbox_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("original_text", sa.Text(), nullable=False),
        sa.Column("requested_by_id", ID, nullable=True),
        sa.Column("decided_by_id", ID, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("reply_approval", "conversation_id", "conversation"),
        _fk("reply_approval", "decided_by_id", "teammate", "SET NULL"),
        _fk("reply_approval", "outbox_id", "outbox"),
        _fk("reply_approval", "requested_by_id", "teammate", "SET NULL"),
        _fk("reply_approval", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_approval")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_reply_approval_outbox_id")),
    )
    with op.batch_alter_table("reply_approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_approval_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index("ix_reply_approval_workspace_status", ["workspace_id", "status"], unique=False)


def downgrade() -> None:
    for table in ("reply_approval", "saved_reply"):
        op.drop_table(table)
