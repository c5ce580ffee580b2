"""What the fleet has to do, read from the queue and the database (`goodwill jobs`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from goodwill.store import Store
from goodwill.store.tables_jobs import ImportChunk, InboundDelivery, JobLease


def fleet_status(store: Store) -> dict[str, Any]:
    from goodwill.jobs.queue import make_huey

    huey = make_huey(store.url)
    with store.reader() as session:
        deliveries = {
            s: n
            for s, n in session.execute(select(InboundDelivery.status, func.count()).group_by(InboundDelivery.status))
        }
        chunks = {
            s: n for s, n in session.execute(select(ImportChunk.status, func.count()).group_by(ImportChunk.status))
        }
        leases = list(
            session.scalars(
                select(JobLease).where(JobLease.key.contains("@")).order_by(JobLease.created_at.desc()).limit(200)
            )
        )
    latest: dict[str, JobLease] = {}
    for lease in leases:
        latest.setdefault(lease.key.split("@")[0], lease)
    return {
        "queue": type(huey).__name__,
        "queued": int(huey.pending_count()),
        "deliveries": {s: int(deliveries.get(s, 0)) for s in ("pending", "done", "failed")},
        "imports": {s: int(chunks.get(s, 0)) for s in ("pending", "done", "failed")},
        "periodic": [
            {
                "job": job,
                "period": lease.key.split("@", 1)[1],
                "holder": lease.holder,
                "done": lease.done_at is not None,
            }
            for job, lease in sorted(latest.items())
        ],
    }
