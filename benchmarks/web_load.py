"""Dashboard speed under load: the inbox page of the demo world with 20 concurrent users.

Builds the demo world (or reuses `--database`), gives its team a password, starts `goodwill serve` in its own
process (jobs on, as in production), signs 20 users in (a session each), then runs, in the same run:

- baseline: GET /healthz (no session, no database, no template) by the same 20 users;
- inbox, one user alone: what one request costs when nothing else is asked (the floor under the rest);
- inbox, closed loop: each user requests /inbox again as soon as the last answer arrives (no think time:
  20 requests are always in flight, the harshest reading of "20 concurrent users");
- inbox, paced: each user loads the inbox about once a second (`--think`, jittered), which is still far
  busier than 20 people working an inbox.

Prints requests/s and p50/p95/p99/max latency per phase, measured by an async httpx client in this process
(its own overhead is in the figures), and whether the inbox met p95 < 100 ms. Target: issue 11.

    nice -n 10 .venv/bin/python benchmarks/web_load.py
    nice -n 10 .venv/bin/python benchmarks/web_load.py --users 20 --seconds 20 --database /tmp/demo.db
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "benchmark password"
TARGET_MS = 100.0


def prepare(path: Path) -> list[str]:
    """The demo world at `path` (built when missing), every teammate with PASSWORD; returns their e-mails."""
    from sqlalchemy import select

    from goodwill.actions.accounts import do_set_password
    from goodwill.actions.audit import CLI
    from goodwill.demo import build_world
    from goodwill.jobs.inbox import process_pending
    from goodwill.store import open_store
    from goodwill.store.tables import Teammate

    store = open_store(f"sqlite:///{path}", migrate_schema=True)
    if not path.with_suffix(".built").exists():
        started = time.perf_counter()
        build_world(store)
        process_pending(store)
        path.with_suffix(".built").touch()
        print(f"demo world built in {time.perf_counter() - started:.0f} s")
    with store.session() as session:
        team = list(session.scalars(select(Teammate).order_by(Teammate.id)))
        for mate in team:
            do_set_password(session, mate, PASSWORD, acting=CLI)
        emails = [m.email for m in team]
    store.dispose()
    return emails


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "goodwill", "serve", "--port", str(port), "-d", url, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


async def sign_in(base: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    form = (await client.get("/login")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf, "no login form"
    done = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf.group(1)})
    if done.status_code != 303:
        raise SystemExit(f"sign-in of {email} failed: {done.status_code}")
    return client


async def phase(clients: list[httpx.AsyncClient], path: str, seconds: float, think: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    rng = random.Random(1)

    async def user(client: httpx.AsyncClient) -> None:
        nonlocal errors
        if think:
            await asyncio.sleep(rng.uniform(0, think))
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await client.get(path)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors += 1
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    began = time.perf_counter()
    await asyncio.gather(*(user(c) for c in clients))
    elapsed = time.perf_counter() - began
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "max": max(latencies),
        "errors": errors,
    }


async def run(base: str, emails: list[str], users: int, seconds: float, think: float, workers: int) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    clients = [await sign_in(base, emails[i % len(emails)]) for i in range(users)]
    await phase(clients, "/inbox", 3, 0)  # warm-up: templates compiled, caches filled
    results = [
        ("baseline /healthz, closed loop", await phase(clients, "/healthz", seconds, 0)),
        ("inbox, one user alone", await phase(clients[:1], "/inbox", seconds / 3, 0)),
        ("inbox, closed loop", await phase(clients, "/inbox", seconds, 0)),
        (f"inbox, paced (~{think:g} s think)", await phase(clients, "/inbox", seconds, think)),
    ]
    serve = f"`goodwill serve --workers {workers}`"
    print(f"\n{users} concurrent users, {seconds:g} s per phase, {serve}, {os.cpu_count()} CPUs")
    print(f"load average before the run (the machine is shared): {load}")
    print(f"{'phase':<34}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for name, r in results:
        print(
            f"{name:<34}{r['requests']:>9.0f}{r['rps']:>8.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
            f"{r['p99']:>9.1f}{r['max']:>9.1f}{r['errors']:>8.0f}"
        )
    for name, r in results[2:]:
        print(
            f"{name}: p95 {r['p95']:.1f} ms {'meets' if r['p95'] < TARGET_MS else 'misses'} the {TARGET_MS:g} ms target"
        )
    for c in clients:
        await c.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a paced user's requests")
    parser.add_argument("--workers", type=int, default=1, help="`goodwill serve --workers`")
    parser.add_argument("--database", type=Path, help="SQLite file for the demo world (built once, then reused)")
    args = parser.parse_args()
    path = args.database or Path(tempfile.mkdtemp(prefix="goodwill-web-load-")) / "demo.db"
    emails = prepare(path)
    port = free_port()
    server = start_server(f"sqlite:///{path}", port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(run(base, emails, args.users, args.seconds, args.think, args.workers))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
