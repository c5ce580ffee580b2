"""The whole audit over 1,000,000 messages on SQLite: target < 5 s.

Setup builds the rows with bulk SQL (INSERT ... SELECT over a recursive counter; not what is measured):
6 channels, 50,000 people, 240,000 customer conversations of four messages (in, out, in, out; a share never
answered), 40,000 own posts, triage rows on every inbound message, over 90 days; then the query planner's
statistics (the daily `statistics` job) and the stored relationship states (the full recompute of
goodwill.relationships, as production keeps them; `store_states`). Then it times
`goodwill.analytics.report.audit` (the current period and the one before it, every section) and prints it.

    .venv/bin/python benchmarks/audit.py                    # 1,000,000 messages in a temporary SQLite file
    .venv/bin/python benchmarks/audit.py --conversations 24000   # smaller
    .venv/bin/python benchmarks/audit.py --messages 200000 --db /tmp/bench.db   # smaller, kept for reruns
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from goodwill.actions import do_create_workspace
from goodwill.actions.audit import Acting
from goodwill.analytics import sections
from goodwill.analytics.report import audit
from goodwill.publishing.stored_mix import store_post_mix
from goodwill.store import Store

START = datetime(2026, 1, 1, tzinfo=UTC)
NETWORKS = ("x", "bluesky", "mastodon", "instagram", "facebook", "blog")
REPLY_TEXT = "CASE i % 3 WHEN 0 THEN 'Hi! Sorry about that, DM us your order.' ELSE 'Thanks so much!' END"
ASK_TEXT = "'my order is late, any news?'"
INTENTS = ("complaint", "question", "praise", "feedback", "lead", "spam", "chatter")


def ts(offset: str) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%S.000000', '2026-01-01 00:00:00', '+' || ({offset}) || ' seconds')"


def build(store: Store, conversations: int, posts: int, people: int) -> int:
    with store.session() as session:
        ws = do_create_workspace(session, slug="bench", name="Bench", acting=Acting.system("bench"))
        wid = ws.id
    span = 90 * 86400
    counter = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) "
    with store.engine.begin() as conn:
        for i, net in enumerate(NETWORKS, start=1):
            conn.execute(
                text(
                    "INSERT INTO channel (id, workspace_id, network, account_id, handle, name, config, cursor, health,"
                    " created_at) VALUES (:i, :w, :n, :a, :a, :a, '{}', '{}', 'ok', '2025-01-01 00:00:00.000000')"
                ),
                {"i": i, "w": wid, "n": net, "a": f"brand-{net}"},
            )
        conn.execute(
            text(
                counter.format(last=people)
                + "INSERT INTO person (id, workspace_id, display_name, fields, labels, is_vip, created_at) "
                "SELECT i + 1, :w, 'Person ' || i, '{}', '[]', 0, '2025-01-01 00:00:00.000000' FROM n"
            ),
            {"w": wid},
        )
        conn.execute(
            text(
                counter.format(last=people)
                + "INSERT INTO identity (id, workspace_id, person_id, network, id_scope, native_id, handle, is_self, "
                "first_seen_at, last_seen_at) SELECT i + 1, :w, CASE WHEN i = :p THEN NULL ELSE i + 1 END, 'x', '', "
                "'u' || i, 'u' || i, i = :p, '2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000' FROM n"
            ),
            {"w": wid, "p": people},
        )
        brand = people + 1  # the brand's own identity
        # customer conversations: opened at i * span / N, answered unless i % 5 == 0, after (i % 240) minutes
        start = f"(i * {span} / {conversations})"
        reply = f"{start} + (i % 240) * 60 + 30"
        conn.execute(
            text(
                counter.format(last=conversations - 1)
                + "INSERT INTO conversation (id, workspace_id, channel_id, thread_key, kind, person_id, status, "
                "priority, needs_reply, message_count, opened_at, first_inbound_at, last_message_at, last_inbound_at,"
                " last_outbound_at, first_response_at, resolved_at, is_hidden, inbox_pending, rules_through_id, "
                "intent, waiting_since) "
                f"SELECT i + 1, :w, 1 + i % 6, 'thread:c' || i, 'thread', 1 + i % {people}, "
                "CASE WHEN i % 5 = 0 THEN 'open' WHEN i % 3 = 0 THEN 'resolved' ELSE 'waiting' END, 0, i % 5 = 0, 4, "
                f"{ts(start)}, {ts(start)}, {ts(start + ' + 7200')}, {ts(start + ' + 3600')}, "
                f"CASE WHEN i % 5 = 0 THEN NULL ELSE {ts(reply)} END, CASE WHEN i % 5 = 0 THEN NULL ELSE {ts(reply)}"
                f" END, CASE WHEN i % 5 <> 0 AND i % 3 = 0 THEN {ts(start + ' + 86400')} END, 0, 0, 0, "
                f"CASE i % 7 {' '.join(f'WHEN {k} THEN {chr(39)}{v}{chr(39)}' for k, v in enumerate(INTENTS))} END, "
                f"CASE WHEN i % 5 = 0 THEN {ts(start)} END FROM n"
            ),
            {"w": wid},
        )
        # four messages per conversation: k = 0 in, 1 out (skipped when unanswered: an extra inbound instead), ...
        for k, (direction, at) in enumerate(
            (("in", start), ("out", reply), ("in", f"{reply} + 600"), ("out", f"{reply} + 1200"))
        ):
            out = direction == "out"
            conn.execute(
                text(
                    counter.format(last=conversations - 1)
                    + "INSERT INTO message (workspace_id, channel_id, conversation_id, identity_id, network, "
                    "native_id, parent_native_id, direction, kind, visibility, text, created_at, received_at, "
                    "is_deleted, detail, raw) "
                    f"SELECT :w, 1 + i % 6, i + 1, {brand if out else f'1 + i % {people}'}, 'x', 'm{k}-' || i, "
                    f"{'NULL' if k == 0 else f'{chr(39)}m{k - 1}-{chr(39)} || i'}, "
                    f"CASE WHEN i % 5 = 0 THEN 'in' ELSE '{direction}' END, "
                    f"CASE WHEN i % 5 = 0 OR '{direction}' = 'in' THEN 'mention' ELSE 'own' END, 'public', "
                    f"{REPLY_TEXT if out else ASK_TEXT}, "
                    f"{ts(at)}, {ts(at)}, 0, '{{}}', '{{}}' FROM n"
                ),
                {"w": wid},
            )
        conn.execute(
            text(
                counter.format(last=posts - 1)
                + "INSERT INTO conversation (id, workspace_id, channel_id, thread_key, kind, status, priority, "
                "needs_reply, message_count, opened_at, last_message_at, is_hidden, inbox_pending, rules_through_id)"
                f" SELECT {conversations} + i + 1, :w, 1 + i % 6, 'thread:p' || i, 'thread', 'open', 0, 0, 1, "
                f"{ts(f'i * {span} / {posts}')}, {ts(f'i * {span} / {posts}')}, 0, 0, 0 FROM n"
            ),
            {"w": wid},
        )
        conn.execute(
            text(
                counter.format(last=posts - 1)
                + "INSERT INTO message (workspace_id, channel_id, conversation_id, identity_id, network, native_id, "
                "direction, kind, visibility, text, created_at, received_at, is_deleted, detail, raw) "
                f"SELECT :w, 1 + i % 6, {conversations} + i + 1, {brand}, 'x', 'p' || i, 'out', 'own', 'public', "
                "CASE WHEN i % 3 = 0 THEN 'FLASH SALE 20% off with code SAVE20: example.com/shop' "
                "ELSE 'Brew tip: grind a notch coarser.' END, "
                f"{ts(f'i * {span} / {posts}')}, {ts(f'i * {span} / {posts}')}, 0, '{{}}', '{{}}' FROM n"
            ),
            {"w": wid},
        )
        conn.execute(
            text(
                "INSERT INTO triage (message_id, complaint, complaint_probability, intent, intent_score, sentiment, "
                "sentiment_score, severity, needs_reply, needs_reply_reason, priority, language, low_confidence, "
                "evidence, model_version) SELECT m.id, c.intent = 'complaint', 0.5, c.intent, 0.9, 'neutral', 0, 1, "
                "1, '', 0, 'en', 0, '{}', 'bench' FROM message m JOIN conversation c ON c.id = m.conversation_id "
                "WHERE m.direction = 'in'"
            )
        )
        total = conn.execute(text("SELECT count(*) FROM message")).scalar_one()
    store.refresh_statistics()  # what the daily `statistics` job does: the query planner's statistics (ANALYZE)
    classify_posts(store)
    store_states(store, "bench")
    return int(total)


def classify_posts(store: Store) -> int:
    """What the periodic `post-mix` job does in a running goodwill: the content mix classifier's answer stored
    per own post (goodwill.publishing.stored_mix; a no-op for posts that have a current one)."""
    with store.session() as session:
        return store_post_mix(session)


def store_states(store: Store, slug: str, *, only_missing: bool = False) -> None:
    """Setup, not measured: the stored relationship states, as production keeps them (the full recompute of
    goodwill.relationships, which the periodic schedule runs and the update after each ingest batch runs for
    the batch's people), as of now. The bulk SQL above stores none, and without them the audit folds
    everyone's messages (its fallback). With `only_missing`, only when no stored figures are current (a
    database kept with --db from before migration 0012, or changed since)."""
    from goodwill.relationships.state import recompute
    from goodwill.relationships.stored import stored_figures
    from goodwill.store.tables import Workspace

    began = time.perf_counter()
    with store.session() as session:
        ws = session.query(Workspace).filter_by(slug=slug).one()
        if only_missing and stored_figures(session, ws.id)[0]:
            return
        people = len(recompute(session, ws.id, now=datetime.now(UTC)))
    print(
        f"setup: relationship states of {people:,} people stored in {time.perf_counter() - began:.1f} s (not measured)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=240_000)
    parser.add_argument("--posts", type=int, default=40_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--messages", type=int, help="about this many messages in all (scales the three above)")
    parser.add_argument("--db", type=Path, help="keep the database in this file and reuse it when it exists")
    parser.add_argument("--serial", action="store_true", help="run the sections one after another (one core)")
    args = parser.parse_args()
    if args.messages:
        scale = args.messages / 1_000_000
        args.conversations, args.posts = int(240_000 * scale), int(40_000 * scale)
        args.people = max(int(50_000 * scale), 10)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "bench.db"
        reuse = path.exists()
        store = Store(f"sqlite:///{path}")
        began = time.perf_counter()
        if args.serial:
            sections.MAX_WORKERS = 1
        if reuse:
            store.migrate()  # a no-op when the file is at the newest revision
            store.refresh_statistics()  # the daily `statistics` job (a migration may have added an index)
            with store.engine.connect() as conn:
                total = int(conn.execute(text("SELECT count(*) FROM message")).scalar_one())
            print(f"reusing {path}: {total:,} messages; {classify_posts(store):,} posts classified (post-mix job)")
            store_states(store, "bench", only_missing=True)
        else:
            store.migrate()
            total = build(store, args.conversations, args.posts, args.people)
            print(f"setup: {total:,} messages in {time.perf_counter() - began:.1f} s (bulk SQL, not measured)")
        timings, cpu = [], []
        for _run in range(3):
            began, cpu_began = time.perf_counter(), time.process_time()
            with store.reader() as session:
                report = audit(session, workspace="bench", since="90d")
            timings.append(time.perf_counter() - began)
            cpu.append(time.process_time() - cpu_began)
        overall = report["responsiveness"]["overall"]
        print(
            f"audit over {total:,} messages ({overall['inbound_conversations']:,} conversations in the period): "
            f"best {min(timings):.2f} s, runs {', '.join(f'{t:.2f}' for t in timings)} s  (target < 5 s)"
        )
        workers = min(sections.MAX_WORKERS, os.cpu_count() or 1)
        print(  # CPU seconds of this process: steadier than wall time when other work shares the cores
            f"  CPU {', '.join(f'{t:.2f}' for t in cpu)} s; load average {os.getloadavg()[0]:.1f}; "
            f"{'serial' if args.serial else f'up to {workers} sections at once'}, "
            f"{time.strftime('%H:%M', time.gmtime())} UTC"
        )
        print(
            f"  response rate {overall['response_rate']}, median first response "
            f"{overall['first_response_minutes']['median']} min, posts {report['content']['overall']['posts']:,}"
        )
        store.dispose()


if __name__ == "__main__":
    main()
