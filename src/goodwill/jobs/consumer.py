"""Running the queue: worker threads that take tasks, and a ticker that enqueues the periodic jobs.

`Consumer` is the same in `goodwill worker` (its own process, any number of them) and embedded in
`goodwill serve` (`start_embedded`). It is a small loop over huey's public API (dequeue, execute,
read_schedule) rather than huey's own consumer, for two reasons: the periodic jobs are kept to one run per
period across the fleet by database leases (huey's scheduler enqueues them in every consumer, once a minute
at best), and a graceful stop must be the same on SIGTERM and SIGINT (what systemd, Docker and Ctrl-C send).

Graceful stop: no new task is taken; a running task finishes (long ones, import chunks, stop at their next
batch and give their chunk back); tasks still queued stay queued for the next worker. A worker killed
outright loses at most the wake-up it was running: the database lease behind it runs out and the sweeps
give the work to another worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from goodwill.jobs.queue import Jobs, make_huey
from goodwill.store import Store

log = logging.getLogger(__name__)
TICK = 1.0  # seconds between schedule ticks
IDLE_MAX = 0.5  # longest sleep between polls of an empty SQLite queue (Redis blocks in dequeue instead)


@dataclass
class Consumer:
    jobs: Jobs
    threads: int = 2
    tick: float = TICK
    schedule: bool = True  # tick the periodic schedule (every worker does; leases keep it once per period)
    executed: int = 0
    _threads: list[threading.Thread] = field(default_factory=list)
    _count: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for n in range(self.threads):
            thread = threading.Thread(target=self._work, name=f"goodwill-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.schedule:
            ticker = threading.Thread(target=self._tick, name="goodwill-ticker", daemon=True)
            ticker.start()
            self._threads.append(ticker)

    def stop(self, timeout: float = 60.0) -> bool:
        """Graceful stop: finish the running tasks (up to `timeout` seconds). True if every thread ended."""
        self.jobs.stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def _work(self) -> None:
        idle = 0.01
        while not self.jobs.stopping.is_set():
            try:
                task = self.jobs.huey.dequeue()
            except Exception:
                log.exception("the queue cannot be read; retrying")
                self.jobs.stopping.wait(1.0)
                continue
            if task is None:
                self.jobs.stopping.wait(idle)
                idle = min(idle * 2, IDLE_MAX)
                continue
            idle = 0.01
            self.jobs.huey.execute(task)  # logs a failure; huey re-queues tasks that declare retries
            with self._count:
                self.executed += 1

    def _tick(self) -> None:
        while not self.jobs.stopping.is_set():
            try:
                self.jobs.tick()
            except Exception:
                log.exception("the periodic schedule could not be ticked; retrying")
            self.jobs.stopping.wait(self.tick)


def jobs_for(store: Store) -> Jobs:
    """The tasks over `store` and the configured queue (GOODWILL_REDIS_URL, else SQLite beside the store)."""
    return Jobs(store, make_huey(store.url))


def start_embedded(
    store: Store, *, jobs: Jobs | None = None, threads: int = 2, consume: bool | None = None
) -> Callable[[], None]:
    """Background jobs inside this process (for `goodwill serve`): the task hooks on events, and, unless
    the deployment has its own workers (GOODWILL_REDIS_URL set and `consume` not forced), worker threads and
    the periodic schedule. Returns `stop()`: a graceful stop, then the hooks removed.

    For webhooks to be queued rather than ingested in the request, give the app the same Jobs:
    `jobs = jobs_for(store); app = create_app(store, jobs=jobs); stop = start_embedded(store, jobs=jobs)`."""
    from goodwill.settings import get_settings

    redis_url = get_settings().redis_url
    jobs = jobs or jobs_for(store)
    uninstall = jobs.install()
    consumer = Consumer(jobs, threads=threads) if (consume if consume is not None else not redis_url) else None
    if consumer is not None:
        consumer.start()

    def stop() -> None:
        if consumer is not None:
            consumer.stop()
        uninstall()

    return stop
