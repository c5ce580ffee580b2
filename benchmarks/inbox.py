"""Inbox read speed at scale: 1,000,000 messages in 200,000 conversations.

Builds the rows with bulk SQL (setup speed, not what is measured), then times the three hot pages through
the library (`list_inbox`, a fresh session each run, as the CLI does): most urgent first (page of 50 open
conversations), filter by assignee, filter by intent; p50 and p95 over many runs, without and with the
exact total count (the CLI shows it). Target: p95 < 20 ms for the page; the flag after the figures says
whether the page (and the page with its count) met it.

After the load the tables are analysed; on PostgreSQL they are also vacuumed, as autovacuum does after a bulk
load on a production server (the test server runs with it off): index-only scans, such as the count, skip the
table only for pages the visibility map marks all-visible.

    .venv/bin/python benchmarks/inbox.py                       # SQLite in a temporary folder
    .venv/bin/python benchmarks/inbox.py --postgres URL        # and PostgreSQL (a scratch database on that server)
    .venv/bin/python benchmarks/inbox.py --conversations 20000 # smaller
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from goodwill.inbox import InboxFilter, list_inbox
from goodwill.store import Store
from goodwill.store.tables import Channel, Conversation, Message, Teammate, Workspace, table_of

INTENTS = ("complaint", "question", "praise", "feedback", "lead", "spam", "chatter")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def build(store: Store, conversations: int, per_conversation: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with store.engine.begin() as conn:
        conn.execute(
            insert(table_of(Workspace)),
            [{"slug": "bench", "name": "Bench", "timezone": "UTC", "settings": {}, "created_at": T0}],
        )
        conn.execute(
            insert(table_of(Teammate)),
            [
                {
                    "workspace_id": 1,
                    "email": f"a{i}@b.test",
                    "name": f"Agent {i}",
                    "role": "agent",
                    "is_away": False,
                    "created_at": T0,
                }
                for i in range(1, 21)
            ],
        )
        conn.execute(
            insert(table_of(Channel)),
            [
                {
                    "workspace_id": 1,
                    "network": n,
                    "account_id": n,
                    "handle": n,
                    "name": n,
                    "config": {},
                    "cursor": {},
                    "health": "ok",
                    "created_at": T0,
                }
                for n in ("x", "mastodon", "bluesky", "facebook")
            ],
        )
        conn.execute(
            text(
                "INSERT INTO identity (workspace_id, person_id, network, id_scope, native_id, is_self, "
                "first_seen_at, last_seen_at) VALUES (1, NULL, 'x', '', 'someone', :f, :t, :t)"
            ),
            {"t": T0, "f": False},
        )
    chunk = 20_000
    for start in range(0, conversations, chunk):
        convs, msgs = [], []
        for cid in range(start + 1, min(start + chunk, conversations) + 1):
            at = T0 + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
            status = rng.choices(("open", "resolved", "waiting", "snoozed"), (40, 50, 5, 5))[0]
            needs = status == "open" and rng.random() < 0.6
            convs.append(
                {
                    "id": cid,
                    "workspace_id": 1,
                    "channel_id": rng.randint(1, 4),
                    "thread_key": f"t:{cid}",
                    "kind": "thread",
                    "status": status,
                    "assignee_id": rng.choice([None, *range(1, 21)]),
                    "priority": rng.randint(1, 100) if needs else 0,
                    "needs_reply": needs,
                    "message_count": per_conversation,
                    "opened_at": at,
                    "first_inbound_at": at,
                    "last_message_at": at,
                    "last_inbound_at": at,
                    "intent": rng.choice(INTENTS),
                    "sla_due_at": at + timedelta(hours=1) if needs else None,
                }
            )
            for k in range(per_conversation):
                mid = (cid - 1) * per_conversation + k + 1
                msgs.append(
                    {
                        "id": mid,
                        "workspace_id": 1,
                        "channel_id": 1,
                        "conversation_id": cid,
                        "identity_id": 1,
                        "network": "x",
                        "native_id": str(mid),
                        "direction": "in" if k % 2 == 0 else "out",
                        "kind": "mention",
                        "visibility": "public",
                        "text": f"message {mid} about my order",
                        "created_at": at + timedelta(minutes=k),
                        "received_at": at,
                        "is_deleted": False,
                        "detail": {},
                        "raw": {},
                    }
                )
        with store.engine.begin() as conn:
            conn.execute(insert(table_of(Conversation)), convs)
            conn.execute(insert(table_of(Message)), msgs)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timed(store: Store, filters: InboxFilter, runs: int, with_count: bool) -> tuple[float, float, int]:
    times, shown = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        with store.reader() as session:
            page, _total = list_inbox(session, workspace="bench", filters=filters, limit=50, with_count=with_count)
        times.append((time.perf_counter() - start) * 1000)
        shown = len(page)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], shown


def measure(store: Store, label: str, runs: int) -> None:
    cases = {
        "most urgent, page of 50": InboxFilter(),
        "filter by assignee": InboxFilter(assignee="7", needs_reply_only=False),
        "filter by intent": InboxFilter(intent="complaint", needs_reply_only=False),
    }
    print(f"\n{label}: {runs} runs each (ms)")
    print(f"{'query':<26}{'p50':>8}{'p95':>8}{'p50+count':>11}{'p95+count':>11}  rows")
    for name, filters in cases.items():
        p50, p95, shown = timed(store, filters, runs, with_count=False)
        c50, c95, _ = timed(store, filters, max(runs // 4, 10), with_count=True)
        flag = ("ok" if p95 < 20 else "SLOW") + (", with count ok" if c95 < 20 else ", with count SLOW")
        print(f"{name:<26}{p50:8.2f}{p95:8.2f}{c50:11.2f}{c95:11.2f}  {shown} {flag}")


def run(url: str, label: str, conversations: int, per_conversation: int, runs: int) -> None:
    store = Store(url)
    store.migrate()
    start = time.perf_counter()
    build(store, conversations, per_conversation)
    print(
        f"{label}: built {conversations:,} conversations, {conversations * per_conversation:,} messages "
        f"in {time.perf_counter() - start:.0f} s"
    )
    measure(store, label, runs)
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200_000)
    parser.add_argument("--messages-per-conversation", type=int, default=5)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--postgres", help="URL of a PostgreSQL server (any database on it): measured in a scratch database too"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(
            f"sqlite:///{Path(folder) / 'bench.db'}",
            "SQLite",
            args.conversations,
            args.messages_per_conversation,
            args.runs,
        )
    if args.postgres:
        with scratch_database(args.postgres) as url:
            run(url, "PostgreSQL", args.conversations, args.messages_per_conversation, args.runs)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url` (whose own database only serves to connect), dropped
    afterwards: the benchmark never fills a database that holds anything else."""
    name = f"goodwill_bench_{os.getpid()}"
    server = make_url(server_url)
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
