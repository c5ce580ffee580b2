"""Fixtures for connector tests: a credential key, the real local Bluesky network, recorded payloads."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.connectors import bsky_devnet


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "test-key-" + "x" * 40
    monkeypatch.setenv("GOODWILL_SECRET_KEY", key)
    monkeypatch.delenv("GOODWILL_ENV", raising=False)
    return key


def _unavailable(why: object) -> None:
    if IN_CI:
        pytest.fail(f"the Bluesky devnet is required under CI=true: {why}")
    pytest.skip(f"Bluesky devnet not available: {why}")


@pytest.fixture(scope="session")
def devnet() -> Iterator[dict[str, Any]]:
    """The ready JSON of a running network: one already running, or one started for this test session."""
    info = bsky_devnet.running()
    if info is not None:
        yield info
        return
    network = bsky_devnet.Devnet(os.environ.get("PYTEST_XDIST_WORKER", ""))
    try:
        info = network.start()
    except (bsky_devnet.DevnetUnavailable, OSError) as exc:
        network.stop()
        _unavailable(exc)
    try:
        yield info
    finally:
        network.stop()


@pytest.fixture
def bsky_people(devnet: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fresh accounts for one test (the network is shared): a brand and two customers."""
    tag = uuid.uuid4().hex[:8]
    people = {}
    for role in ("brand", "carol", "dave"):
        people[role] = bsky_devnet.post(
            devnet["control"], "/accounts", {"handle": f"{role}-{tag}.test", "password": f"{role}-pass-{tag}"}
        )
    return people
