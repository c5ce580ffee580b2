"""Tables for jobs: declared on the shared Base (imported at the end of store/tables.py).

The job queue (huey, on Redis or SQLite) only carries wake-ups: a worker killed after taking a task from the
queue loses that task. What must not be lost lives here, in the database every worker shares, with a lease:
- `job_lease`: named leases. A periodic job's run for one period is the lease `<job>@<period start>`: the
  first worker to take it runs the job, the others skip, and a lease that ran out (its worker died) is taken
  again. Finished runs keep their row (`done_at`), so a period is never run twice.
- `inbound_delivery`: a webhook delivery whose signature was checked, kept until a worker has ingested it.
- `import_chunk`: one part of a file import (a byte range of a JSON Lines file, or a whole file).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.store.tables import Base, Id


class JobLease(Base):
    __tablename__ = "job_lease"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))  # "<host>:<pid>:<thread>" of the worker
    leased_until: Mapped[datetime]
    done_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    __table_args__ = (Index("ix_job_lease_created", "created_at"),)


class InboundDelivery(Base):
    __tablename__ = "inbound_delivery"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    family: Mapped[str] = mapped_column(String(8))  # x | meta | blog: the receiver that checked it
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the raw bytes whose signature was checked
    status: Mapped[str] = mapped_column(String(16))  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    leased_until: Mapped[datetime | None]
    received_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_inbound_delivery_status", "status", "leased_until"),)


class ImportChunk(Base):
    __tablename__ = "import_chunk"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    import_key: Mapped[str] = mapped_column(String(64), index=True)  # one import = the chunks with this key
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    fmt: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)  # every worker reads it: a local or shared path
    start: Mapped[int] = mapped_column(Integer)  # byte range [start, end); end None = to the end of the file
    end: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    leased_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_import_chunk_status", "status", "leased_until"),)
