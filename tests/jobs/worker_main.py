"""Workers for the kill -9 tests, forked from a zygote that has imported goodwill once (a fresh interpreter
costs seconds on a loaded machine; a fork costs milliseconds, and it is still a real process to kill).

Each worker is the real Consumer over the test's store and queue, its clock moved ahead by `ahead` minutes
(so the leases of the workers killed before it have run out, as after a real wait), with a driver that keeps
waking the scenario's work. The zygote opens no connection before forking, so a child shares none.

    python -m tests.jobs.worker_main      then, on stdin, one line per worker:
    spawn DATABASE_URL QUEUE_NAME AHEAD_MINUTES SCENARIO CHANNEL_ID   ->  stdout: "ready <pid>"
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta


def worker(url: str, queue_name: str, ahead: float, scenario: str, channel_id: int) -> None:
    from goodwill.jobs.consumer import Consumer
    from goodwill.jobs.queue import Jobs, make_huey
    from goodwill.store import Store

    shift = timedelta(minutes=ahead)
    store = Store(url)
    huey = make_huey(url, redis_url=os.environ.get("GOODWILL_REDIS_URL") or "", name=queue_name)
    jobs = Jobs(store, huey, clock=lambda: datetime.now(UTC) + shift)
    Consumer(jobs, threads=2, tick=0.2).start()
    print(f"ready {os.getpid()}", flush=True)
    while True:
        if scenario == "send":
            jobs.send()
        elif scenario == "sync":
            jobs.sync(channel_id)
        time.sleep(0.1)


def zygote() -> None:
    import goodwill.api.webhooks
    import goodwill.connectors.channels
    import goodwill.jobs.consumer
    import goodwill.jobs.deliveries
    import goodwill.jobs.imports  # noqa: F401
    from goodwill import triage
    from tests.jobs import feed

    feed.register()
    triage.classify(["warm the model up before forking"])
    print("zygote ready", flush=True)
    for line in sys.stdin:
        while True:  # reap the workers killed so far
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        command, url, queue_name, ahead, scenario, channel_id = line.split()
        assert command == "spawn"
        if os.fork() == 0:
            try:
                worker(url, queue_name, float(ahead), scenario, int(channel_id))
            finally:
                os._exit(1)


if __name__ == "__main__":
    zygote()
