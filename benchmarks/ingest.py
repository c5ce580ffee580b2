"""Ingest throughput on SQLite: goodwill's pipeline end to end beside a raw executemany of the same rows.

    python benchmarks/ingest.py [--messages 200000] [--batch 20000] [--rounds 3] [--skip-in-process]

Generates N messages (threads of 1-6 messages, 1 in 4 answered by the brand, 1 in 10 private; 20,000
authors), then measures, each into its own fresh database file and in a fresh Python process (the same seeded
messages):
  - raw: the same message rows, every column (ids, text, timestamps, detail and raw JSON), into goodwill's
    own message table with its indexes, as one `executemany` in one transaction, straight through sqlite3:
    the floor of what storing these rows costs, with none of the pipeline's work;
  - goodwill, triage alongside: `goodwill.ingest.ingest` (dedupe, identities and people, conversations,
    triage, relationship counters, one transaction per batch) with the next batch classified in a second
    process while the current one is stored (what `goodwill import` does for large files);
  - goodwill, triage in-process, and raw with the columns NULL in every row left out and booleans as 0/1
    (the way goodwill's bulk writer binds them: see goodwill.store.bulk.without_null_columns), once each,
    for comparison.
Raw and alongside are measured in pairs, `--rounds` times (each pair in the other order from the one before),
and each pair's ratio is taken within the pair: the machine's speed drifts over minutes, so a ratio is only
fair between runs a few seconds apart. Prints every pair, then the median of the rounds. For each run also
the CPU time the measuring process spent per message (a steadier figure when other work shares the cores;
the triage worker's CPU is not in it, the thread that checkpoints SQLite's log beside the batches is).
Target (issue 2): >= 10,000 msg/s and >= 1/3 of raw.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from goodwill.actions import do_create_workspace, do_ensure_channel
from goodwill.actions.audit import Acting
from goodwill.domain import Actor, Direction, Kind, NativeRef, Network, NormalisedMessage, ThreadRefs, Visibility
from goodwill.ingest import ChannelRef, ingest
from goodwill.ingest.pipeline import IMPORT_BATCH
from goodwill.store import Store
from goodwill.store.bulk import without_null_columns
from goodwill.store.tables import Message, table_of

MODES = ("raw", "in-process", "alongside", "raw-lean")
WORDS = (
    "order delivery refund app login broken late thanks great love help please still waiting "
    "account card store coffee bike shop support question why when how today again never"
).split()


def generate(n: int, seed: int = 1) -> list[NormalisedMessage]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    messages: list[NormalisedMessage] = []
    next_id = 10**15
    while len(messages) < n:
        author = str(rng.randrange(20_000))
        dm = f"dm-{author}" if rng.random() < 0.1 else None
        at = start + timedelta(seconds=rng.randrange(90 * 86400))
        parent: str | None = None
        for turn in range(rng.randint(1, 6)):
            if len(messages) >= n:
                break
            next_id += rng.randint(1, 1000)
            out = turn % 2 == 1 and rng.random() < 0.5
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30)))
            native = str(next_id)
            messages.append(
                NormalisedMessage(
                    network=Network.X,
                    native=NativeRef(id=native),
                    kind=Kind.OWN if out else Kind.DIRECT if dm else Kind.REPLY if parent else Kind.MENTION,
                    direction=Direction.OUTBOUND if out else Direction.INBOUND,
                    author=Actor(
                        native_id="brand" if out else author,
                        handle="acme" if out else f"user{author}",
                        followers=rng.randrange(5000),
                        is_self=out,
                    ),
                    text=text,
                    created_at=at,
                    visibility=Visibility.DIRECT if dm else Visibility.PUBLIC,
                    thread=ThreadRefs(parent=NativeRef(parent) if parent else None, conversation_id=dm),
                    raw={"id": native, "text": text, "author_id": author, "created_at": at.isoformat()},
                )
            )
            parent = native
            at += timedelta(minutes=rng.randint(1, 600))
    return messages


def bench_goodwill(
    path: Path, messages: list[NormalisedMessage], batch: int, background: bool = False
) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of this process (the triage worker's are not in them)."""
    store = Store(f"sqlite:///{path}")
    store.migrate()
    acting = Acting(label="benchmark")
    with store.session() as session:
        ws = do_create_workspace(session, slug="bench", name="Bench", acting=acting)
        channel = ChannelRef.of(do_ensure_channel(session, ws, network=Network.X, account_id="brand", acting=acting))
    started, cpu = time.perf_counter(), time.process_time()
    result = ingest(store, channel, messages, batch_size=batch, background_triage=background)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.stored == len(messages), result
    store.dispose()
    return elapsed, cpu


def bench_raw(path: Path, messages: list[NormalisedMessage], lean: bool = False) -> tuple[float, float]:
    """The same message rows, every column, into goodwill's own message table (same indexes), one executemany.
    `lean`: with the columns NULL in every row left out and booleans as 0/1, as goodwill's writer binds them
    (shown for comparison, once; the target is against the plain executemany)."""
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")  # no workspace, channel or conversation rows exist here
    columns = (
        "workspace_id, channel_id, conversation_id, identity_id, network, native_id, parent_native_id, "
        "root_native_id, private_conversation_id, direction, kind, visibility, text, text_raw, language, "
        "created_at, received_at, edited_at, is_deleted, is_hidden, metrics, detail, raw, raw_envelope"
    )
    started, cpu = time.perf_counter(), time.process_time()
    now = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}"
    rows = [
        (
            1,
            1,
            1,
            1,
            m.network.value,
            m.native.id,
            m.thread.parent.id if m.thread.parent else None,
            m.thread.root.id if m.thread.root else None,
            m.thread.conversation_id,
            m.direction.value,
            m.kind.value,
            m.visibility.value,
            m.text,
            m.text_raw,
            m.language,
            f"{m.created_at:%Y-%m-%d %H:%M:%S.%f}",
            now,
            None,
            0 if lean else False,
            None,
            None,
            orjson.dumps(m.detail()).decode(),
            orjson.dumps(m.raw).decode(),
            None,
        )
        for m in messages
    ]
    names = tuple(name.strip() for name in columns.split(","))
    if lean:  # the bulk writer's way with NULLs and booleans (goodwill.store.bulk.without_null_columns)
        names, rows = without_null_columns(table_of(Message), names, rows)  # type: ignore[assignment]
    with conn:
        sql = f"INSERT INTO message ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        conn.executemany(sql, rows)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument(
        "--batch", type=int, default=IMPORT_BATCH, help="messages per transaction (default: the import's)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="raw / alongside pairs to measure (default 3)")
    parser.add_argument("--skip-in-process", action="store_true", help="leave out the in-process measurement")
    parser.add_argument("--only", choices=MODES, help=argparse.SUPPRESS)  # one measurement, as JSON (internal)
    args = parser.parse_args()
    if args.only:
        messages = generate(args.messages)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.db"
            if args.only in ("raw", "raw-lean"):
                wall, cpu = bench_raw(path, messages, lean=args.only == "raw-lean")
            else:
                wall, cpu = bench_goodwill(path, messages, args.batch, background=args.only == "alongside")
        print(orjson.dumps({"wall": wall, "cpu": cpu}).decode())
        return
    # Each way in a fresh interpreter (the same generated messages: the generator is seeded), so that none
    # inherits the heap, caches or loaded model of the one before it. Raw and alongside are measured in pairs,
    # `--rounds` times, each pair in turn in the other order, and compared within each pair: this virtual
    # machine's speed drifts by a third over minutes, and one pair taken across a drift says little.
    n = args.messages
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {n:,} messages, batch {args.batch}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )

    def measure(mode: str) -> tuple[float, float]:
        command = [sys.executable, __file__, "--only", mode, "--messages", str(n), "--batch", str(args.batch)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        found = orjson.loads(out.strip().splitlines()[-1])
        return found["wall"], found["cpu"]

    def line(name: str, wall: float, cpu: float, raw: float) -> str:
        return (
            f"{name}: {n / wall:>9,.0f} msg/s  ({wall:.2f} s)  {raw / wall:.2f} of raw  "
            f"| this process's CPU {cpu / n * 1e6:.1f} us/msg"
        )

    ratios, rates = [], []
    for round_ in range(1, args.rounds + 1):
        order = ("raw", "alongside") if round_ % 2 else ("alongside", "raw")
        got = {mode: measure(mode) for mode in order}
        (raw, raw_cpu), (ours, ours_cpu) = got["raw"], got["alongside"]
        ratios.append(raw / ours)
        rates.append(n / ours)
        print(f"round {round_} ({' then '.join(order)})")
        print(line("  raw executemany            ", raw, raw_cpu, raw))
        print(line("  goodwill, triage alongside ", ours, ours_cpu, raw))
    if not args.skip_in_process:
        serial, serial_cpu = measure("in-process")
        print(line("goodwill, triage in-process (once; raw of the last round)", serial, serial_cpu, raw))
        lean, lean_cpu = measure("raw-lean")
        print(
            line("raw, NULL-only columns left out and 0/1 booleans as goodwill binds them (once)", lean, lean_cpu, raw)
        )
    print(
        f"median of {args.rounds} round(s), triage alongside as `goodwill import` runs it: "
        f"{statistics.median(rates):,.0f} msg/s, {statistics.median(ratios):.2f} of raw "
        f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    print("targets: >= 10,000 msg/s end to end and >= 0.33 of raw (the import path triages alongside)")


if __name__ == "__main__":
    main()
