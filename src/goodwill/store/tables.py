"""SQLAlchemy tables for the vocabulary in docs/architecture.md.

Portable across SQLite and PostgreSQL: JSON columns, timezone-aware timestamps stored as UTC, enum values as
short strings (validated in the domain layer, not by database enums, so adding a value needs no migration).
Only `goodwill.actions` and `goodwill.ingest` write to these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# a message that is one of the brand's replies (outbound, answering someone), as the partial index of replies by
# time states it (ix_message_reply_time; a query uses that index when its WHERE has these same terms, as
# goodwill.publishing.mix.is_engagement_message writes them)
REPLY_CONDITION = "direction = 'out' AND (parent_native_id IS NOT NULL OR private_conversation_id IS NOT NULL)"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, UTC-aware datetimes out, on SQLite (which has no zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give every timestamp a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, typed as a Table (SQLAlchemy types `__table__` as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only autoincrements INTEGER PRIMARY KEY


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        bytes: LargeBinary(),
    }


class Workspace(Base):
    __tablename__ = "workspace"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Teammate(Base):
    __tablename__ = "teammate"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # Role
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_away: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Channel(Base):
    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("workspace_id", "network", "account_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(16))  # Network
    account_id: Mapped[str] = mapped_column(String(200))  # our account's native id on the network
    handle: Mapped[str] = mapped_column(String(200))  # @acme, acme@mastodon.social, the Page name
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    credentials: Mapped[bytes | None] = mapped_column()  # encrypted at rest by the connectors layer
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    health: Mapped[str] = mapped_column(String(32), default="ok")
    created_at: Mapped[datetime]


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    labels: Mapped[list[Any]] = mapped_column(default=list)
    is_vip: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Identity(Base):
    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("workspace_id", "network", "id_scope", "native_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)  # None: the brand
    network: Mapped[str] = mapped_column(String(16))
    id_scope: Mapped[str] = mapped_column(String(200), default="")
    native_id: Mapped[str] = mapped_column(String(300))
    handle: Mapped[str | None] = mapped_column(String(300))
    display_name: Mapped[str | None] = mapped_column(String(300))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    profile_url: Mapped[str | None] = mapped_column(Text)
    followers: Mapped[int | None] = mapped_column(Integer)
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the platform's own account object, newest
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversation"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    # "thread:<root native id>" or "direct:<private conversation id>"; a thread whose root has not arrived
    # is keyed by its oldest known missing ancestor and merged when that ancestor lands.
    thread_key: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(16))  # ConversationKind
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # ConversationStatus
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime]
    first_inbound_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # inbox state (0002_inbox): kept by goodwill.actions and goodwill.jobs; `inbox_pending` is set by ingest
    # in its own transaction and cleared once rules, SLA and assignment have looked at the new messages.
    snoozed_until: Mapped[datetime | None]  # None while snoozed: until the customer's next message
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    intent: Mapped[str | None] = mapped_column(String(16))  # of the newest inbound message
    waiting_since: Mapped[datetime | None]  # oldest inbound message not answered yet
    sla_target: Mapped[str | None] = mapped_column(String(16))  # the next target due: SlaTarget
    sla_due_at: Mapped[datetime | None]
    sla_warn_at: Mapped[datetime | None]  # predicted breach from here on
    sla_breached_at: Mapped[datetime | None]
    inbox_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rules_through_id: Mapped[int] = mapped_column(Id, default=0, server_default="0")

    # The inbox's three hot pages (docs/inbox.md, goodwill.inbox.queries): most urgent first, by assignee, by
    # intent. Each index is the page's equality filters, then the page's order exactly as the query sorts it
    # (needs_reply DESC, priority DESC, last_inbound_at, id), over visible conversations only (partial: the
    # query says `is_hidden = false` too), so the database reads the first 50 entries in order and stops, and
    # counts from the index alone. Declared after the columns so that the DESC parts can name them: Alembic
    # compares an index only when its parts are the table's own columns (the names are MappedColumns here).
    _order = (needs_reply.column.desc(), priority.column.desc(), "last_inbound_at", "id")  # type: ignore[attr-defined]
    _visible = is_hidden.column == false()  # type: ignore[attr-defined]
    __table_args__ = (
        UniqueConstraint("channel_id", "thread_key"),
        Index("ix_conversation_inbox", "workspace_id", "status", "priority"),
        Index(
            "ix_conversation_urgent",
            "workspace_id",
            "status",
            *_order,
            sqlite_where=_visible,
            postgresql_where=_visible,
        ),
        Index(
            "ix_conversation_assignee",
            "workspace_id",
            "assignee_id",
            "status",
            *_order,
            sqlite_where=_visible,
            postgresql_where=_visible,
        ),
        Index(
            "ix_conversation_intent",
            "workspace_id",
            "intent",
            "status",
            *_order,
            sqlite_where=_visible,
            postgresql_where=_visible,
        ),
        Index("ix_conversation_sla_due", "status", "sla_due_at"),
        Index("ix_conversation_pending", "inbox_pending"),
    )
    del _order, _visible


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel_id", "native_id"),
        # `direction` last: the audit's look-up of each conversation's opening message reads the index alone
        Index("ix_message_conversation_created", "conversation_id", "created_at", "direction"),
        Index("ix_message_conversation_id", "conversation_id", "id"),  # the inbox job's new messages
        Index("ix_message_parent", "channel_id", "parent_native_id"),
        # the brand's replies by time, for the audit's reads of a period's replies (migration 0013_reply_time)
        Index(
            "ix_message_reply_time",
            "created_at",
            "channel_id",
            sqlite_where=sql_text(REPLY_CONDITION),
            postgresql_where=sql_text(REPLY_CONDITION),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("identity.id"), index=True)
    network: Mapped[str] = mapped_column(String(16))
    native_id: Mapped[str] = mapped_column(String(400))
    parent_native_id: Mapped[str | None] = mapped_column(String(400))
    root_native_id: Mapped[str | None] = mapped_column(String(400))
    private_conversation_id: Mapped[str | None] = mapped_column(String(400))
    direction: Mapped[str] = mapped_column(String(4))  # Direction
    kind: Mapped[str] = mapped_column(String(16))  # Kind
    visibility: Mapped[str] = mapped_column(String(16))  # Visibility
    text: Mapped[str] = mapped_column(Text)
    text_raw: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_hidden: Mapped[bool | None] = mapped_column(Boolean)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)  # NormalisedMessage.detail()
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the untouched platform object
    raw_envelope: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Triage(Base):
    __tablename__ = "triage"
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    complaint: Mapped[bool] = mapped_column(Boolean)
    complaint_probability: Mapped[float] = mapped_column(Float)
    intent: Mapped[str] = mapped_column(String(16))
    intent_score: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    severity: Mapped[int] = mapped_column(Integer)
    needs_reply: Mapped[bool] = mapped_column(Boolean)
    needs_reply_reason: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    low_confidence: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str] = mapped_column(String(64))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id"))


class Relationship(Base):
    __tablename__ = "relationship"
    __table_args__ = (UniqueConstraint("workspace_id", "person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16), default="aware")  # Stage
    health: Mapped[float | None] = mapped_column(Float)
    inbound_count: Mapped[int] = mapped_column(Integer, default=0)
    outbound_count: Mapped[int] = mapped_column(Integer, default=0)
    first_contact_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    is_advocate: Mapped[bool] = mapped_column(Boolean, default=False)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # PostStatus
    text: Mapped[str] = mapped_column(Text)
    scheduled_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only: one row per action, written in the action's own transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_workspace_created", "workspace_id", "created_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id"))
    actor_label: Mapped[str] = mapped_column(String(200))  # "cli", "system:ingest", the teammate's email
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Activity(Base):
    """A system or teammate event in a conversation's timeline (assigned, tagged, note, SLA breached, ...)."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_conversation_created", "conversation_id", "created_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # ActivityKind
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)  # a note's body
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Notification(Base):
    """Something a teammate should see: an @mention in a note, an escalation, an assignment."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_teammate_read", "teammate_id", "read_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    teammate_id: Mapped[int] = mapped_column(ForeignKey("teammate.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # mention | escalation | assigned
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class ConversationTag(Base):
    __tablename__ = "conversation_tag"
    __table_args__ = (Index("ix_conversation_tag_tag", "tag"),)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)


class Seat(Base):
    """A teammate's place in automatic assignment: capacity and their turn in the round robin."""

    __tablename__ = "seat"
    teammate_id: Mapped[int] = mapped_column(ForeignKey("teammate.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int | None] = mapped_column(Integer)  # open conversations at most; None: workspace default
    last_assigned_at: Mapped[datetime | None]


class ConversationLock(Base):
    """The collision guard: a short lease a teammate holds while composing a reply."""

    __tablename__ = "conversation_lock"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True)
    teammate_id: Mapped[int] = mapped_column(ForeignKey("teammate.id", ondelete="CASCADE"))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SlaPolicy(Base):
    """Targets in business minutes for a workspace, per intent ("" is the default for every intent)."""

    __tablename__ = "sla_policy"
    __table_args__ = (UniqueConstraint("workspace_id", "intent"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    intent: Mapped[str] = mapped_column(String(16))
    ack_minutes: Mapped[int | None] = mapped_column(Integer)
    response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    escalate_priority: Mapped[int | None] = mapped_column(Integer)  # raise to at least this on breach
    escalate_to_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Rule(Base):
    """condition -> action, evaluated in `position` order on every inbound message."""

    __tablename__ = "rule"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class VipEntry(Base):
    """A person on one of the workspace's named VIP lists."""

    __tablename__ = "vip_entry"
    __table_args__ = (UniqueConstraint("workspace_id", "list_name", "person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    list_name: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


# Each area's own tables, declared on the same Base in a module of their own (kept here so that importing
# `goodwill.store.tables` registers every table; these modules import Base from this one).
from goodwill.store import (  # noqa: E402
    tables_api,  # noqa: F401
    tables_jobs,  # noqa: F401
    tables_publishing,  # noqa: F401
    tables_relationships,  # noqa: F401
    tables_replies,  # noqa: F401
    tables_web,  # noqa: F401
)
