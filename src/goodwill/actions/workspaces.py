"""Workspaces and channels."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.audit import Acting, audit
from goodwill.domain.enums import Network
from goodwill.store.tables import Channel, Workspace

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class NotFound(LookupError):
    """The object asked for does not exist (or the caller may not see it)."""


def access_workspace(session: Session, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound(f"no workspace {slug!r}: create it with `goodwill init --workspace {slug}`")
    return workspace


def access_channel(session: Session, workspace: Workspace, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != workspace.id:
        raise NotFound(f"no channel {channel_id} in workspace {workspace.slug!r}")
    return channel


def do_create_workspace(session: Session, *, slug: str, name: str, timezone: str = "UTC", acting: Acting) -> Workspace:
    """Create a workspace. Idempotent on `slug`: an existing workspace is returned unchanged."""
    if not SLUG.match(slug):
        raise ValueError(f"workspace slug {slug!r}: use lower-case letters, digits and dashes")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"time zone {timezone!r} is not a known IANA zone (e.g. Europe/Paris)") from exc
    existing = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if existing is not None:
        return existing
    workspace = Workspace(slug=slug, name=name, timezone=timezone, settings={}, created_at=datetime.now(UTC))
    session.add(workspace)
    session.flush()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="workspace.create",
        object_type="workspace",
        object_id=workspace.id,
        data={"slug": slug, "name": name},
    )
    return workspace


def do_write_settings(
    session: Session,
    workspace: Workspace,
    changes: dict[str, Any],
    *,
    action: str,
    acting: Acting,
    data: Any = None,
) -> dict[str, Any]:
    """Set top-level keys of `Workspace.settings` (a value of None removes the key) and write the audit row,
    in the caller's transaction. Returns the settings as they were. The one writer of workspace policy:
    callers validate, this stores."""
    before = dict(workspace.settings or {})
    settings = dict(before)
    for key, value in changes.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    workspace.settings = settings  # a new dict: the JSON column sees the change
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action=action,
        object_type="workspace",
        object_id=workspace.id,
        data=changes if data is None else data,
    )
    return before


def do_ensure_channel(
    session: Session,
    workspace: Workspace,
    *,
    network: Network,
    account_id: str,
    handle: str | None = None,
    name: str | None = None,
    acting: Acting,
) -> Channel:
    """The channel for our account `account_id` on `network`, created on first sight (audited)."""
    channel = session.scalar(
        select(Channel).where(
            Channel.workspace_id == workspace.id,
            Channel.network == network.value,
            Channel.account_id == account_id,
        )
    )
    if channel is not None:
        return channel
    channel = Channel(
        workspace_id=workspace.id,
        network=network.value,
        account_id=account_id,
        handle=handle or account_id,
        name=name or handle or account_id,
        config={},
        cursor={},
        health="ok",
        created_at=datetime.now(UTC),
    )
    session.add(channel)
    session.flush()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="channel.create",
        object_type="channel",
        object_id=channel.id,
        data={"network": network.value, "account_id": account_id},
    )
    return channel


def do_set_channel_connector(session: Session, channel: Channel, connector: str, *, acting: Acting) -> None:
    """Send the channel's replies through another registered connector (`local` records them in a file:
    the demo world, tests). Audited."""
    from goodwill.connectors import registry

    if connector not in registry.registered():
        raise ValueError(f"no connector {connector!r} (registered: {', '.join(registry.registered())})")
    channel.config = {**(channel.config or {}), "connector": connector}  # a new dict: the JSON column sees it
    audit(
        session,
        workspace_id=channel.workspace_id,
        acting=acting,
        action="channel.connector",
        object_type="channel",
        object_id=channel.id,
        data={"connector": connector},
    )
