"""Tables for scale-out: named leases (periodic runs), inbound webhook deliveries, import chunks.

Revision ID: 0008_jobs
Revises: 0007_web
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# BIGINT ids; SQLite only auto-increments INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

revision = "0008_jobs"
down_revision = "0007_web"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _work_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("leased_until", TS, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "job_lease",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("leased_until", TS, nullable=False),
        sa.Column("done_at", TS, nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_lease")),
    )
    with op.batch_alter_table("job_lease", schema=None) as batch_op:
        batch_op.create_index("ix_job_lease_created", ["created_at"], unique=False)
    op.create_table(
        "inbound_delivery",
        sa.Column("id", ID, nullable=False),
        sa.Column("family", sa.String(length=8), nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        *_work_columns(),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("done_at", TS, nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _fk("inbound_delivery", "channel_id", "channel"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_delivery")),
    )
    with op.batch_alter_table("inbound_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_delivery_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index("ix_inbound_delivery_status", ["status", "leased_until"], unique=False)
    op.create_table(
        "import_chunk",
        sa.Column("id", ID, nullable=False),
        sa.Column("import_key", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("fmt", sa.String(length=32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=True),
        *_work_columns(),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("done_at", TS, nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _fk("import_chunk", "workspace_id", "workspace"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_chunk")),
    )
    with op.batch_alter_table("import_chunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_chunk_import_key"), ["import_key"], unique=False)
        batch_op.create_index("ix_import_chunk_status", ["status", "leased_until"], unique=False)


def downgrade() -> None:
    for table in ("import_chunk", "inbound_delivery", "job_lease"):
        op.drop_table(table)
