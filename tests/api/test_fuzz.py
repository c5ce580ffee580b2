"""Schemathesis over the generated OpenAPI: every /api/v1 operation with generated valid and invalid input.
No 500, no response that breaks its documented schema or status codes, and no write from a refused request
(the audit log, which every action writes in its own transaction, does not grow on a 4xx).

Bounded (FUZZ_EXAMPLES per operation, on SQLite) to stay near a minute; GOODWILL_FUZZ_EXAMPLES raises it, and
GOODWILL_FUZZ_URL runs it against another empty database (PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from goodwill.actions import do_create_workspace, do_ensure_channel
from goodwill.actions.team import do_add_teammate
from goodwill.actions.tokens import SCOPES, do_create_token
from goodwill.api.app import create_app
from goodwill.domain import Network
from goodwill.domain.enums import Role
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.jobs import process_pending
from goodwill.store import Store
from goodwill.store.tables import AuditEntry
from tests.api.conftest import named
from tests.conftest import TESTER
from tests.inbox.conftest import NOW, classify

FUZZ_EXAMPLES = int(os.environ.get("GOODWILL_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The schema is read from the app at import (schemathesis parametrizes at collection); the fixture below gives
# the app its store. The placeholder is an in-memory SQLite that nothing uses.
APP = create_app(Store("sqlite:///:memory:"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(path_regex=r"^/api/v1/")


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """One SQLite store for the whole run: workspace acme with a team, conversations, and the owner's token."""
    url = os.environ.get("GOODWILL_FUZZ_URL") or f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    store = Store(url)
    store.migrate()
    with store.session() as session:
        ws = do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
        channel = do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="acme", acting=TESTER)
        channel.config = {"connector": "local", "local_path": str(tmp_path_factory.mktemp("posts") / "p.jsonl")}
        owner = do_add_teammate(session, ws, email="olive@acme.test", name="Olive", role=Role.OWNER, acting=TESTER)
        do_add_teammate(session, ws, email="ada@acme.test", name="Ada", role=Role.AGENT, acting=TESTER)
        secret = do_create_token(session, ws, owner, name="fuzz", scopes=list(SCOPES), acting=TESTER).secret
        ref = ChannelRef.of(channel)
    texts = ["My refund is late, worst", "Do you ship to Canada?", "Love it, thanks!", "buy now cheap"]
    ingest(
        store,
        ref,
        [named(str(i), t, f"Person{i} Lee", author=f"u{i}") for i, t in enumerate(texts, 1)],
        classify=classify,
    )
    process_pending(store, now=NOW)
    placeholder = APP.state.store
    APP.state.store = store
    yield store, secret
    APP.state.store = placeholder
    store.dispose()


def _audit_rows(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_500_no_schema_violation_no_partial_write(case: Any, fuzz_store: tuple[Store, str]) -> None:
    store, secret = fuzz_store
    if "slug" in (case.path_parameters or {}) and case.path_parameters["slug"] != "other":
        case.path_parameters["slug"] = "acme"  # reach the handlers, not only the workspace check
    before = _audit_rows(store)
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        assert _audit_rows(store) == before, (
            f"{case.method} {case.path} wrote an audit row and answered {response.status_code}"
        )
