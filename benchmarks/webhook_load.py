"""Webhook deliveries at a steady rate against uvicorn, with workers storing them: accepted, stored, lost.

    .venv/bin/python benchmarks/webhook_load.py                          # 500/s for 60 s, 2 workers
    .venv/bin/python benchmarks/webhook_load.py --rate 200 --seconds 20  # a quick run

A fresh PostgreSQL database and a Redis queue of its own; `uvicorn` serving goodwill's app (webhooks
queued: verify the signature, keep the delivery, answer) and N `goodwill worker` processes. Deliveries are
the real recorded X Account Activity payload (../shared/payloads) with ids, sender and text varied, signed
with the channel's consumer secret, sent open-loop (request i is due at i / rate, whatever happened to the
ones before, and its latency counts from then, so a slow server cannot hide behind a slow client).

Reports: requests sent and accepted (HTTP 200), the rate reached, HTTP latency p50/p95/p99; after the
workers drain: messages stored, lost (accepted but not stored: must be 0), and the time from accepted to
stored (p50/p95/p99). Baseline in the same run: the same rate for --baseline-seconds against the app with
no queue, where each request ingests before answering (what the receivers did before).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import SECRET_KEY, cpu_seconds, environment, fresh_postgres, percentile, start_workers, stop

from goodwill.store import Store
from goodwill.store.tables import Message
from goodwill.store.tables_jobs import InboundDelivery


def app():
    """The app uvicorn serves: webhooks queued for the workers (inline when GOODWILL_BENCH_INLINE=1)."""
    from goodwill.api.app import create_app
    from goodwill.jobs.consumer import jobs_for
    from goodwill.store import open_store

    store = open_store()
    return create_app(store, jobs=None if os.environ.get("GOODWILL_BENCH_INLINE") == "1" else jobs_for(store))


@dataclass
class Load:
    sent: int = 0
    accepted: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0


async def drive(url: str, deliveries: list[tuple[bytes, dict[str, str]]], rate: float, limit: int = 256) -> Load:
    load = Load()
    gate = asyncio.Semaphore(limit)
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        start = time.perf_counter()

        async def one(i: int, raw: bytes, headers: dict[str, str]) -> None:
            due = start + i / rate
            async with gate:
                try:
                    response = await client.post(url, content=raw, headers=headers)
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
            load.latencies.append(time.perf_counter() - due)
            if status == "200":
                load.accepted += 1
            else:
                load.refused[status] = load.refused.get(status, 0) + 1

        tasks = []
        for i, (raw, headers) in enumerate(deliveries):
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(i, raw, headers)))
            load.sent += 1
        await asyncio.gather(*tasks)
        load.elapsed = time.perf_counter() - start
    return load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(env: dict[str, str], port: int, web: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.webhook_load:app", "--port", str(port)]
    command += ["--workers", str(web), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("uvicorn did not start")


def messages(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def wait_drained(store: Store, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        with store.reader() as session:
            left = session.scalar(
                select(func.count()).select_from(InboundDelivery).where(InboundDelivery.status == "pending")
            )
        if not left:
            break
        time.sleep(0.5)
    return time.perf_counter() - start


def ingest_latencies(store: Store) -> list[float]:
    with store.reader() as session:
        rows = session.execute(select(InboundDelivery.received_at, InboundDelivery.done_at)).all()
    return [(done - received).total_seconds() for received, done in rows if done is not None]


def report(title: str, load: Load, stored: int, after: list[float] | None, drain: float | None) -> None:
    ms = [x * 1000 for x in load.latencies]
    print(f"{title}")
    print(
        f"  sent {load.sent:,} in {load.elapsed:.1f} s ({load.sent / load.elapsed:,.0f}/s); accepted {load.accepted:,}"
        f" ({load.accepted / load.elapsed:,.0f}/s); refused {load.refused or 0}"
    )
    print(
        f"  HTTP latency ms: p50 {percentile(ms, 50):,.0f}  p95 {percentile(ms, 95):,.0f}"
        f"  p99 {percentile(ms, 99):,.0f}"
    )
    print(f"  stored {stored:,}; lost {load.accepted - stored:,} (accepted but not stored)")
    if after is not None and drain is not None:
        print(
            f"  accepted -> stored s: p50 {percentile(after, 50):.2f}  p95 {percentile(after, 95):.2f}"
            f"  p99 {percentile(after, 99):.2f}; backlog drained {drain:.1f} s after the last request"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--web", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--drain-timeout", type=float, default=600)
    args = parser.parse_args()
    os.environ["GOODWILL_SECRET_KEY"] = SECRET_KEY
    from tests.jobs.world import x_channel, x_delivery

    total = int(args.rate * args.seconds)
    baseline = int(args.rate * args.baseline_seconds)
    deliveries = [x_delivery(n) for n in range(total + baseline)]
    print(
        f"webhook load: {args.rate:,.0f}/s for {args.seconds:.0f} s, {args.web} web process(es), {args.workers} "
        f"worker(s), PostgreSQL + Redis; machine load average {os.getloadavg()[0]:.1f} (shared with other work)"
    )
    with fresh_postgres() as store, tempfile.TemporaryDirectory() as tmp:
        cid = x_channel(store, "acme")
        env = environment(store, f"goodwill-bench-{uuid.uuid4().hex[:8]}", Path(tmp))
        port = free_port()
        url = f"http://127.0.0.1:{port}/webhooks/x/{cid}"
        web = serve(env, port, args.web)
        workers = start_workers(args.workers, env)
        try:
            load = asyncio.run(drive(url, deliveries[:total], args.rate))
            drain = wait_drained(store, args.drain_timeout)
            report(
                "queued (verify, keep, answer; workers ingest)", load, messages(store), ingest_latencies(store), drain
            )
            web_cpu, workers_cpu = cpu_seconds(web), sum(cpu_seconds(w) for w in workers)
            print(
                f"  CPU per delivery: web {web_cpu / total * 1000:.1f} ms, workers {workers_cpu / total * 1000:.1f} ms"
                f" (so one free core serves about {total / web_cpu:,.0f} deliveries/s and stores about"
                f" {total / workers_cpu:,.0f}/s; these include start-up)"
            )
        finally:
            stop([web, *workers])
        if baseline:
            before = messages(store)
            web = serve({**env, "GOODWILL_BENCH_INLINE": "1"}, port, args.web)
            try:
                load = asyncio.run(drive(url, deliveries[total:], args.rate))
            finally:
                stop([web])
            report(
                f"baseline: inline (ingest inside the request), {args.baseline_seconds:.0f} s",
                load,
                messages(store) - before,
                None,
                None,
            )


if __name__ == "__main__":
    main()
