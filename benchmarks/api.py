"""REST API read speed beside the library call it wraps: the inbox page and a conversation's messages.

Same data as benchmarks/inbox.py (built with its `build`), then, over many runs, p50 and p95 of:
- the library: `list_inbox` (most urgent open conversations waiting on us, page of 50, with the total), a
  fresh session each run: the baseline;
- the same page through the API (`GET /api/v1/workspaces/bench/conversations?needs_reply=true&limit=50`)
  in-process (FastAPI's test client: routing, the bearer token lookup, validation, JSON; no network);
- `GET /api/v1/me` (the cost of authentication alone) and a conversation's messages page.

    .venv/bin/python benchmarks/api.py                         # SQLite, 20,000 conversations
    .venv/bin/python benchmarks/api.py --postgres URL          # and PostgreSQL (a scratch database)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from goodwill.actions import access_workspace
from goodwill.actions.audit import Acting
from goodwill.actions.tokens import do_create_token
from goodwill.api.app import create_app
from goodwill.inbox import InboxFilter, list_inbox
from goodwill.store import Store
from goodwill.store.tables import Teammate
from inbox import build, scratch_database


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def measure(store: Store, label: str, runs: int) -> None:
    with store.session() as session:
        ws = access_workspace(session, "bench")
        agent = session.get_one(Teammate, 1)
        secret = do_create_token(session, ws, agent, name="bench", scopes=["read"], acting=Acting("bench")).secret
    client = TestClient(create_app(store))
    headers = {"Authorization": f"Bearer {secret}"}
    base = "/api/v1/workspaces/bench"

    def library() -> None:
        with store.reader() as session:
            list_inbox(session, workspace="bench", filters=InboxFilter(), limit=50)

    def api_get(path: str) -> Callable[[], None]:
        def call() -> None:
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, answer.text

        return call

    page = client.get(f"{base}/conversations", params={"needs_reply": True, "limit": 50}, headers=headers).json()
    first = page["data"][0]["id"]
    cases = {
        "library: inbox page of 50": library,
        "API: the same page": api_get(f"{base}/conversations?needs_reply=true&limit=50"),
        "API: /me (auth alone)": api_get("/api/v1/me"),
        "API: messages page": api_get(f"{base}/conversations/{first}/messages"),
    }
    print(f"\n{label}: {runs} runs each (ms); {page['count']:,} conversations waiting")
    print(f"{'request':<30}{'p50':>8}{'p95':>8}")
    for name, call in cases.items():
        call()  # warm: the token's first use is stamped once
        p50, p95 = timed(call, runs)
        print(f"{name:<30}{p50:8.2f}{p95:8.2f}")


def run(url: str, label: str, conversations: int, runs: int) -> None:
    store = Store(url)
    store.migrate()
    start = time.perf_counter()
    build(store, conversations, 5)
    print(f"{label}: built {conversations:,} conversations in {time.perf_counter() - start:.0f} s")
    measure(store, label, runs)
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", help="URL of a PostgreSQL server: measured in a scratch database too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite", args.conversations, args.runs)
    if args.postgres:
        with scratch_database(args.postgres) as url:
            run(url, "PostgreSQL", args.conversations, args.runs)


if __name__ == "__main__":
    main()
