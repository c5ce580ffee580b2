"""Relationship states for 100,000 people and 1,000,000 messages on SQLite: recompute all < 30 s; the update
after each new message < 1 ms.

Setup builds the rows with the audit benchmark's bulk SQL (benchmarks/audit.py, not measured): 6 channels,
100,000 people, 240,000 customer conversations of four messages and 40,000 own posts over 90 days, triage on
every inbound message. Then it times, beside a baseline in the same run:
- the full recompute (`goodwill.relationships.state.recompute`, every person, written to the Relationship and
  RelationshipDetail rows; the first run inserts them, the second updates them), beside a plain SQL aggregate
  over the same rows (count and last message per person, both directions, nothing written);
- the update after new messages (`goodwill.relationships.updates.update_for_messages`, what the
  MessagesStored listener runs): for one message at a time, and per message inside a 1,000-message batch.

    .venv/bin/python benchmarks/relationships.py                      # 1,000,000 messages, 100,000 people
    .venv/bin/python benchmarks/relationships.py --messages 100000    # smaller
    .venv/bin/python benchmarks/relationships.py --db /tmp/rel.db     # kept for reruns
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import build

from goodwill.relationships.state import recompute
from goodwill.relationships.updates import update_for_messages
from goodwill.store import Store

NOW = datetime(2026, 4, 1, tzinfo=UTC)
BASELINE = """
SELECT person_id, count(*), max(created_at) FROM (
  SELECT i.person_id AS person_id, m.created_at AS created_at FROM identity i JOIN message m ON m.identity_id = i.id
  LEFT JOIN triage t ON t.message_id = m.id WHERE m.direction = 'in' AND i.person_id IS NOT NULL
  UNION ALL
  SELECT c.person_id, m.created_at FROM conversation c JOIN message m ON m.conversation_id = c.id
  WHERE m.direction = 'out' AND c.person_id IS NOT NULL
) GROUP BY person_id
"""


def _full(store: Store, workspace_id: int) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, people). SQLite runs in this process, so the CPU time
    counts the database's work too and does not grow when other programs load the machine."""
    began, cpu = time.perf_counter(), time.process_time()
    with store.session() as session:
        states = recompute(session, workspace_id, now=NOW)
    return time.perf_counter() - began, time.process_time() - cpu, len(states)


def _baseline(store: Store) -> tuple[float, float, int]:
    began, cpu = time.perf_counter(), time.process_time()
    with store.engine.connect() as conn:
        rows = conn.execute(text(BASELINE)).fetchall()
    return time.perf_counter() - began, time.process_time() - cpu, len(rows)


def _incremental(store: Store, workspace_id: int, samples: int) -> tuple[float, float, float, float]:
    """(ms per message alone, its CPU ms, ms per message alone with its commit, ms per message in a
    1,000-message batch)."""
    with store.engine.connect() as conn:
        top = int(conn.execute(text("SELECT max(id) FROM message WHERE direction = 'in'")).scalar_one())
    rng = random.Random(7)
    ids = [rng.randint(1, top) for _ in range(samples)]
    alone = 0.0
    cpu = time.process_time()
    with store.session() as session:
        for message_id in ids:
            began = time.perf_counter()
            update_for_messages(session, workspace_id, [message_id], now=NOW)
            alone += time.perf_counter() - began
    cpu = time.process_time() - cpu
    committed = time.perf_counter()
    for message_id in ids[:200]:
        with store.session() as session:
            update_for_messages(session, workspace_id, [message_id], now=NOW)
    committed = (time.perf_counter() - committed) / 200
    batch = [rng.randint(1, top) for _ in range(1000)]
    began = time.perf_counter()
    with store.session() as session:
        update_for_messages(session, workspace_id, batch, now=NOW)
    batched = (time.perf_counter() - began) / len(batch)
    return alone / len(ids) * 1000, cpu / len(ids) * 1000, committed * 1000, batched * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000, help="about this many messages in all")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000, help="single-message updates timed")
    parser.add_argument("--db", type=Path, help="keep the database in this file and reuse it when it exists")
    args = parser.parse_args()
    scale = args.messages / 1_000_000
    conversations, posts = int(240_000 * scale), int(40_000 * scale)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "bench.db"
        reuse = path.exists()
        store = Store(f"sqlite:///{path}")
        if reuse:
            print(f"reusing {path}")
        else:
            began = time.perf_counter()
            store.migrate()
            total = build(store, conversations, posts, args.people)
            print(
                f"setup: {total:,} messages, {args.people:,} people in {time.perf_counter() - began:.1f} s "
                "(not measured)"
            )
        with store.engine.connect() as conn:
            workspace_id = int(conn.execute(text("SELECT id FROM workspace WHERE slug = 'bench'")).scalar_one())
            total = int(conn.execute(text("SELECT count(*) FROM message")).scalar_one())
            stored = int(conn.execute(text("SELECT count(*) FROM relationship_detail")).scalar_one())
        base, base_cpu, groups = _baseline(store)
        first, first_cpu, people = _full(store, workspace_id)
        second, second_cpu, _ = _full(store, workspace_id)
        print(
            f"baseline: plain SQL aggregate per person over {total:,} messages: {base:.2f} s "
            f"(CPU {base_cpu:.2f} s; {groups:,} people)"
        )
        print(
            f"full recompute of {people:,} relationship states: first {first:.2f} s (CPU {first_cpu:.2f} s; rows "
            f"{'updated' if stored else 'inserted'}), again {second:.2f} s (CPU {second_cpu:.2f} s; rows updated)"
            "  (target < 30 s)"
        )
        alone, alone_cpu, committed, batched = _incremental(store, workspace_id, args.samples)
        print(
            f"update after one new message: {alone:.3f} ms alone (CPU {alone_cpu:.3f} ms), {committed:.3f} ms with "
            f"its own commit; {batched:.3f} ms per message in a 1,000-message batch  (target < 1 ms)"
        )
        store.dispose()


if __name__ == "__main__":
    main()
