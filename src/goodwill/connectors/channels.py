"""Connected channels: connect an account, list channels with their health, sync them, send through them.

The library API behind `goodwill connect`, `goodwill channels` and `goodwill sync`.

Resuming exactly: a sync loops fetch -> ingest (one transaction per batch) -> save the cursor. The cursor is
saved right after the batch it covers is committed, in its own transaction, so a crash in between leaves the
older cursor: the next sync fetches those messages again and ingest's dedupe on (channel, native id) drops
them. That is why every connector's contract is "re-fetching from an older cursor gives a superset, never a
gap": nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound, access_workspace, do_ensure_channel
from goodwill.connectors import registry
from goodwill.connectors.base import (
    Authenticator,
    AuthExpired,
    Capability,
    ChannelContext,
    Connector,
    ConnectorError,
    Outgoing,
    Sent,
)
from goodwill.connectors.health import Health, Status, after_failure, after_success
from goodwill.connectors.secrets import seal, unseal
from goodwill.domain.enums import Network
from goodwill.domain.message import InvalidMessage, NormalisedMessage
from goodwill.ingest.pipeline import ChannelRef, Classifier, IngestResult, ingest
from goodwill.store import Store
from goodwill.store.tables import Channel, Workspace

MAX_PAGES = 50  # per sync; the rest comes on the next sync (the cursor says where)


@dataclass(slots=True)
class ChannelView:
    id: int
    network: str
    handle: str
    name: str
    account_id: str
    status: Status
    capabilities: list[str]
    cursor: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network": self.network,
            "handle": self.handle,
            "name": self.name,
            "account_id": self.account_id,
            "health": self.status.health.value,
            "status": self.status.as_json(),
            "capabilities": self.capabilities,
        }


@dataclass(slots=True)
class SyncResult:
    channel_id: int
    handle: str
    network: str
    pages: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    status: Status | None = None
    skipped: str | None = None  # why nothing was fetched (waiting for a reset, needs re-authorisation)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel_id": self.channel_id,
            "handle": self.handle,
            "network": self.network,
            "pages": self.pages,
            "received": self.ingest.received,
            "stored": self.ingest.stored,
            "duplicates": self.ingest.duplicates,
            "health": self.status.health.value if self.status else None,
            "status": self.status.as_json() if self.status else None,
            "skipped": self.skipped,
            "error": self.error,
        }


def _capabilities(network: str) -> list[str]:
    try:
        return sorted(c.value for c in registry.get(network).capabilities)
    except LookupError:
        return []


def _view(channel: Channel) -> ChannelView:
    return ChannelView(
        id=channel.id,
        network=channel.network,
        handle=channel.handle,
        name=channel.name,
        account_id=channel.account_id,
        status=Status.from_channel(channel.health, channel.config or {}),
        capabilities=_capabilities(channel.network),
        cursor=dict(channel.cursor or {}),
    )


def list_channels(store: Store, *, workspace: str) -> list[ChannelView]:
    with store.reader() as session:
        ws = access_workspace(session, workspace)
        channels = session.scalars(select(Channel).where(Channel.workspace_id == ws.id).order_by(Channel.id))
        return [_view(c) for c in channels]


def find_channel(store: Store, *, workspace: str, ref: str | int) -> int:
    """A channel id from an id or a handle (`@acme`, `brand.test`, `acme@mastodon.social`)."""
    with store.reader() as session:
        ws = access_workspace(session, workspace)
        return _find(session, ws, ref).id


def _find(session: Any, ws: Workspace, ref: str | int) -> Channel:
    text = str(ref).strip()
    if text.isdigit():
        channel = session.get(Channel, int(text))
        if channel is not None and channel.workspace_id == ws.id:
            return channel  # type: ignore[no-any-return]
    handle = text.lstrip("@").lower()
    for channel in session.scalars(select(Channel).where(Channel.workspace_id == ws.id)):
        if channel.handle.lstrip("@").lower() == handle or channel.account_id == text:
            return channel  # type: ignore[no-any-return]
    raise NotFound(f"no channel {text!r} in workspace {ws.slug!r}: see `goodwill channels`")


def connect_channel(
    store: Store,
    *,
    workspace: str,
    network: str,
    credentials: dict[str, Any],
    config: dict[str, Any] | None = None,
    acting: Acting,
    connector: Connector | None = None,
    backfill: bool = True,
    classify: Classifier | None = None,
    now: datetime | None = None,
) -> tuple[ChannelView, SyncResult | None]:
    """Log in, store the channel with its credentials encrypted, then backfill its history (unless told not to).

    Connecting an account already connected updates its credentials and clears "needs re-authorisation"; its
    cursor is kept, so nothing is fetched twice.
    """
    now = now or datetime.now(UTC)
    connector = connector or registry.get(network)
    if not isinstance(connector, Authenticator):
        raise ValueError(f"the {network} connector cannot connect accounts (it has no authenticate step)")
    with store.reader() as session:
        access_workspace(session, workspace)  # fail before logging in
    account = connector.authenticate(credentials, dict(config or {}))
    sealed = seal(account.credentials)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel = do_ensure_channel(
            session,
            ws,
            network=Network(network),
            account_id=account.account_id,
            handle=account.handle,
            name=account.name,
            acting=acting,
        )
        channel.credentials = sealed
        channel.handle = account.handle
        channel.name = account.name
        status = Status(Health.OK, since=now)
        channel.config = {**(channel.config or {}), **account.config, "status": status.as_json()}
        channel.health = Health.OK.value
        audit(
            session,
            workspace_id=ws.id,
            acting=acting,
            action="channel.connect",
            object_type="channel",
            object_id=channel.id,
            data={"network": network, "handle": account.handle},
        )
        session.flush()
        view = _view(channel)
    result = None
    if backfill and Capability.BACKFILL in connector.capabilities:
        result = sync_channel(store, view.id, connector=connector, classify=classify, now=now)
        view.status = result.status or view.status
    return view, result


def channel_context(store: Store, channel_id: int) -> ChannelContext:
    """What a connector needs to act for the channel, credentials decrypted."""
    with store.reader() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise NotFound(f"no channel {channel_id}")
        return ChannelContext(
            channel_id=channel.id,
            network=Network(channel.network),
            account_id=channel.account_id,
            handle=channel.handle,
            config={k: v for k, v in (channel.config or {}).items() if k != "status"},
            credentials=unseal(channel.credentials),
        )


def _load(store: Store, channel_id: int) -> tuple[ChannelRef, Status, dict[str, Any], str]:
    with store.reader() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise NotFound(f"no channel {channel_id}")
        status = Status.from_channel(channel.health, channel.config or {})
        return ChannelRef.of(channel), status, dict(channel.cursor or {}), channel.handle


def _save(
    store: Store,
    channel_id: int,
    *,
    cursor: dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
    status: Status | None = None,
) -> None:
    with store.session() as session:
        channel = session.get(Channel, channel_id, with_for_update=True)
        if channel is None:
            raise NotFound(f"no channel {channel_id}")
        if cursor is not None:
            channel.cursor = cursor
        if credentials is not None:
            channel.credentials = seal(credentials)
        if status is not None:
            channel.health = status.health.value
            channel.config = {**(channel.config or {}), "status": status.as_json()}


def sync_channel(
    store: Store,
    channel_id: int,
    *,
    connector: Connector | None = None,
    classify: Classifier | None = None,
    now: datetime | None = None,
    force: bool = False,
    max_pages: int = MAX_PAGES,
    on_page: Callable[[IngestResult], None] | None = None,
) -> SyncResult:
    """Fetch what is new since the channel's cursor and ingest it. Never raises for a platform failure: the
    failure is recorded as the channel's health and returned in `error`. `force` ignores a pending back-off."""
    now = now or datetime.now(UTC)
    ref, status, cursor, handle = _load(store, channel_id)
    result = SyncResult(channel_id=channel_id, handle=handle, network=ref.network, status=status)
    if status.health is Health.NEEDS_REAUTH and not force:
        result.skipped = f"needs re-authorisation ({status.reason}): run `goodwill connect {ref.network} ...` again"
        return result
    if status.waiting(now) and not force:
        assert status.retry_at is not None
        result.skipped = f"waiting until {status.retry_at.isoformat(timespec='seconds')} ({status.reason})"
        return result
    connector = connector or registry.get(ref.network)
    context = channel_context(store, channel_id)
    notes: list[str] = []
    try:
        while result.pages < max_pages:
            fetched = connector.fetch(context, cursor)
            result.pages += 1
            storable = _storable(fetched.messages, notes)
            if storable:
                page = ingest(store, ref, storable, classify=classify)
                result.ingest.add(page)
                if on_page is not None:
                    on_page(page)
            # Saved after the batch's own transaction committed: see the module docstring.
            cursor = fetched.cursor
            _save(store, channel_id, cursor=cursor, credentials=fetched.credentials)
            if fetched.credentials is not None:
                context = replace(context, credentials=fetched.credentials)
            notes.extend(n for n in fetched.notes if n not in notes)
            if not fetched.more:
                break
    except ConnectorError as exc:
        result.status = after_failure(status, exc, now)
        result.error = str(exc)
        _save(store, channel_id, status=result.status)
        return result
    result.status = after_success(status, now, tuple(notes))
    _save(store, channel_id, status=result.status)
    return result


def _storable(messages: list[NormalisedMessage], notes: list[str]) -> list[NormalisedMessage]:
    """The messages that keep the model's contract. A platform object that breaks it (a comment whose author
    the platform withheld, say) is skipped with a note on the channel, rather than stopping the channel."""
    kept = []
    for message in messages:
        try:
            message.validate()
        except InvalidMessage as exc:
            note = f"skipped {message.network.value} item {message.native.id or '?'}: {exc}"
            if note not in notes:
                notes.append(note)
        else:
            kept.append(message)
    return kept


def sync_all(store: Store, *, workspace: str, **kwargs: Any) -> list[SyncResult]:
    return [
        sync_channel(store, view.id, **kwargs)
        for view in list_channels(store, workspace=workspace)
        if registry.registered().count(view.network)
    ]


def mark_needs_reauthorisation(store: Store, channel_id: int, exc: AuthExpired, now: datetime) -> None:
    """Record on the channel that its token expired: shown to the user until they reconnect."""
    _ref, status, _cursor, _handle = _load(store, channel_id)
    _save(store, channel_id, status=after_failure(status, exc, now))


def send(store: Store, channel_id: int, outgoing: Outgoing, *, connector: Connector | None = None) -> Sent:
    """Send through the channel; an expired token marks the channel "needs re-authorisation" before re-raising.
    Other failures (a refusal, a passing network error) are raised as they are and leave health unchanged."""
    ref, status, _cursor, _handle = _load(store, channel_id)
    connector = connector or registry.get(ref.network)
    try:
        return connector.send(channel_context(store, channel_id), outgoing)
    except AuthExpired as exc:
        # Only an expired token is the channel's state; a passing send failure is the outbox's to retry.
        _save(store, channel_id, status=after_failure(status, exc, datetime.now(UTC)))
        raise
