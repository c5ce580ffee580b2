"""Alembic environment. goodwill runs migrations in-process (goodwill.store.migrate), passing a connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from goodwill.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through goodwill.store.migrate, which supplies a connection")
run_migrations(connection)
