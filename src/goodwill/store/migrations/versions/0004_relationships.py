"""Relationships: person merges (reversible, with their snapshot), merge suggestions with evidence, notes on
people, the explained relationship state beside each Relationship row, and nudges.

Revision ID: 0004_relationships
Revises: 0003_replies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# BIGINT ids; SQLite only auto-increments INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

revision = "0004_relationships"
down_revision = "0003_replies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_suggestion",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("person_a_id", ID, nullable=False),
        sa.Column("person_b_id", ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("strength", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["teammate.id"],
            name=op.f("fk_merge_suggestion_decided_by_id_teammate"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_a_id"], ["person.id"], name=op.f("fk_merge_suggestion_person_a_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_b_id"], ["person.id"], name=op.f("fk_merge_suggestion_person_b_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_merge_suggestion_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_suggestion")),
        sa.UniqueConstraint(
            "workspace_id",
            "person_a_id",
            "person_b_id",
            name=op.f("uq_merge_suggestion_workspace_id_person_a_id_person_b_id"),
        ),
    )
    with op.batch_alter_table("merge_suggestion", schema=None) as batch_op:
        batch_op.create_index("ix_merge_suggestion_workspace_status", ["workspace_id", "status"], unique=False)

    op.create_table(
        "person_merge",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("kept_person_id", ID, nullable=False),
        sa.Column("merged_person_id", ID, nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("undone_at", TS, nullable=True),
        sa.Column("undone_by_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["teammate.id"], name=op.f("fk_person_merge_created_by_id_teammate"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["kept_person_id"], ["person.id"], name=op.f("fk_person_merge_kept_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merged_person_id"],
            ["person.id"],
            name=op.f("fk_person_merge_merged_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["teammate.id"], name=op.f("fk_person_merge_undone_by_id_teammate"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_person_merge_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merge")),
    )
    with op.batch_alter_table("person_merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merge_kept_person_id"), ["kept_person_id"], unique=False)
        batch_op.create_index("ix_person_merge_workspace_merged", ["workspace_id", "merged_person_id"], unique=False)

    op.create_table(
        "person_note",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["teammate.id"], name=op.f("fk_person_note_author_id_teammate"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_note_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_person_note_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_note")),
    )
    with op.batch_alter_table("person_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_note_person_id"), ["person_id"], unique=False)

    op.create_table(
        "relationship_detail",
        sa.Column("person_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("praise", sa.Integer(), nullable=False),
        sa.Column("recommendations", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("unresolved_complaints", sa.Integer(), nullable=False),
        sa.Column("we_answered", sa.Float(), nullable=True),
        sa.Column("they_answered", sa.Float(), nullable=True),
        sa.Column("sentiment_recent", sa.Float(), nullable=True),
        sa.Column("sentiment_before", sa.Float(), nullable=True),
        sa.Column("is_cold", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_relationship_detail_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_relationship_detail_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_relationship_detail")),
    )
    with op.batch_alter_table("relationship_detail", schema=None) as batch_op:
        batch_op.create_index("ix_relationship_detail_workspace", ["workspace_id"], unique=False)

    op.create_table(
        "nudge",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("draft", sa.Text(), nullable=True),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("message_id", ID, nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("snoozed_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_nudge_conversation_id_conversation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["teammate.id"], name=op.f("fk_nudge_decided_by_id_teammate"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_nudge_message_id_message"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_nudge_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_nudge_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_nudge_workspace_id_key")),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_nudge_workspace_status", ["workspace_id", "status"], unique=False)


def downgrade() -> None:
    for table in ("nudge", "relationship_detail", "person_note", "person_merge", "merge_suggestion"):
        op.drop_table(table)
