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
from typing import Any

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import SECRET_KEY, environment, fresh_postgres, percentile, start_workers, stop

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
    cpu: float = 0.0  # the client's own CPU seconds


def requests_for(path: str, port: int, deliveries: list[tuple[bytes, dict[str, str]]]) -> list[bytes]:
    """Each delivery as the bytes of one keep-alive HTTP/1.1 request, built (and signed) before the clock starts."""
    built = []
    for raw, headers in deliveries:
        head = f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-length: {len(raw)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        built.append(head.encode() + b"\r\n" + raw)
    return built


async def drive(port: int, requests: list[bytes], rate: float, connections: int = 64) -> Load:
    """Open loop over `connections` keep-alive connections (raw asyncio streams: the client must cost far
    less CPU than the server). Request i is due at i / rate and goes out on connection i % connections as
    soon as that connection is free; its latency counts from when it was due."""
    load = Load()
    cpu = time.process_time()
    start = time.perf_counter() + 0.2

    async def connection(first: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in range(first, len(requests), connections):
                due = start + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(requests[i])
                load.sent += 1
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12].decode()
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                load.latencies.append(time.perf_counter() - due)
                if status == "200":
                    load.accepted += 1
                else:
                    load.refused[status] = load.refused.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(c) for c in range(min(connections, len(requests)))))
    load.elapsed = time.perf_counter() - start
    load.cpu = time.process_time() - cpu
    return load


def run(coroutine: Any) -> Any:
    """asyncio.run on uvloop when it is installed (what uvicorn uses too)."""
    try:
        import uvloop  # type: ignore[import-not-found]
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


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


def ingest_latencies(store: Store, after_id: int) -> list[float]:
    with store.reader() as session:
        rows = session.execute(
            select(InboundDelivery.received_at, InboundDelivery.done_at).where(InboundDelivery.id > after_id)
        ).all()
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


@dataclass
class Cpu:
    """CPU seconds used so far by every process on the delivery path (Linux /proc)."""

    client: float
    web: float
    workers: float
    postgres: float  # the backends serving this run's database (the server's shared processes not counted)
    redis: float  # the whole server (other users of the same server would count here too)

    @property
    def total(self) -> float:
        return self.client + self.web + self.workers + self.postgres + self.redis

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(*(getattr(self, f) - getattr(other, f) for f in ("client", "web", "workers", "postgres", "redis")))


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and its live descendants (uvicorn --workers N runs its workers as children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu_seconds_of(pid) for pid in tree)


def cpu_seconds_of(pid: int) -> float:
    fields = _stat(pid)
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def sample_cpu(store: Store, web: subprocess.Popen[bytes], workers: list[subprocess.Popen[bytes]]) -> Cpu:
    with store.reader() as session:
        backends = session.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).all()
    return Cpu(
        client=time.process_time(),
        web=tree_cpu(web.pid),
        workers=sum(tree_cpu(w.pid) for w in workers),
        postgres=sum(cpu_seconds_of(pid) for pid in backends),
        redis=sum(cpu_seconds_of(pid) for pid in pids_named("redis-server")),
    )


def report_cpu(used: Cpu, count: int, rate: float, wall: float) -> None:
    """Each process's CPU per delivery, the whole path's, and whether `rate` fits the machine's cores."""
    per = {name: getattr(used, name) / count * 1000 for name in ("client", "web", "workers", "postgres", "redis")}
    total = used.total / count * 1000
    cores = os.cpu_count() or 1
    print(
        "  CPU ms per delivery (from the first request to the backlog stored): "
        + ", ".join(f"{name} {ms:.2f}" for name, ms in per.items())
        + f"; whole path {total:.2f} ms"
    )
    print(
        f"  budget: {rate:,.0f}/s x {total:.2f} ms = {rate * total / 1000:.2f} cores of this machine's {cores}"
        f" ({'fits' if rate * total / 1000 < cores else 'does not fit'}); at 100% of {cores} cores the path"
        f" stores at most {cores * 1000 / total:,.0f}/s; used {used.total / wall:.2f} cores on average over"
        f" {wall:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--web", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=64, help="the load client's keep-alive connections")
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--drain-timeout", type=float, default=600)
    args = parser.parse_args()
    os.environ["GOODWILL_SECRET_KEY"] = SECRET_KEY
    from tests.jobs.world import x_channel, x_delivery

    total = int(args.rate * args.seconds)
    baseline = int(args.rate * args.baseline_seconds)
    warm = 200
    deliveries = [x_delivery(n) for n in range(total + baseline + warm)]
    print(
        f"webhook load: {args.rate:,.0f}/s for {args.seconds:.0f} s, {args.web} web process(es), {args.workers} "
        f"worker(s), PostgreSQL + Redis; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)"
    )
    with fresh_postgres() as store, tempfile.TemporaryDirectory() as tmp:
        cid = x_channel(store, "acme")
        env = environment(store, f"goodwill-bench-{uuid.uuid4().hex[:8]}", Path(tmp))
        port = free_port()
        path = f"/webhooks/x/{cid}"
        requests = requests_for(path, port, deliveries)
        web = serve(env, port, args.web)
        workers = start_workers(args.workers, env)
        try:
            run(drive(port, requests[total + baseline :], 100, connections=8))  # warm up: caches, first batches
            wait_drained(store, args.drain_timeout)
            before_messages, before = messages(store), sample_cpu(store, web, workers)
            with store.reader() as session:
                warm_id = int(session.scalar(select(func.max(InboundDelivery.id))) or 0)
            began = time.perf_counter()
            load = run(drive(port, requests[:total], args.rate, connections=args.connections))
            drain = wait_drained(store, args.drain_timeout)
            used = sample_cpu(store, web, workers) - before
            wall = time.perf_counter() - began
            stored = messages(store) - before_messages
            report(
                "queued (verify, keep, answer; workers ingest)", load, stored, ingest_latencies(store, warm_id), drain
            )
            report_cpu(used, total, args.rate, wall)
            print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            stop([web, *workers])
        if baseline:
            before_messages = messages(store)
            web = serve({**env, "GOODWILL_BENCH_INLINE": "1"}, port, args.web)
            try:
                load = run(drive(port, requests[total : total + baseline], args.rate, connections=args.connections))
            finally:
                stop([web])
            title = f"baseline: inline (ingest inside the request), {args.baseline_seconds:.0f} s"
            report(title, load, messages(store) - before_messages, None, None)


if __name__ == "__main__":
    main()
