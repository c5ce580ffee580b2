"""The job queue on SQLite and Redis: tasks, queued webhook deliveries, replies, periodic jobs once per
period across several consumers, leases."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id, acting_teammate
from goodwill.actions.replies import do_reply
from goodwill.api import webhooks
from goodwill.api.app import create_app
from goodwill.connectors.local import read_posts
from goodwill.connectors.x import webhook as x_hook
from goodwill.jobs import leases
from goodwill.jobs.consumer import Consumer
from goodwill.jobs.imports import enqueue_import, import_status
from goodwill.jobs.schedule import Periodic
from goodwill.store import Store
from goodwill.store.tables import Conversation, Message, Triage
from goodwill.store.tables_jobs import InboundDelivery, JobLease
from goodwill.web import server
from tests.factories import msg
from tests.inbox.conftest import World
from tests.jobs.conftest import QueueSpec
from tests.jobs.world import START, X_SECRET, run_until, write_jsonl, x_channel, x_delivery


def count(store: Store, model: type, *where: object) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_webhook_deliveries_are_kept_answered_then_stored_once_by_a_worker(
    store: Store, workspace: str, queue: QueueSpec
) -> None:
    cid = x_channel(store, workspace)
    jobs = queue.jobs(store)
    client = TestClient(create_app(store, jobs=jobs))
    raw, headers = x_delivery(1)
    first = client.post(f"/webhooks/x/{cid}", content=raw, headers=headers)
    assert first.status_code == 200 and first.json()["accepted"] == 1
    assert client.post(f"/webhooks/x/{cid}", content=raw, headers=headers).status_code == 200  # a platform retry
    forged = client.post(f"/webhooks/x/{cid}", content=raw.replace(b"coffee", b"toffee"), headers=headers)
    assert forged.status_code == 401
    assert count(store, Message) == 0 and count(store, InboundDelivery) == 2  # kept, not yet ingested
    run_until(jobs, lambda: count(store, InboundDelivery, InboundDelivery.status == "done") == 2)
    assert count(store, Message) == 1 and count(store, Triage) == 1
    with store.reader() as session:
        done = session.scalars(select(InboundDelivery.result)).all()
    assert sorted(r["messages"] for r in done) == [1, 1]


def test_every_web_process_of_a_multi_process_serve_queues_webhooks_as_the_single_process_does(
    store: Store, workspace: str, queue: QueueSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`goodwill serve --workers N` builds each web process's app with `app_from_env`: with jobs on it keeps
    and queues deliveries for the workers (it once ingested them inside the request)."""
    cid = x_channel(store, workspace)
    monkeypatch.setenv(server.DATABASE_ENV, store.url)
    monkeypatch.setenv("GOODWILL_REDIS_URL", queue.redis_url or "")
    monkeypatch.setenv("GOODWILL_QUEUE_NAME", queue.name)
    monkeypatch.setenv(server.JOBS_ENV, "1")
    app = server.app_from_env()
    try:
        raw, headers = x_delivery(1)
        assert TestClient(app).post(f"/webhooks/x/{cid}", content=raw, headers=headers).json()["accepted"] == 1
        assert count(store, Message) == 0 and count(store, InboundDelivery) == 1  # kept, not ingested here
        jobs = queue.jobs(store)  # a worker on the same queue
        run_until(jobs, lambda: count(store, InboundDelivery, InboundDelivery.status == "done") == 1)
        assert count(store, Message) == 1
    finally:
        app.state.uninstall_hooks()
    monkeypatch.setenv(server.JOBS_ENV, "0")  # `serve --no-jobs`: no queue, the request ingests
    raw, headers = x_delivery(2)
    assert TestClient(server.app_from_env()).post(f"/webhooks/x/{cid}", content=raw, headers=headers).status_code == 200
    assert count(store, Message) == 2 and count(store, InboundDelivery) == 1


def test_the_queued_receiver_refuses_what_the_inline_one_refuses_and_keeps_nothing_for_it(
    store: Store, workspace: str, queue: QueueSpec
) -> None:
    cid = x_channel(store, workspace)
    queued, inline = TestClient(create_app(store, jobs=queue.jobs(store))), TestClient(create_app(store))
    raw, headers = x_delivery(1)
    big = b'{"pad": "' + b"x" * webhooks.MAX_BODY + b'"}'
    cases = [
        (f"/webhooks/x/{cid}", raw.replace(b"coffee", b"toffee"), headers),  # tampered: 401
        (f"/webhooks/x/{cid}", raw, {}),  # unsigned: 401
        (f"/webhooks/x/{cid}", big, {**headers, x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, big)}),  # 413
        (f"/webhooks/x/{cid}", b"[1]", {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, b"[1]")}),  # 400
        (f"/webhooks/x/{cid + 999}", raw, headers),  # no such channel: 404
        (f"/webhooks/meta/{cid}", raw, headers),  # an X channel is no Meta webhook: 404
    ]
    for url, body, sent in cases:
        want, got = inline.post(url, content=body, headers=sent), queued.post(url, content=body, headers=sent)
        assert (got.status_code, got.json()) == (want.status_code, want.json()), url
        assert got.status_code in (400, 401, 404, 413)
        assert got.headers["x-content-type-options"] == "nosniff"  # the app's security headers still apply
    assert count(store, InboundDelivery) == 0 and count(store, Message) == 0
    assert queued.post(f"/webhooks/x/{cid}", content=raw, headers=headers).json()["accepted"] == 1
    assert count(store, InboundDelivery) == 1
    assert queued.get(f"/webhooks/x/{cid}", params={"crc_token": "a"}).status_code == 200  # FastAPI's route


def test_a_reply_queued_in_one_process_is_sent_once_by_a_worker(world: World, queue: QueueSpec) -> None:
    store, workspace = world.store, world.workspace
    world.ingest(msg("1", text="my refund is late"))
    jobs = queue.jobs(store)
    uninstall = jobs.install()
    try:
        with store.session() as session:
            ws = access_workspace(session, workspace)
            conv = access_conversation_by_id(session, ws, world.conversation_of("1").id)
            do_reply(session, ws, conv, "Sorry! DMing you.", acting=acting_teammate(session, ws, world.team["Ada"]))
    finally:
        uninstall()
    assert jobs.pending() >= 1 and read_posts(world.posts_file) == []
    run_until(jobs, lambda: len(read_posts(world.posts_file)) == 1)
    run_until(jobs, lambda: jobs.pending() == 0)
    assert len(read_posts(world.posts_file)) == 1
    assert count(store, Message, Message.direction == "out") == 1


def test_an_import_is_cut_into_chunks_that_any_worker_ingests_once(
    store: Store, workspace: str, queue: QueueSpec, tmp_path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", 1200)
    jobs = queue.jobs(store)
    key = enqueue_import(jobs, workspace=workspace, fmt="jsonl", path=path, now=START, chunk_bytes=40_000)
    status = import_status(store, key)
    assert status["chunks"] >= 5 and status["pending"] == status["chunks"]
    consumers = [Consumer(queue.jobs(store), threads=1, schedule=False) for _ in range(2)]
    for c in consumers:
        c.start()
    try:
        deadline = time.monotonic() + 120
        while import_status(store, key)["done"] < status["chunks"] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for c in consumers:
            c.stop()
    assert import_status(store, key) | {"chunks": 0} == {
        "chunks": 0,
        "done": status["chunks"],
        "pending": 0,
        "failed": 0,
        "received": 1200,
        "stored": 1200,
    }
    assert count(store, Message) == 1200 and count(store, Triage) == 1200
    with store.reader() as session:
        assert session.scalar(select(func.sum(Conversation.message_count))) == 1200


def test_a_lease_is_held_by_one_worker_until_it_runs_out_and_a_finished_one_never_again(store: Store) -> None:
    ttl = timedelta(minutes=1)
    assert leases.claim(store, "job@1", ttl=ttl, now=START, holder="a")
    assert not leases.claim(store, "job@1", ttl=ttl, now=START + timedelta(seconds=59), holder="b")
    assert leases.claim(store, "job@1", ttl=ttl, now=START + ttl, holder="b")  # a died: b takes it over
    leases.finish(store, "job@1", now=START + ttl)
    assert not leases.claim(store, "job@1", ttl=ttl, now=START + timedelta(days=1), holder="c")
    leases.release(store, "job@1", now=START)  # a finished lease stays finished
    assert not leases.claim(store, "job@1", ttl=ttl, now=START + timedelta(days=1), holder="c")
    with store.reader() as session:
        assert session.scalar(select(JobLease.holder)) == "b"


def test_periodic_jobs_run_once_per_period_across_several_consumers(store: Store, queue: QueueSpec) -> None:
    runs: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(store: Store, *, now) -> None:
        with lock:
            runs.append(
                (
                    Periodic("beat", timedelta(seconds=1), record).period(now).isoformat(),
                    threading.current_thread().name,
                )
            )
        time.sleep(0.05)

    beat = [Periodic("beat", timedelta(seconds=1), record)]
    consumers = [Consumer(queue.jobs(store, periodic=beat), threads=2, tick=0.1) for _ in range(3)]
    for c in consumers:
        c.start()
    time.sleep(4.5)
    for c in consumers:
        assert c.stop()
    # A run gets the time it runs at, not its period's start: one queued late (busy consumers) names the next
    # period by its `now`. Which period it ran for is its lease's key, unique in the table, taken before the run
    # and finished after it: as many finished leases as runs means no period ran twice.
    assert len(runs) >= 3
    with store.reader() as session:
        done = session.scalars(
            select(JobLease.key).where(JobLease.key.startswith("beat@"), JobLease.done_at.is_not(None))
        ).all()
    assert len(runs) == len(done) == len(set(done)), f"a period ran twice: {sorted(p for p, _ in runs)} {done}"
    assert count(store, JobLease, JobLease.key.startswith("beat@")) == len(runs)
    assert sum(c.executed for c in consumers) >= 3 * len(runs)  # every consumer queued each period


def test_a_delayed_task_waits_in_the_schedule_then_the_ticker_queues_it(store: Store, queue: QueueSpec) -> None:
    jobs = queue.jobs(store, periodic=[])
    jobs.inbox.schedule(args=(None,), delay=0.5)
    started = time.monotonic()
    ran = run_until(jobs, lambda: time.monotonic() - started > 1.5 and jobs.pending() == 0, timeout=30)
    assert ran >= 2 and jobs.huey.scheduled_count() == 0  # taken too early, put in the schedule, then run
