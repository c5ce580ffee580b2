"""The connector contract: what every network's connector declares and does.

A connector turns one network's platform JSON into NormalisedMessage (reading) and sends replies, direct
messages and posts (writing). Everything after reading is shared code (goodwill.ingest); everything before
sending (drafts, approval, the outbox) is shared code too. Connectors are registered by network in
`goodwill.connectors.registry`; the core looks capabilities up there, never branches on network names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from goodwill.domain.enums import Network, Visibility
from goodwill.domain.message import NativeRef, NormalisedMessage


class Capability(StrEnum):
    READ_MENTIONS = "read_mentions"
    READ_COMMENTS = "read_comments"
    READ_DIRECT = "read_direct"
    REPLY = "reply"
    DIRECT = "direct"  # send a private message
    PRIVATE_REPLY = "private_reply"  # answer a public comment in private (Meta)
    POST = "post"
    HIDE = "hide"
    WEBHOOKS = "webhooks"
    BACKFILL = "backfill"


class ConnectorError(Exception):
    """A platform refused or failed; `platform_error` keeps what the platform said, for the user to see."""

    def __init__(self, message: str, *, platform_error: Any = None) -> None:
        super().__init__(message)
        self.platform_error = platform_error


class TransientError(ConnectorError):
    """Worth retrying later: a network error, a 5xx, a timeout."""


class RateLimited(TransientError):
    def __init__(self, message: str, *, reset_at: datetime | None, platform_error: Any = None) -> None:
        super().__init__(message, platform_error=platform_error)
        self.reset_at = reset_at


class AuthExpired(ConnectorError):
    """The channel needs re-authorisation by a person; retrying will not help."""


class Refused(ConnectorError):
    """The platform refused this request for good (too long, window closed, blocked, deleted parent)."""


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What a connector is given about the channel it works for. Credentials are already decrypted."""

    channel_id: int
    network: Network
    account_id: str
    handle: str
    config: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send. `in_reply_to` is the stored inbound message (everything needed to answer it)."""

    text: str
    idempotency_key: str
    in_reply_to: NormalisedMessage | None = None  # None: a new post (or a DM opened by us)
    private_conversation_id: str | None = None  # send into this private conversation
    visibility: Visibility | None = None  # None: the network's right default for the reply
    private_reply: bool = False  # answer a public comment in private (Meta private replies)
    media: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sent:
    """What the platform answered: the new message's native reference and the raw response."""

    native: NativeRef
    created_at: datetime
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fetched:
    """One page of new messages and the cursor to resume from after they are stored."""

    messages: list[NormalisedMessage]
    cursor: dict[str, Any]
    more: bool = False
    # Credentials to store in place of the channel's (a refreshed session); None: unchanged.
    credentials: dict[str, Any] | None = None
    # Things the user should know that did not stop the fetch ("direct messages not allowed by this app password").
    notes: tuple[str, ...] = ()


@runtime_checkable
class Connector(Protocol):
    network: Network
    capabilities: frozenset[Capability]

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        """New messages since `cursor` (an empty cursor means: the history backfill)."""
        ...

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        """Send one message. Raises a ConnectorError subclass on failure, never returns half a result."""
        ...


@dataclass(frozen=True, slots=True)
class Account:
    """Our account as the network confirmed it when the channel was connected, and what to store for it."""

    account_id: str  # the network's stable id: DID, Mastodon account id@host, ...
    handle: str
    name: str
    credentials: dict[str, Any]  # stored encrypted in Channel.credentials
    config: dict[str, Any] = field(default_factory=dict)  # stored in Channel.config (server URL, ...)


@runtime_checkable
class Authenticator(Protocol):
    """A connector that can connect an account from what a user gives (`goodwill connect NETWORK ...`)."""

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        """Log in with `credentials`, confirm the account, and say what to store. Raises AuthExpired if refused."""
        ...


class Moderation(StrEnum):
    """What a moderator can do to an inbound public message, where the network allows it."""

    HIDE = "hide"  # X hidden reply, Facebook/Instagram hidden comment
    UNHIDE = "unhide"
    APPROVE = "approve"  # blog comment out of the moderation queue
    SPAM = "spam"  # blog comment marked as spam


@runtime_checkable
class Moderator(Protocol):
    """A connector that declares Capability.HIDE (or moderates blog comments) implements this too."""

    def moderate(self, channel: ChannelContext, target: NormalisedMessage, action: Moderation) -> dict[str, Any]:
        """Apply `action` to `target` on the network; returns the platform's answer. Raises ConnectorError."""
        ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one webhook delivery carried for one of our accounts (`account_id`): messages to ingest, and control
    events that are not messages (`{"type": "revoked"}`, `{"type": "deleted", "id": ...}`, typing, read)."""

    account_id: str
    messages: list[NormalisedMessage] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
