"""`goodwill serve`: the API, the dashboard and the background jobs in one process.

The jobs run on a thread beside uvicorn: `goodwill.jobs.run_once(store)` every `every` seconds, and at once
when a reply is queued (so a reply leaves within a moment, not within a web request). Stopping the server
stops the thread cleanly: the current round finishes, no new one starts. (The jobs are moving onto huey; this
runner is the embedded stand-in until then and keeps the same contract: idempotent rounds, nothing hidden.)
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

from goodwill import events
from goodwill.store import Store

log = logging.getLogger(__name__)


class JobRunner:
    """Runs `work(store)` every `every` seconds on a daemon thread until `stop()`; `wake()` runs it now."""

    def __init__(self, store: Store, *, every: float = 5.0, work: Callable[[Store], object] | None = None) -> None:
        if every <= 0:
            raise ValueError("the jobs interval is a number of seconds above 0")
        self.store = store
        self.every = every
        self.rounds = 0
        self._work = work or _default_work
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="goodwill-jobs", daemon=True)
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = events.subscribe(events.ReplyQueued, lambda _event: self.wake())
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._work(self.store)
            except Exception:  # a failing round is logged; the next one tries again
                log.exception("background jobs failed")
            self.rounds += 1
            self._wake.wait(self.every)
            self._wake.clear()


def _default_work(store: Store) -> None:
    from goodwill.actions.accounts import purge_expired
    from goodwill.jobs import run_once

    run_once(store)
    with store.session() as session:
        purge_expired(session)


DATABASE_ENV = "GOODWILL_SERVE_DATABASE_URL"


def app_from_env() -> FastAPI:
    """The app of one worker process when `serve(workers=N)` runs several (uvicorn imports this factory)."""
    from goodwill.api.app import create_app

    return create_app(Store(os.environ[DATABASE_ENV]))


def serve(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    jobs_every: float | None = 5.0,
    workers: int = 1,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); `jobs_every=None` runs no background jobs.

    One process by default. `workers` > 1 runs that many web processes on the same port (each with its own
    engine on the same database) and the jobs once, in this process."""
    from goodwill.api.app import create_app

    store.check_schema()
    if workers < 1:
        raise ValueError("workers is a number of processes, 1 or more")
    common: dict[str, Any] = {"host": host, "port": port, "proxy_headers": True, "log_level": "warning"}
    if workers == 1:
        config = uvicorn.Config(create_app(store), access_log=False, **common)
    else:
        os.environ[DATABASE_ENV] = store.url
        config = uvicorn.Config(
            "goodwill.web.server:app_from_env", factory=True, workers=workers, access_log=False, **common
        )
    runner = JobRunner(store, every=jobs_every) if jobs_every else None
    if runner is not None:
        runner.start()
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"  # noqa: S104
    try:
        with _stop_signals_end_quietly():
            _run(config, lambda: on_ready(url) if on_ready else None)
    except _Stopped:
        pass
    finally:
        if runner is not None:
            runner.stop()


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
