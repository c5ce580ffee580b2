"""Fixtures for connector tests: a credential key (the Bluesky devnet fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "test-key-" + "x" * 40
    monkeypatch.setenv("GOODWILL_SECRET_KEY", key)
    monkeypatch.delenv("GOODWILL_ENV", raising=False)
    return key


# The Bluesky devnet fixtures (`devnet`, `bsky_people`) live in tests/conftest.py: one session-scoped network per
# test process, shared by every folder (a copy imported into another conftest would start a second network on
# the same ports).
