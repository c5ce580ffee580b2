"""`goodwill serve`: the API, the dashboard and the background jobs in one process.

The jobs run in this process on the embedded huey consumer (goodwill.jobs.consumer.start_embedded): worker
threads for the tasks (a queued reply is sent at once, webhook deliveries are kept and ingested off the
request, the inbox job after each batch) and the periodic schedule (SLA, publishing, relationship states,
sweeps). With GOODWILL_REDIS_URL set the deployment has its own `goodwill worker` processes and this one only
enqueues. Stopping the server stops the consumer gracefully: running tasks finish, none start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI

from goodwill.store import Store

log = logging.getLogger(__name__)


DATABASE_ENV = "GOODWILL_SERVE_DATABASE_URL"
JOBS_ENV = "GOODWILL_SERVE_JOBS"  # "1": the web processes queue work for the jobs (serve's run_jobs)


def app_from_env() -> FastAPI:
    """The app of one web process when `serve(workers=N)` runs several (uvicorn imports this factory).

    With jobs on, it is built as the single process's app is: webhook deliveries are kept and queued (not
    ingested in the request), and the task hooks are installed, so a reply queued here is sent at once and a
    batch stored here wakes the inbox job. The tasks themselves run in serve's own process (SQLite queue) or
    in the deployment's workers (Redis), never in a web process."""
    from goodwill.api.app import create_app

    store = Store(os.environ[DATABASE_ENV])
    if os.environ.get(JOBS_ENV) != "1":
        return create_app(store)
    from goodwill.jobs.consumer import jobs_for

    jobs = jobs_for(store)
    uninstall = jobs.install()  # for the life of the process
    app = create_app(store, jobs=jobs)
    app.state.uninstall_hooks = uninstall  # for a caller that outlives the app (tests)
    return app


def serve(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    run_jobs: bool = True,
    workers: int = 1,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); `run_jobs=False` runs no background jobs here.

    One process by default. `workers` > 1 runs that many web processes on the same port (each with its own
    engine on the same database) and the jobs once, in this process."""
    from goodwill.api.app import create_app

    store.check_schema()
    if workers < 1:
        raise ValueError("workers is a number of processes, 1 or more")
    common: dict[str, Any] = {"host": host, "port": port, "proxy_headers": True, "log_level": "warning"}
    jobs = None
    if run_jobs:
        from goodwill.jobs.consumer import jobs_for

        jobs = jobs_for(store)
    if workers == 1:
        config = uvicorn.Config(create_app(store, jobs=jobs), access_log=False, **common)
    else:
        os.environ[DATABASE_ENV] = store.url
        os.environ[JOBS_ENV] = "1" if run_jobs else "0"
        config = uvicorn.Config(
            "goodwill.web.server:app_from_env", factory=True, workers=workers, access_log=False, **common
        )
    stop_jobs: Callable[[], None] | None = None
    if jobs is not None:
        from goodwill.jobs.consumer import start_embedded

        stop_jobs = start_embedded(store, jobs=jobs)
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"  # noqa: S104
    try:
        with _stop_signals_end_quietly():
            _run(config, lambda: on_ready(url) if on_ready else None)
    except _Stopped:
        pass
    finally:
        if stop_jobs is not None:
            stop_jobs()


def _run(config: uvicorn.Config, ready: Callable[[], None]) -> None:
    """Run uvicorn; `ready` is called once the socket is listening (so a port in use prints no address)."""
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        sock = config.bind_socket()  # raises here when the port is taken
        ready()
        Multiprocess(config, sockets=[sock]).run()
        return
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready()

    threading.Thread(target=announce, name="goodwill-ready", daemon=True).start()
    server.run()


class _Stopped(Exception):
    """uvicorn re-raises the signal that stopped it once it has shut down; here that means a clean exit."""


@contextlib.contextmanager
def _stop_signals_end_quietly() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stopped(_sig: int, _frame: object) -> None:
        raise _Stopped()

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
