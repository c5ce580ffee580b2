"""`goodwill worker` (run background jobs until stopped), `goodwill jobs` (what is queued and running),
`goodwill enqueue-import` (an import spread over the workers)."""

from __future__ import annotations

import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from goodwill.cli.app import (
    DatabaseOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    checked_store,
    err,
    out,
    print_json,
    workspace_slug,
)


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, max=64, help="Tasks run at once in this process.")] = 2,
    schedule: Annotated[
        bool, typer.Option(help="Tick the periodic schedule (safe on every worker: one run per period).")
    ] = True,
    database: DatabaseOpt = None,
) -> None:
    """Run background jobs until SIGTERM or Ctrl-C: webhook deliveries, syncs, imports, sending, SLA checks.

    Start any number, on any machine, with the same GOODWILL_DATABASE_URL and GOODWILL_REDIS_URL. The first
    SIGTERM or Ctrl-C stops gracefully (running tasks finish, queued ones stay queued); a second one exits
    at once (what was running is redone by another worker when its lease runs out)."""
    from goodwill.jobs.consumer import Consumer, jobs_for

    store = checked_store(database)
    jobs = jobs_for(store)
    consumer = Consumer(jobs, threads=threads, schedule=schedule)
    signals = {"count": 0}

    def on_signal(number: int, _frame: Any) -> None:
        signals["count"] += 1
        if signals["count"] > 1:
            err.print("Stopping at once.")
            sys.exit(1)
        err.print(f"{signal.Signals(number).name}: finishing the running tasks (again to stop at once)...")
        jobs.stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    uninstall = jobs.install()
    consumer.start()
    queue = type(jobs.huey).__name__
    err.print(f"Worker ready: {threads} thread(s) on {queue}, database {store.engine.url.render_as_string()}.")
    while not jobs.stopping.wait(0.5):
        pass
    clean = consumer.stop(timeout=120)
    uninstall()
    err.print(f"Stopped after {consumer.executed} task(s)" + ("." if clean else "; some were still running."))


@app.command("jobs")
def jobs_status(database: DatabaseOpt = None, json: JsonOpt = False) -> None:
    """What the workers have to do: queued tasks, webhook deliveries, import chunks, the last periodic runs."""
    from goodwill.jobs.status import fleet_status

    status = fleet_status(checked_store(database))
    if json:
        print_json(status)
        return
    out.print(f"Queue: {status['queue']} ({status['queued']} task(s) waiting)")
    d, c = status["deliveries"], status["imports"]
    out.print(f"Webhook deliveries: {d['pending']} pending, {d['failed']} failed, {d['done']} done")
    out.print(f"Import chunks: {c['pending']} pending, {c['failed']} failed, {c['done']} done")
    for run in status["periodic"]:
        out.print(f"  {run['job']:<14} last run for {run['period']} by {run['holder']}")


@app.command("enqueue-import")
def enqueue_import_(
    path: Annotated[Path, typer.Argument(help="The file; every worker must be able to read this path.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="A format of `goodwill import` (jsonl is split).")],
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Check a file, then queue its import for the workers (a JSON Lines file is cut into parts that any
    worker takes). `goodwill jobs` shows the progress."""
    from goodwill.jobs.consumer import jobs_for
    from goodwill.jobs.imports import enqueue_import

    jobs = jobs_for(checked_store(database))
    key = enqueue_import(jobs, workspace=workspace_slug(workspace), fmt=fmt, path=path, now=datetime.now(UTC))
    out.print(f"Import {key} queued.")
