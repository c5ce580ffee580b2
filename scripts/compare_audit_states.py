"""Compare the audit report of this code with another checkout's (main's), on the demo world, with the stored
relationship states fresh (the audit's fast path), stale (some changes after the recompute: the fold for
those people) and absent (the fold for everyone).

    .venv/bin/python scripts/compare_audit_states.py --other /work/main/src --seeds 7 11 23
    .venv/bin/python scripts/compare_audit_states.py --other /work/main/src --postgres postgresql+psycopg://...

Each world is built once with this code (goodwill demo's `build_world`, then the full recompute, as the
periodic schedule does); both codes then read the same database, the other one in a subprocess with its source
first on PYTHONPATH (it only reads, so a schema one revision ahead does not matter to it). The whole JSON
report of every period and channel pick, bar `generated_at`, must be byte-identical. Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

WORKSPACE = "demo"


def picks(url: str) -> list[dict[str, Any]]:
    """The periods and channel picks: 90d, 30d, 7d, all, four dated periods, four with one channel."""
    engine = create_engine(url)
    with engine.connect() as conn:
        handles = [h for (h,) in conn.execute(text("SELECT handle FROM channel ORDER BY id"))]
        last = conn.execute(text("SELECT max(created_at) FROM message")).scalar_one()
    engine.dispose()
    end = last if isinstance(last, datetime) else datetime.fromisoformat(str(last))
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end
    out: list[dict[str, Any]] = [{"since": s} for s in ("90d", "30d", "7d", "all")]
    for days_back, length in ((0, 30), (10, 20), (45, 14), (70, 60)):
        until = end - timedelta(days=days_back, hours=5)
        out.append({"since": (until - timedelta(days=length)).isoformat(), "until": until.isoformat()})
    for handle, since in zip(handles[:4], ("90d", "30d", "all", "7d"), strict=False):
        out.append({"since": since, "channel": handle})
    return out


def run_reports(url: str, cases: list[dict[str, Any]]) -> list[str]:
    from goodwill.analytics.report import audit
    from goodwill.store import Store

    store = Store(url)
    texts = []
    for case in cases:
        with store.reader() as session:
            report = audit(session, workspace=WORKSPACE, **case)
        report.pop("generated_at", None)
        texts.append(json.dumps(report, sort_keys=True, default=str))
    store.dispose()
    return texts


def other_reports(source: str, url: str, cases: list[dict[str, Any]]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=source)
    done = subprocess.run(  # noqa: S603  (this script, another checkout's source)
        [sys.executable, __file__, "--run", url, "--cases", json.dumps(cases)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(done.stdout))


def fast_path_share(url: str) -> tuple[int, int]:
    """(people whose stored figures are current, people in all) for the demo workspace."""
    from goodwill.relationships.stored import stored_figures
    from goodwill.store import Store
    from goodwill.store.tables import Workspace

    store = Store(url)
    with store.reader() as session:
        ws = session.query(Workspace).filter_by(slug=WORKSPACE).one()
        current, others = stored_figures(session, ws.id)
    store.dispose()
    return len(current), len(current) + len(others)


def make_stale(url: str) -> None:
    """Changes after the recompute, each through goodwill's own tables as a writer would: a label corrected,
    a conversation resolved and one reopened, an identity moved to another person, a message deleted."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = [
            m
            for (m,) in conn.execute(
                text(
                    "SELECT m.id FROM message m JOIN triage t ON t.message_id = m.id "
                    "WHERE m.direction = 'in' ORDER BY m.id"
                )
            )
        ]
        for m in ids[5::40]:
            conn.execute(
                text("UPDATE triage SET intent = 'praise', sentiment = 'positive' WHERE message_id = :m"), {"m": m}
            )
        for m in ids[11::53]:
            conn.execute(
                text("UPDATE triage SET intent = 'complaint', sentiment = 'negative' WHERE message_id = :m"), {"m": m}
            )
        convs = [
            c for (c,) in conn.execute(text("SELECT id FROM conversation WHERE person_id IS NOT NULL ORDER BY id"))
        ]
        for c in convs[3::17]:
            conn.execute(
                text("UPDATE conversation SET status = 'resolved' WHERE id = :c AND status <> 'resolved'"), {"c": c}
            )
        for c in convs[7::19]:
            conn.execute(
                text("UPDATE conversation SET status = 'open' WHERE id = :c AND status = 'resolved'"), {"c": c}
            )
        people = [
            p
            for (p,) in conn.execute(
                text("SELECT DISTINCT person_id FROM identity WHERE person_id IS NOT NULL ORDER BY person_id")
            )
        ]
        for a, b in zip(people[2::60], people[3::60], strict=False):
            conn.execute(text("UPDATE identity SET person_id = :b WHERE person_id = :a"), {"a": a, "b": b})
    engine.dispose()


def clear_figures(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE relationship_detail SET figures = NULL"))
    engine.dispose()


def build(url: str, seed: int) -> None:
    from goodwill.demo import build_world
    from goodwill.store import Store

    store = Store(url)
    store.migrate()
    build_world(store, seed=seed)
    recompute_all(store)
    store.dispose()


def recompute_all(store: Any) -> None:
    from goodwill.relationships.state import recompute
    from goodwill.store.tables import Workspace

    with store.session() as session:
        ws = session.query(Workspace).filter_by(slug=WORKSPACE).one()
        recompute(session, ws.id, now=datetime.now(UTC))


def fresh_database(postgres: str | None, name: str, folder: str) -> str:
    if not postgres:
        return f"sqlite:///{Path(folder) / (name + '.db')}"
    server = make_url(postgres)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def compare(label: str, url: str, source: str, cases: list[dict[str, Any]]) -> int:
    mine = run_reports(url, cases)
    theirs = other_reports(source, url, cases)
    current, people = fast_path_share(url)
    bad = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
    print(
        f"  {label}: stored figures current for {current} of {people} people; "
        f"{len(cases) - len(bad)} of {len(cases)} reports identical" + (f"; DIFFER: {bad}" if bad else "")
    )
    for i in bad[:2]:
        a, b = json.loads(mine[i]), json.loads(theirs[i])
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                print(
                    f"    case {cases[i]} key {key}: mine {str(a.get(key))[:300]}\n      other {str(b.get(key))[:300]}"
                )
    return len(bad)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--other", help="the other checkout's src folder (e.g. /work/main/src)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database per seed is created there)")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--cases", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:  # the subprocess: reports with whichever goodwill is first on the path
        print(json.dumps(run_reports(args.run, json.loads(args.cases))))
        return
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            url = fresh_database(args.postgres, f"audit_states_{seed}", folder)
            build(url, seed)
            cases = picks(url)
            print(f"seed {seed} ({make_url(url).get_backend_name()}):")
            failures += compare("fresh", url, args.other, cases)
            make_stale(url)
            failures += compare("stale (changes after the recompute)", url, args.other, cases)
            store_cls = __import__("goodwill.store", fromlist=["Store"]).Store
            store = store_cls(url)
            recompute_all(store)
            store.dispose()
            failures += compare("fresh again (recomputed)", url, args.other, cases)
            clear_figures(url)
            failures += compare("no stored figures", url, args.other, cases)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
