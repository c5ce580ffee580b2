"""Shared by the scale-out benchmarks: a fresh PostgreSQL database, a Redis queue name, worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from goodwill.actions import do_create_workspace
from goodwill.actions.audit import Acting
from goodwill.store import Store

PG_URL = os.environ.get("GOODWILL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GOODWILL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "bench-key-" + "x" * 40


ANALYZE_EVERY = 30.0  # seconds


@contextmanager
def _statistics_kept(url: str) -> Iterator[None]:
    """On a server running with autovacuum off (this machine's, for its tests), nothing refreshes the planner's
    statistics: a database created empty keeps an empty table's row estimates while millions of rows arrive,
    and the planner scans whole tables for what should be index probes. Do autovacuum's analyze part here,
    every ANALYZE_EVERY seconds, as a production server would on its own. A no-op where autovacuum is on."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        autovacuum = conn.execute(text("SHOW autovacuum")).scalar()
    if autovacuum == "on":
        engine.dispose()
        yield
        return
    print(f"  (the server runs with autovacuum off: this benchmark runs ANALYZE every {ANALYZE_EVERY:.0f} s instead)")
    stopping = threading.Event()

    def analyze() -> None:
        while not stopping.wait(ANALYZE_EVERY):
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))

    thread = threading.Thread(target=analyze, name="analyze", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        thread.join()
        engine.dispose()


@contextmanager
def fresh_postgres() -> Iterator[Store]:
    """A new database on the server, migrated, with workspace `acme`; dropped afterwards. Its statistics are
    kept current while it is used (see `_statistics_kept`)."""
    server = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"goodwill_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store(server.set(database=name).render_as_string(hide_password=False))
    try:
        store.migrate()
        with store.session() as session:
            do_create_workspace(session, slug="acme", name="Acme", acting=Acting.system("bench"))
        with _statistics_kept(store.url):
            yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def environment(store: Store, queue: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GOODWILL_DATABASE_URL": store.url,
        "GOODWILL_REDIS_URL": REDIS_URL,
        "GOODWILL_QUEUE_NAME": queue,
        "GOODWILL_SECRET_KEY": SECRET_KEY,
        "GOODWILL_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
    }


def start_workers(count: int, env: dict[str, str], *, threads: int = 2) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "goodwill", "worker", "--threads", str(threads)]
    return [subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL) for _ in range(count)]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU time a running process (and its reaped children) used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")
