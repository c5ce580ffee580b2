"""The REST API's world: the inbox world (Olive owner, Ada and Ben agents, Vic viewer) plus Adam the admin,
a token per teammate with every scope their role allows, conversations, and a second workspace with its own
owner and token (to prove one workspace never reaches another's objects)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from goodwill.actions import access_workspace, do_create_workspace, do_ensure_channel
from goodwill.actions.team import do_add_teammate
from goodwill.actions.tokens import ROLE_SCOPES, SCOPES, do_create_token
from goodwill.api.app import create_app
from goodwill.domain import Network
from goodwill.domain.enums import Role
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.tables import Teammate
from tests.conftest import TESTER
from tests.factories import msg
from tests.inbox.conftest import World, classify, world  # noqa: F401 - the fixture, shared

ROLES = ("owner", "admin", "agent", "viewer")
WHO = {"owner": "Olive", "admin": "Adam", "agent": "Ada", "viewer": "Vic"}
BASE = "/api/v1/workspaces/acme"


def named(native_id: str, text: str, name: str, **kw: Any) -> Any:
    m = msg(native_id, text=text, **kw)
    return dataclasses.replace(m, author=dataclasses.replace(m.author, display_name=name))


@dataclass
class Api:
    world: World
    client: TestClient
    tokens: dict[str, str]  # role -> secret (every scope the role allows)
    other: str  # the other workspace owner's token
    other_conversation: int
    ids: dict[str, int] = field(default_factory=dict)

    def token(self, teammate: str, scopes: list[str], name: str = "test") -> str:
        with self.world.store.session() as session:
            ws = access_workspace(session, self.world.workspace)
            mate = session.get_one(Teammate, self.world.team[teammate])
            return do_create_token(session, ws, mate, name=name, scopes=scopes, acting=TESTER).secret

    def call(self, method: str, path: str, role: str | None = "owner", token: str | None = None, **kw: Any) -> Response:
        secret = token if token is not None else (self.tokens[role] if role else None)
        headers = {**kw.pop("headers", {}), **({"Authorization": f"Bearer {secret}"} if secret else {})}
        return self.client.request(method, path if path.startswith("/") else f"{BASE}/{path}", headers=headers, **kw)

    def get(self, path: str, role: str | None = "owner", **kw: Any) -> Response:
        return self.call("GET", path, role, **kw)


def _other_workspace(store: Store) -> tuple[str, int]:
    """Workspace "other" with an owner, a token and one conversation."""
    with store.session() as session:
        ws = do_create_workspace(session, slug="other", name="Other", acting=TESTER)
        channel = do_ensure_channel(session, ws, network=Network.X, account_id="other", handle="other", acting=TESTER)
        owner = do_add_teammate(session, ws, email="owen@other.test", name="Owen Other", role=Role.OWNER, acting=TESTER)
        secret = do_create_token(session, ws, owner, name="other", scopes=list(SCOPES), acting=TESTER).secret
        ref = ChannelRef.of(channel)
    ingest(store, ref, [msg("o1", text="is my refund late?", author="x9")], classify=classify)
    from sqlalchemy import select

    from goodwill.store.tables import Message

    with store.reader() as session:
        conversation = session.scalar(select(Message.conversation_id).where(Message.native_id == "o1"))
    assert conversation is not None
    return secret, conversation


@pytest.fixture
def api(world: World) -> Iterator[Api]:  # noqa: F811 - the shared fixture, used
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        adam = do_add_teammate(session, ws, email="adam@acme.test", name="Adam Jones", role=Role.ADMIN, acting=TESTER)
        world.team["Adam"] = adam.id
        tokens = {}
        for role, name in WHO.items():
            mate = session.get_one(Teammate, world.team[name])
            scopes = [s for s in SCOPES if s in ROLE_SCOPES[role]]
            tokens[role] = do_create_token(session, ws, mate, name=f"{role}-all", scopes=scopes, acting=TESTER).secret
    world.ingest(
        named("1", "My refund is late again, this is the worst", "Ann Lee", author="ann"),
        named("2", "Do you ship to Canada?", "Bob Ray", author="bob", minutes=1),
        named("3", "I love the new blend, thanks!", "Cat Kim", author="cat", minutes=2),
    )
    other, other_conversation = _other_workspace(world.store)
    with TestClient(create_app(world.store)) as client:
        yield Api(world, client, tokens, other, other_conversation)
