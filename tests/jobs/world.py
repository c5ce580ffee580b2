"""Data for the job tests and benchmarks: goodwill JSON Lines files, X webhook deliveries made from the real
recorded Account Activity payload (only ids, sender and text varied), and a way to run a queue to the end."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from goodwill.actions.workspaces import access_workspace, do_ensure_channel
from goodwill.connectors.secrets import seal
from goodwill.connectors.x import webhook as x_hook
from goodwill.domain.enums import Network
from goodwill.jobs.queue import Jobs
from goodwill.store import Store
from tests.conftest import TESTER, shared_file

X_SECRET = "test_consumer_secret"
X_ACCOUNT = "4337869213"  # the recorded payload's for_user_id
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TEXTS = (
    "my order {n} never arrived, I want a refund",
    "love the new grinder, best coffee ever ({n})",
    "do you ship order {n} to Lisbon?",
    "the app crashes every time I open my basket #{n}",
    "thanks for the quick help yesterday! {n}",
)


def text(n: int) -> str:
    return TEXTS[n % len(TEXTS)].format(n=n)


def write_jsonl(path: Path, count: int, *, channel: str = "acme", people: int = 500, offset: int = 0) -> Path:
    """`count` inbound messages in goodwill's JSON Lines format, from `people` authors, a minute apart."""
    with path.open("wb") as out:
        for i in range(offset, offset + count):
            record = {
                "network": "x",
                "channel": channel,
                "direction": "in",
                "id": f"m{i}",
                "text": text(i),
                "author_id": f"p{i % people}",
                "author_handle": f"person{i % people}",
                "created_at": (START + timedelta(minutes=i)).isoformat(),
            }
            out.write(orjson.dumps(record) + b"\n")
    return path


def x_channel(store: Store, workspace: str) -> int:
    """The X channel of the recorded payload's account, with the consumer secret that signs deliveries."""
    with store.session() as session:
        ws = access_workspace(session, workspace)
        row = do_ensure_channel(session, ws, network=Network.X, account_id=X_ACCOUNT, acting=TESTER)
        row.credentials = seal({"consumer_secret": X_SECRET})
        session.flush()
        return row.id


_RECORDED: dict[str, Any] = {}


def x_delivery(n: int) -> tuple[bytes, dict[str, str]]:
    """The recorded X direct-message delivery as message number `n` (its own id, sender and text), signed."""
    if not _RECORDED:
        path = shared_file("payloads/x/aaa_direct_message_events.docs.json")
        _RECORDED.update(json.loads(Path(path).read_text())["payload"])
    body = copy.deepcopy(_RECORDED)
    event = body["direct_message_events"][0]
    event["id"] = str(954491830116155396 + n)
    event["created_timestamp"] = str(int((START + timedelta(seconds=n)).timestamp() * 1000))
    sender = str(3001969357 + n % 50)
    event["message_create"]["sender_id"] = sender
    event["message_create"]["message_data"]["text"] = text(n)
    body["users"][sender] = {**body["users"]["3001969357"], "id": sender, "screen_name": f"camper{n % 50}"}
    raw = json.dumps(body).encode()
    return raw, {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw), "content-type": "application/json"}


def run_until(jobs: Jobs, done: Callable[[], bool], *, timeout: float = 60.0) -> int:
    """Run the queue's tasks in this thread until `done()` (ticking the schedule too). Returns tasks run."""
    ran, deadline = 0, time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the queue did not finish in time")
        task = jobs.huey.dequeue()
        if task is None:
            jobs.tick()
            time.sleep(0.02)
            continue
        jobs.huey.execute(task)
        ran += 1
    return ran
