"""Publishing: post deliveries (a scheduled post on its way to the network) and queue time slots.

Revision ID: 0005_publishing
Revises: 0004_relationships
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# BIGINT ids; SQLite only auto-increments INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

revision = "0005_publishing"
down_revision = "0004_relationships"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "post_delivery",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("post_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("platform_error", sa.JSON(), nullable=True),
        sa.Column("native_id", sa.String(length=400), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        _fk("post_delivery", "channel_id", "channel"),
        _fk("post_delivery", "post_id", "post"),
        _fk("post_delivery", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_delivery")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_post_delivery_idempotency_key")),
        sa.UniqueConstraint("post_id", name=op.f("uq_post_delivery_post_id")),
    )
    with op.batch_alter_table("post_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_post_delivery_due", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "post_slot",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("post_slot", "channel_id", "channel"),
        _fk("post_slot", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_slot")),
        sa.UniqueConstraint("channel_id", "weekday", "minute", name=op.f("uq_post_slot_channel_id_weekday_minute")),
    )
    with op.batch_alter_table("post_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_slot_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    for table in ("post_slot", "post_delivery"):
        op.drop_table(table)
