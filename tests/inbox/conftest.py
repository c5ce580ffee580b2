"""Inbox fixtures: a workspace with a team and a channel, and a deterministic classifier keyed on words."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.actions.team import do_add_teammate
from goodwill.domain import Network
from goodwill.domain.enums import Intent, Role, Sentiment
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult
from goodwill.ingest.pipeline import ChannelRef, IngestResult, ingest
from goodwill.jobs import process_pending
from goodwill.store import Store
from goodwill.store.tables import Channel, Conversation, Message
from tests.conftest import TESTER
from tests.factories import T0

NOW = T0 + timedelta(minutes=30)


def classify(texts: Sequence[str]) -> list[TriageResult]:
    """complaint when the text says refund/broken/worst, praise on love/thanks, question on '?', else chatter."""
    out = []
    for text in texts:
        t = text.lower()
        if any(w in t for w in ("refund", "broken", "worst", "late")):
            intent, sentiment, needs, prio = Intent.COMPLAINT, Sentiment.NEGATIVE, True, 70
        elif any(w in t for w in ("love", "thanks", "amazing")):
            intent, sentiment, needs, prio = Intent.PRAISE, Sentiment.POSITIVE, False, 10
        elif "?" in t:
            intent, sentiment, needs, prio = Intent.QUESTION, Sentiment.NEUTRAL, True, 40
        elif "buy now" in t:
            intent, sentiment, needs, prio = Intent.SPAM, Sentiment.NEUTRAL, False, 0
        else:
            intent, sentiment, needs, prio = Intent.CHATTER, Sentiment.NEUTRAL, False, 0
        out.append(
            TriageResult(
                complaint=intent is Intent.COMPLAINT,
                complaint_probability=0.9 if intent is Intent.COMPLAINT else 0.1,
                intent=intent,
                intent_score=0.9,
                sentiment=sentiment,
                sentiment_score=0.0,
                severity=2 if needs else 0,
                needs_reply=needs,
                needs_reply_reason="test",
                priority=prio,
                language="en",
                low_confidence=False,
            )
        )
    return out


@dataclass
class World:
    store: Store
    workspace: str
    channel: ChannelRef
    team: dict[str, int]  # first name -> teammate id
    posts_file: Path

    def ingest(self, *messages: NormalisedMessage, process: bool = True) -> IngestResult:
        result = ingest(self.store, self.channel, list(messages), classify=classify)
        if process:
            process_pending(self.store, now=NOW)
        return result

    def conversation_of(self, native_id: str) -> Conversation:
        with self.store.reader() as session:
            cid = session.scalar(select(Message.conversation_id).where(Message.native_id == native_id))
            conv = session.get(Conversation, cid)
            assert conv is not None
            return conv


@pytest.fixture
def world(store: Store, workspace: str, tmp_path: Path) -> Iterator[World]:
    posts = tmp_path / "posted.jsonl"
    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel = do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="acme", acting=TESTER)
        channel.config = {"connector": "local", "local_path": str(posts)}
        team = {}
        for name, role in (("Olive", Role.OWNER), ("Ada", Role.AGENT), ("Ben", Role.AGENT), ("Vic", Role.VIEWER)):
            mate = do_add_teammate(
                session, ws, email=f"{name.lower()}@acme.test", name=f"{name} Smith", role=role, acting=TESTER
            )
            team[name] = mate.id
        ref = ChannelRef.of(channel)
    yield World(store, workspace, ref, team, posts)


def channel_row(world: World) -> Channel:
    with world.store.reader() as session:
        return session.get_one(Channel, world.channel.id)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
