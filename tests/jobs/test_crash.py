"""kill -9 at random points, many times, then a restart: nothing lost, nothing stored or sent twice.

Each scenario starts real worker processes (tests/jobs/worker_main.py: the Consumer of `goodwill worker`)
one after another and kills each with SIGKILL at a random moment after it starts consuming, KILLS times;
then one last worker finishes the work. Every worker's clock is moved ahead of the one before it, so the
leases the killed ones held have run out, as they would after a real wait. Checked exactly: every message
stored and triaged once, every conversation's counts equal to its messages, every reply posted once,
the sync cursor's pages fetched with no gap. Two layouts: embedded (SQLite store and queue) and distributed
(PostgreSQL and Redis). GOODWILL_CRASH_KILLS changes the number of kills; the seed is printed on failure.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from goodwill.actions import access_workspace, do_create_workspace, do_ensure_channel
from goodwill.actions.activity import access_conversation_by_id
from goodwill.actions.replies import do_reply
from goodwill.connectors.channels import sync_channel
from goodwill.connectors.local import read_posts
from goodwill.domain.enums import Network
from goodwill.jobs.deliveries import accept, drain
from goodwill.jobs.imports import due_chunks, enqueue_import, import_status, run_chunk
from goodwill.jobs.outbox import send_due
from goodwill.store import Store
from goodwill.store.tables import Channel, Conversation, Message, Triage
from goodwill.store.tables_jobs import ImportChunk, InboundDelivery
from goodwill.store.tables_replies import Outbox
from tests.conftest import TESTER, _truncate
from tests.jobs.conftest import QueueSpec
from tests.jobs.world import write_jsonl, x_channel, x_delivery

KILLS = int(os.environ.get("GOODWILL_CRASH_KILLS", "20"))
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@dataclass
class Fleet:
    store: Store
    queue: QueueSpec
    tmp: Path
    seed: int = field(default_factory=lambda: random.randrange(1 << 30))
    killed_busy: int = 0

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.queue.env(), "GOODWILL_DATA_DIR": str(self.tmp), "PYTHONPATH": str(ROOT)}

    def kill_repeatedly(
        self, scenario: str, arg: int = 0, *, kills: int = KILLS, window: tuple[float, float] = (0.05, 1.0)
    ) -> None:
        """Start a worker, kill it `window` seconds (uniformly drawn) after it is ready; `kills` times."""
        rng = random.Random(self.seed)
        log = (self.tmp / "workers.log").open("wb")
        zygote = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.worker_main"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=self.env(),
            cwd=ROOT,
        )
        try:
            assert self._line(zygote) == "zygote ready"
            for k in range(kills):
                spawn = f"spawn {self.store.url} {self.queue.name} {20 * (k + 1)} {scenario} {arg}\n"
                assert zygote.stdin is not None
                zygote.stdin.write(spawn.encode())
                zygote.stdin.flush()
                ready, pid = self._line(zygote).split()
                assert ready == "ready"
                time.sleep(rng.uniform(*window))
                os.kill(int(pid), signal.SIGKILL)
        finally:
            zygote.kill()
            zygote.wait()
            log.close()

    def _line(self, process: subprocess.Popen[bytes]) -> str:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline().decode().strip() if ready else ""
        if not line:
            pytest.fail(f"no worker (seed {self.seed}): {(self.tmp / 'workers.log').read_text()[-3000:]}")
        return line

    @property
    def after(self) -> datetime:
        """A time after every killed worker's leases ran out."""
        return datetime.now(UTC) + timedelta(minutes=20 * (KILLS + 2))


@pytest.fixture(params=["embedded", pytest.param("distributed", marks=[pytest.mark.postgres, pytest.mark.redis])])
def fleet(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    import uuid

    monkeypatch.setenv("GOODWILL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GOODWILL_REDIS_URL", raising=False)
    name = f"goodwill-crash-{uuid.uuid4().hex[:8]}"
    if request.param == "embedded":
        store = Store(f"sqlite:///{tmp_path / 'crash.db'}")
        store.migrate()
        queue = QueueSpec("sqlite", None, name)
    else:
        store = request.getfixturevalue("postgres_store")
        _truncate(store)
        queue = QueueSpec("redis", request.getfixturevalue("redis_url"), name)
    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
    fleet = Fleet(store, queue, tmp_path)
    yield fleet
    queue.huey(store).flush()
    if request.param == "embedded":
        store.dispose()


def count(store: Store, what: object, *where: object) -> int:
    with store.reader() as session:
        return int(session.scalar(sql_select(func.count()).select_from(what).where(*where)) or 0)  # type: ignore[arg-type]


def conversation_total(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(sql_select(func.sum(Conversation.message_count))) or 0)


def retried(store: Store, table: type) -> int:
    return count(store, table, table.attempts > 1)  # type: ignore[attr-defined]


def test_import_killed_again_and_again_stores_and_triages_every_message_once(fleet: Fleet) -> None:
    total = 12_000
    path = write_jsonl(fleet.tmp / "import.jsonl", total)
    jobs = fleet.queue.jobs(fleet.store)
    key = enqueue_import(jobs, workspace="acme", fmt="jsonl", path=path, now=datetime.now(UTC), chunk_bytes=60_000)
    chunks = import_status(fleet.store, key)["chunks"]
    fleet.kill_repeatedly("import")
    finisher = fleet.queue.jobs(fleet.store, clock=lambda: fleet.after)
    for chunk_id in due_chunks(fleet.store, now=fleet.after):
        run_chunk(finisher, chunk_id)
    status = import_status(fleet.store, key)
    assert (status["done"], status["pending"], status["failed"]) == (chunks, 0, 0), f"seed {fleet.seed}"
    assert count(fleet.store, Message) == total, f"seed {fleet.seed}"
    assert count(fleet.store, Triage) == total  # every inbound message triaged once
    assert conversation_total(fleet.store) == total  # no batch counted twice
    assert retried(fleet.store, ImportChunk) >= 1, "no kill landed inside a chunk: the test proved nothing"


def test_webhook_deliveries_killed_again_and_again_store_every_message_once(fleet: Fleet) -> None:
    cid = x_channel(fleet.store, "acme")
    jobs = fleet.queue.jobs(fleet.store)
    now = datetime.now(UTC)
    total, retries = 2000, 300  # enough that one worker cannot store them all before its kill
    for n in range(total):
        accept(jobs, "x", cid, x_delivery(n)[0], now)
    for n in random.Random(fleet.seed).sample(range(total), retries):  # platforms retry deliveries
        accept(jobs, "x", cid, x_delivery(n)[0], now)
    fleet.kill_repeatedly("deliveries", window=(0.05, 0.5))
    drain(fleet.store, now=lambda: fleet.after)
    assert count(fleet.store, InboundDelivery, InboundDelivery.status == "done") == total + retries, (
        f"seed {fleet.seed}"
    )
    assert count(fleet.store, Message) == total
    assert count(fleet.store, Triage) == total
    assert conversation_total(fleet.store) == total
    assert retried(fleet.store, InboundDelivery) >= 1, "no kill landed inside a drain: the test proved nothing"


def test_sync_killed_again_and_again_resumes_its_cursor_without_a_gap(fleet: Fleet) -> None:
    from tests.jobs import feed

    feed.register()
    total, page = 3000, 20
    path = write_jsonl(fleet.tmp / "feed.jsonl", total)
    path.write_bytes(path.read_bytes().replace(b'"network":"x"', b'"network":"other"'))
    with fleet.store.session() as session:
        ws = access_workspace(session, "acme")
        channel = do_ensure_channel(session, ws, network=Network.OTHER, account_id="feed", acting=TESTER)
        channel.config = {"feed_path": str(path), "feed_page": page}
        session.flush()
        cid = channel.id
    fleet.kill_repeatedly("sync", cid)
    while True:
        result = sync_channel(fleet.store, cid, now=fleet.after)
        assert result.error is None, result.error
        if result.pages <= 1 and result.ingest.stored == 0:
            break
    with fleet.store.reader() as session:
        assert session.get_one(Channel, cid).cursor == {"offset": total}
    assert count(fleet.store, Message) == total, f"seed {fleet.seed}"
    assert conversation_total(fleet.store) == total
    fetched = [line.split() for line in path.with_suffix(".log").read_text().splitlines()]
    offsets = sorted({int(offset) for _pid, offset in fetched})
    assert offsets == list(range(0, total + 1, page)) or offsets == list(range(0, total, page)), "a page was skipped"
    assert len({pid for pid, _offset in fetched}) >= 3, "the sync was not interrupted: the test proved nothing"


def test_sending_killed_again_and_again_posts_every_reply_once(fleet: Fleet) -> None:
    from goodwill.ingest.pipeline import ChannelRef, ingest
    from tests.factories import msg
    from tests.inbox.conftest import classify

    posts = fleet.tmp / "posted.jsonl"
    with fleet.store.session() as session:
        ws = access_workspace(session, "acme")
        channel = do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="acme", acting=TESTER)
        channel.config = {"connector": "local", "local_path": str(posts)}
        ref = ChannelRef.of(channel)
    total = 150
    ingest(
        fleet.store,
        ref,
        [msg(str(n), text=f"my refund {n} is late", author=f"p{n}") for n in range(total)],
        classify=classify,
    )
    with fleet.store.session() as session:
        ws = access_workspace(session, "acme")
        for conv_id in session.scalars(sql_select(Conversation.id).order_by(Conversation.id)):
            do_reply(
                session, ws, access_conversation_by_id(session, ws, conv_id), "So sorry! DMing you.", acting=TESTER
            )
    assert count(fleet.store, Outbox) == total
    fleet.kill_repeatedly("send")
    while count(fleet.store, Outbox, Outbox.status != "sent"):
        report = send_due(fleet.store, now=fleet.after, limit=500)
        assert report.failed == 0
    sent = [r for r in read_posts(posts) if not r.get("failed")]
    assert len(sent) == total and len({r["idempotency_key"] for r in sent}) == total, f"seed {fleet.seed}"
    assert count(fleet.store, Message, Message.direction == "out") == total
    assert retried(fleet.store, Outbox) >= 1, "no kill landed inside a send: the test proved nothing"
