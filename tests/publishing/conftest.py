"""Publishing fixtures: a workspace with a team and two channels (X and Bluesky) sending through the local
connector, each into its own file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.actions.audit import Acting
from goodwill.actions.team import do_add_teammate
from goodwill.connectors.local import read_posts
from goodwill.domain import Network
from goodwill.domain.enums import Role
from goodwill.store import Store
from goodwill.store.tables import Channel, Post, Workspace
from tests.conftest import TESTER
from tests.connectors.conftest import secret_key  # noqa: F401 - the credential key (devnet fixtures: tests/conftest.py)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@dataclass
class World:
    store: Store
    workspace: str
    x: int  # channel ids
    bsky: int
    team: dict[str, Acting]  # first name -> acting as that teammate
    files: dict[int, Path]

    def posted(self, channel_id: int) -> list[dict[str, Any]]:
        return [r for r in read_posts(self.files[channel_id]) if not r.get("failed")]

    def post(self, post_id: int) -> Post:
        with self.store.reader() as session:
            return session.get_one(Post, post_id)

    def set_channel(self, channel_id: int, **config: Any) -> None:
        with self.store.session() as session:
            channel = session.get_one(Channel, channel_id)
            channel.config = {**channel.config, **config}


def ws(session: Any, world: World) -> Workspace:
    return access_workspace(session, world.workspace)


@pytest.fixture
def world(store: Store, workspace: str, tmp_path: Path) -> Iterator[World]:
    with store.session() as session:
        w = access_workspace(session, workspace)
        ids, files = {}, {}
        for network, handle in ((Network.X, "acme"), (Network.BLUESKY, "acme.bsky.social")):
            channel = do_ensure_channel(
                session, w, network=network, account_id=f"brand-{network}", handle=handle, acting=TESTER
            )
            files[channel.id] = tmp_path / f"{network}.jsonl"
            channel.config = {"connector": "local", "local_path": str(files[channel.id])}
            ids[network] = channel.id
        team = {}
        for name, role in (("Olive", Role.OWNER), ("Theo", Role.ADMIN), ("Ada", Role.AGENT), ("Vic", Role.VIEWER)):
            mate = do_add_teammate(session, w, email=f"{name.lower()}@acme.test", name=name, role=role, acting=TESTER)
            team[name] = Acting(label=mate.email, teammate_id=mate.id)
    yield World(store, workspace, ids[Network.X], ids[Network.BLUESKY], team, files)
