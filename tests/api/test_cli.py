"""`goodwill token create|list|revoke` as a user runs them; the printed secret works against the API."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from goodwill.actions import do_create_workspace
from goodwill.actions.team import do_add_teammate
from goodwill.api.app import create_app
from goodwill.domain.enums import Role
from goodwill.store import Store
from tests.cli import goodwill
from tests.conftest import TESTER


def test_create_list_and_revoke_a_token_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    store.migrate()
    with store.session() as session:
        ws = do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
        do_add_teammate(session, ws, email="ada@acme.test", name="Ada", role=Role.AGENT, acting=TESTER)
    where = ("-d", url, "-w", "acme")
    made = goodwill(
        tmp_path,
        "token",
        "create",
        "--for",
        "ada@acme.test",
        "--name",
        "zapier",
        "--scope",
        "read",
        "--scope",
        "reply",
        "--json",
        *where,
    )
    issued = json.loads(made.stdout)
    assert issued["scopes"] == ["read", "reply"] and issued["secret"].startswith("gw_")
    client = TestClient(create_app(store))
    headers = {"Authorization": f"Bearer {issued['secret']}"}
    assert client.get("/api/v1/me", headers=headers).json()["teammate"]["email"] == "ada@acme.test"
    listed = json.loads(goodwill(tmp_path, "token", "list", "--json", *where).stdout)
    assert listed["count"] == 1 and listed["data"][0]["teammate"] == "ada@acme.test"
    assert issued["secret"] not in goodwill(tmp_path, "token", "list", *where).stdout
    too_much = goodwill(
        tmp_path, "token", "create", "--for", "ada@acme.test", "--name", "x", "--scope", "admin", *where, ok=False
    )
    assert too_much.returncode == 1 and "an agent cannot hold the 'admin' scope" in too_much.stderr.replace("\n", " ")
    assert "revoked" in goodwill(tmp_path, "token", "revoke", str(issued["id"]), *where).stdout
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    store.dispose()
