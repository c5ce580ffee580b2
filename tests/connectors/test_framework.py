"""The connector framework: encrypted credentials, health and back-off, rate-limit headers, the registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from goodwill.connectors import registry
from goodwill.connectors.base import AuthExpired, Capability, RateLimited, TransientError
from goodwill.connectors.health import Health, Status, after_failure, after_success, backoff, parse_reset
from goodwill.connectors.secrets import SecretKeyError, generate_key, seal, unseal

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_credentials_round_trip_encrypted_and_refuse_a_wrong_key() -> None:
    env = {"GOODWILL_SECRET_KEY": generate_key()}
    token = seal({"app_password": "hunter2-hunter2"}, environ=env)
    assert b"hunter2" not in token
    assert unseal(token, environ=env) == {"app_password": "hunter2-hunter2"}
    with pytest.raises(SecretKeyError, match="key changed"):
        unseal(token, environ={"GOODWILL_SECRET_KEY": generate_key()})


def test_key_rotation_old_key_still_decrypts() -> None:
    old, new = generate_key(), "a passphrase that is long enough to be a key!!"
    token = seal({"t": 1}, environ={"GOODWILL_SECRET_KEY": old})
    assert unseal(token, environ={"GOODWILL_SECRET_KEY": f"{new},{old}"}) == {"t": 1}


@pytest.mark.parametrize("key", ["", "changeme", "short-key"])
def test_placeholder_or_missing_keys_are_refused_outside_development(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOODWILL_ENV", raising=False)
    with pytest.raises(SecretKeyError):
        seal({}, environ={"GOODWILL_SECRET_KEY": key})
    monkeypatch.setenv("GOODWILL_ENV", "development")
    assert unseal(seal({"a": 1}, environ={"GOODWILL_SECRET_KEY": key}), environ={"GOODWILL_SECRET_KEY": key}) == {
        "a": 1
    }


def test_expired_token_needs_reauthorisation_network_error_only_degrades() -> None:
    ok = Status(Health.OK, since=NOW)
    down = after_failure(ok, TransientError("connection reset"), NOW)
    assert down.health is Health.DEGRADED and down.retry_at == NOW + timedelta(seconds=30)
    again = after_failure(down, TransientError("timeout"), NOW)
    assert again.retry_at == NOW + timedelta(seconds=60) and again.since == NOW
    expired = after_failure(again, AuthExpired("401"), NOW)
    assert expired.health is Health.NEEDS_REAUTH and expired.retry_at is None
    assert after_success(down, NOW).health is Health.OK
    assert backoff(20) == timedelta(hours=1)


def test_rate_limited_waits_for_the_platforms_reset() -> None:
    reset = NOW + timedelta(minutes=7)
    status = after_failure(Status(Health.OK), RateLimited("429", reset_at=reset), NOW)
    assert status.health is Health.DEGRADED and status.retry_at == reset and status.waiting(NOW)
    assert not status.waiting(reset)


def test_status_survives_the_channel_config_round_trip() -> None:
    status = after_failure(Status(Health.OK), RateLimited("429", reset_at=NOW), NOW - timedelta(seconds=5))
    again = Status.from_channel(status.health.value, {"status": status.as_json()})
    assert again == status


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1772355600", datetime(2026, 3, 1, 9, 0, tzinfo=UTC)),  # X / Bluesky: epoch seconds
        ("2026-08-01T15:00:00.869078Z", datetime(2026, 8, 1, 15, 0, 0, 869078, tzinfo=UTC)),  # Mastodon: ISO
        ("120", NOW + timedelta(seconds=120)),  # Retry-After: seconds
        ("Sun, 01 Mar 2026 09:05:00 GMT", NOW + timedelta(minutes=5)),  # Retry-After: HTTP date
        ("soon", None),
        (None, None),
    ],
)
def test_parse_reset_reads_every_platforms_header(value: str | None, expected: datetime | None) -> None:
    assert parse_reset(value, now=NOW) == expected


def test_registry_declares_capabilities_for_builtin_connectors() -> None:
    import goodwill.connectors  # noqa: F401  (registers the built-in connectors)

    assert {"bluesky", "mastodon"} <= set(registry.registered())
    for name in ("bluesky", "mastodon"):
        assert registry.can(name, Capability.REPLY) and registry.can(name, Capability.BACKFILL)
        assert not registry.can(name, Capability.WEBHOOKS)


def test_a_platform_item_breaking_the_model_is_skipped_with_a_note_not_a_stopped_channel(store, workspace) -> None:
    from goodwill.actions import access_workspace, do_ensure_channel
    from goodwill.connectors.base import Capability, Fetched
    from goodwill.connectors.channels import sync_channel
    from goodwill.domain import Network
    from tests.conftest import TESTER
    from tests.factories import msg

    bad = msg("2", text="no author")
    bad.author.native_id = ""  # the platform withheld the author

    class Withheld:
        network = Network.X
        capabilities = frozenset({Capability.READ_MENTIONS})

        def fetch(self, channel, cursor):
            return Fetched(messages=[msg("1", text="hello"), bad], cursor={"since": "2"})

        def send(self, channel, outgoing):
            raise NotImplementedError

    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel_id = do_ensure_channel(session, ws, network=Network.X, account_id="brand", acting=TESTER).id
    result = sync_channel(store, channel_id, connector=Withheld())
    assert result.error is None and result.ingest.stored == 1
    assert any("skipped x item 2" in note and "author_id" in note for note in result.status.notes)
