"""Tables for scale-out (job bookkeeping, data requests).

Revision ID: 0008_jobs
Revises: 0007_web
"""

from __future__ import annotations

revision = "0008_jobs"
down_revision = "0007_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
