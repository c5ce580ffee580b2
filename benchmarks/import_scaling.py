"""A file import spread over 1 and then 2 workers on PostgreSQL: messages per second and the scaling.

    .venv/bin/python benchmarks/import_scaling.py                      # 1,000,000 messages
    .venv/bin/python benchmarks/import_scaling.py --messages 50000     # a quick run

Writes N inbound messages in goodwill's JSON Lines format (20,000 authors), then for each worker count,
into a fresh PostgreSQL database with a Redis queue of its own: `enqueue_import` (pass 1 checks the whole
file, then queues its chunks; timed apart), starts the `goodwill worker` processes and times until every
chunk is done. Checks that every message was stored once. Baseline in the same run: the one-process import
(`goodwill import`'s library call, triage alongside in a second process) into a fresh database.

Each worker triages its chunk outside the ingest lock and then writes it; batches of one workspace are
written one at a time (PostgreSQL advisory lock), so the scaling comes from triage and parsing running on
both workers while the other one writes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import environment, fresh_postgres, start_workers, stop

from goodwill.actions.audit import Acting
from goodwill.connectors.files.importer import import_file
from goodwill.jobs.imports import enqueue_import, import_status
from goodwill.jobs.queue import Jobs, make_huey
from goodwill.store import Store
from goodwill.store.tables import Message


def messages(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def with_workers(path: Path, count: int, total: int, chunk_bytes: int, tmp: Path) -> tuple[float, float]:
    """(seconds to check and queue, seconds for the workers to store everything)."""
    with fresh_postgres() as store:
        env = environment(store, f"goodwill-bench-{uuid.uuid4().hex[:8]}", tmp)
        jobs = Jobs(store, make_huey(store.url, redis_url=env["GOODWILL_REDIS_URL"], name=env["GOODWILL_QUEUE_NAME"]))
        start = time.perf_counter()
        key = enqueue_import(
            jobs, workspace="acme", fmt="jsonl", path=path, now=datetime.now(UTC), chunk_bytes=chunk_bytes
        )
        queued = time.perf_counter() - start
        start = time.perf_counter()
        workers = start_workers(count, env, threads=1)
        try:
            while True:
                status = import_status(store, key)
                if status["done"] + status["failed"] == status["chunks"]:
                    break
                time.sleep(0.5)
            took = time.perf_counter() - start
        finally:
            stop(workers)
        stored = messages(store)
        assert status["failed"] == 0 and stored == total, f"stored {stored} of {total}: {status}"
        jobs.huey.flush()
        return queued, took


def one_process(path: Path, total: int) -> float:
    with fresh_postgres() as store:
        start = time.perf_counter()
        report = import_file(store, workspace="acme", fmt="jsonl", path=path, acting=Acting.system("bench"))
        took = time.perf_counter() - start
        assert report.result.stored == total
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--chunk-mb", type=float, default=2.0)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    from tests.jobs.world import write_jsonl

    n = args.messages
    print(
        f"import scaling: {n:,} messages on PostgreSQL + Redis; load average {os.getloadavg()[0]:.1f} "
        "(the machine is shared with other work: figures vary between runs)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "messages.jsonl", n, people=20_000)
        rates = {}
        if not args.no_baseline:
            took = one_process(path, n)
            print(f"  baseline, one process (goodwill import): {n / took:>8,.0f} msg/s  ({took:,.1f} s)")
        for count in (1, 2):
            queued, took = with_workers(path, count, n, int(args.chunk_mb * (1 << 20)), Path(tmp))
            rates[count] = n / took
            print(f"  {count} worker(s): {rates[count]:>8,.0f} msg/s  ({took:,.1f} s; check and queue {queued:,.1f} s)")
        print(f"  scaling 1 -> 2 workers: x{rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
