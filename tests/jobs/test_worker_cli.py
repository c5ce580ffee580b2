"""`goodwill worker` as an operator runs it: SIGTERM finishes the running task or gives it back, then exits 0;
`goodwill jobs` and `goodwill enqueue-import` through the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from goodwill.jobs.queue import Jobs, make_huey
from goodwill.store import Store
from goodwill.store.tables import Message
from goodwill.store.tables_jobs import ImportChunk
from tests.cli import goodwill
from tests.jobs.world import run_until, write_jsonl

pytestmark = pytest.mark.slow


def messages(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def chunk(store: Store) -> ImportChunk:
    with store.reader() as session:
        row = session.scalars(select(ImportChunk)).one()
        session.expunge(row)
        return row


def test_sigterm_lets_the_running_import_finish_its_batch_and_give_the_rest_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    goodwill(tmp_path, "init", "--workspace", "acme")
    path = write_jsonl(tmp_path / "big.jsonl", 6000)  # one chunk of three batches of 2,000
    queued = goodwill(tmp_path, "enqueue-import", str(path), "--format", "jsonl", "--workspace", "acme")
    assert "queued" in queued.stdout
    store = Store(f"sqlite:///{data / 'goodwill.db'}")
    env = {**os.environ, "GOODWILL_DATA_DIR": str(data)}
    env.pop("GOODWILL_DATABASE_URL", None)
    env.pop("GOODWILL_REDIS_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "goodwill", "worker", "--threads", "1", "--no-schedule"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while chunk(store).leased_until is None and time.monotonic() < deadline:  # the worker took the chunk
        time.sleep(0.05)
    assert chunk(store).attempts == 1
    worker.send_signal(signal.SIGTERM)
    _out, err = worker.communicate(timeout=300)
    assert worker.returncode == 0, err
    assert "SIGTERM: finishing the running tasks" in err
    row, stored = chunk(store), messages(store)
    if row.status == "done":  # it was on its last batch
        assert stored == 6000
    else:  # given back at a batch boundary, for the next worker at once
        assert row.status == "pending" and row.leased_until is None and stored % 2000 == 0 and stored < 6000
        assert make_huey(store.url).pending_count() >= 1
        done = goodwill(tmp_path, "jobs", "--json")
        assert '"pending": 1' in done.stdout
        jobs = Jobs(store, make_huey(store.url))  # the next worker: takes the chunk back at once
        assert run_until(jobs, lambda: chunk(store).status == "done", timeout=600) >= 1
    assert messages(store) == 6000 and chunk(store).status == "done"
    store.dispose()


def test_an_idle_worker_stops_at_once_on_sigint(tmp_path: Path) -> None:
    goodwill(tmp_path, "init")
    env = {**os.environ, "GOODWILL_DATA_DIR": str(tmp_path / "data")}
    env.pop("GOODWILL_DATABASE_URL", None)
    env.pop("GOODWILL_REDIS_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "goodwill", "worker"], env=env, stderr=subprocess.PIPE, text=True)
    assert worker.stderr is not None
    assert "Worker ready" in worker.stderr.readline()
    time.sleep(1.5)  # a tick or two of the periodic schedule
    worker.send_signal(signal.SIGINT)
    assert worker.wait(timeout=60) == 0
    status = goodwill(tmp_path, "jobs", "--json").stdout
    assert '"job": "sla"' in status and '"queue": "SqliteHuey"' in status
