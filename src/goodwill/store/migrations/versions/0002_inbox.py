"""The inbox: conversation workflow columns and indexes, activity timeline, notifications, tags, seats for
automatic assignment, the collision lock, SLA policies, rules, VIP lists and the reply outbox.

Revision ID: 0002_inbox
Revises: 0001_initial
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

# BIGINT ids; SQLite only auto-increments INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

revision = "0002_inbox"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# most urgent first: needs_reply DESC, priority DESC, last_inbound_at, id (goodwill.inbox.queries.URGENT_ORDER)
URGENT: list[str | sa.ColumnElement[Any]] = [
    sa.column("needs_reply").desc(),
    sa.column("priority").desc(),
    "last_inbound_at",
    "id",
]
VISIBLE = sa.column("is_hidden") == sa.false()  # the queries say `is_hidden = false` too


def _fk(table: str, column: str, target: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _conversation_columns() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", TS, nullable=True))
        batch_op.add_column(sa.Column("is_hidden", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("intent", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", TS, nullable=True))
        batch_op.add_column(sa.Column("sla_target", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("sla_due_at", TS, nullable=True))
        batch_op.add_column(sa.Column("sla_warn_at", TS, nullable=True))
        batch_op.add_column(sa.Column("sla_breached_at", TS, nullable=True))
        batch_op.add_column(sa.Column("inbox_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("rules_through_id", ID, server_default="0", nullable=False))
        batch_op.create_index("ix_conversation_pending", ["inbox_pending"], unique=False)
        batch_op.create_index("ix_conversation_sla_due", ["status", "sla_due_at"], unique=False)
    # The inbox's hot pages: the page's equality filters, then its order as the query sorts it, over visible
    # conversations (goodwill.inbox.queries). Outside the batch: the DESC parts are expressions.
    for name, lead in (("urgent", []), ("assignee", ["assignee_id"]), ("intent", ["intent"])):
        op.create_index(
            f"ix_conversation_{name}",
            "conversation",
            ["workspace_id", *lead, "status", *URGENT],
            unique=False,
            sqlite_where=VISIBLE,
            postgresql_where=VISIBLE,
        )


def _timeline_tables() -> None:
    op.create_table(
        "activity",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("activity", "actor_id", "teammate", None),
        _fk("activity", "conversation_id", "conversation"),
        _fk("activity", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_conversation_created", ["conversation_id", "created_at"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("teammate_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("activity_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        _fk("notification", "activity_id", "activity"),
        _fk("notification", "conversation_id", "conversation"),
        _fk("notification", "teammate_id", "teammate"),
        _fk("notification", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_teammate_read", ["teammate_id", "read_at"], unique=False)
    op.create_table(
        "conversation_tag",
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        _fk("conversation_tag", "conversation_id", "conversation"),
        sa.PrimaryKeyConstraint("conversation_id", "tag", name=op.f("pk_conversation_tag")),
    )
    with op.batch_alter_table("conversation_tag", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_tag_tag", ["tag"], unique=False)


def _team_tables() -> None:
    op.create_table(
        "seat",
        sa.Column("teammate_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("last_assigned_at", TS, nullable=True),
        _fk("seat", "teammate_id", "teammate"),
        _fk("seat", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("teammate_id", name=op.f("pk_seat")),
    )
    op.create_table(
        "conversation_lock",
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("teammate_id", ID, nullable=False),
        sa.Column("acquired_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        _fk("conversation_lock", "conversation_id", "conversation"),
        _fk("conversation_lock", "teammate_id", "teammate"),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_lock")),
    )


def _policy_tables() -> None:
    op.create_table(
        "sla_policy",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("ack_minutes", sa.Integer(), nullable=True),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("escalate_priority", sa.Integer(), nullable=True),
        sa.Column("escalate_to_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("sla_policy", "escalate_to_id", "teammate", "SET NULL"),
        _fk("sla_policy", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("workspace_id", "intent", name=op.f("uq_sla_policy_workspace_id_intent")),
    )
    op.create_table(
        "rule",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("rule", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule")),
    )
    with op.batch_alter_table("rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_workspace_id"), ["workspace_id"], unique=False)
    op.create_table(
        "vip_entry",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("list_name", sa.String(length=64), nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("vip_entry", "person_id", "person"),
        _fk("vip_entry", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_entry")),
        sa.UniqueConstraint(
            "workspace_id", "list_name", "person_id", name=op.f("uq_vip_entry_workspace_id_list_name_person_id")
        ),
    )
    with op.batch_alter_table("vip_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vip_entry_person_id"), ["person_id"], unique=False)


def _outbox_table() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("in_reply_to_id", ID, nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("platform_error", sa.JSON(), nullable=True),
        sa.Column("native_id", sa.String(length=400), nullable=True),
        sa.Column("message_id", ID, nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        _fk("outbox", "channel_id", "channel"),
        _fk("outbox", "conversation_id", "conversation"),
        _fk("outbox", "created_by_id", "teammate", None),
        _fk("outbox", "in_reply_to_id", "message", None),
        _fk("outbox", "message_id", "message", None),
        _fk("outbox", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)


def upgrade() -> None:
    _conversation_columns()
    _timeline_tables()
    _team_tables()
    _policy_tables()
    _outbox_table()


def downgrade() -> None:
    for table in ("outbox", "vip_entry", "rule", "sla_policy", "conversation_lock", "seat", "conversation_tag"):
        op.drop_table(table)
    op.drop_table("notification")
    op.drop_table("activity")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        for index in ("sla_due", "pending", "intent", "assignee", "urgent"):
            batch_op.drop_index(f"ix_conversation_{index}")
        for column in (
            "rules_through_id",
            "inbox_pending",
            "sla_breached_at",
            "sla_warn_at",
            "sla_due_at",
            "sla_target",
            "waiting_since",
            "intent",
            "is_hidden",
            "snoozed_until",
        ):
            batch_op.drop_column(column)
