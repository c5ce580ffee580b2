"""The normalised message: one shape for a post, comment or DM from any network, losing nothing.

Connectors and importers turn platform JSON into `NormalisedMessage`; the ingest pipeline stores it. Anything
needed to answer on the network later (Bluesky strong refs, the Mastodon status, a Meta PSID and its reply
window, a LinkedIn actor URN) stays reachable from the stored message: either in a typed field below or in
`raw`, the untouched platform object. See docs/data-formats.md for the field-by-field mapping per network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from goodwill.domain.enums import Direction, Kind, Network, Visibility

# The longest values the store's columns hold (store/tables.py), checked by `validate` so that a message
# PostgreSQL would refuse (SQLite does not enforce lengths) is refused before anything is written. Message ids
# are kept to under half of a conversation key, which may hold two of them ("thread:<post>/<comment>").
MAX_ID = 190
MAX_PRIVATE_ID = 390
MAX_ACCOUNT = 300  # an Identity's native id, handle and display name
MAX_SCOPE = 200
MAX_LANGUAGE = 16
_LIMITS = (  # the fields `_validate_lengths` checks, in its order
    ("id", MAX_ID),
    ("parent_id", MAX_ID),
    ("root_id", MAX_ID),
    ("conversation_id", MAX_PRIVATE_ID),
    ("author_id", MAX_ACCOUNT),
    ("author_handle", MAX_ACCOUNT),
    ("author_name", MAX_ACCOUNT),
    ("author_scope", MAX_SCOPE),
    ("language", MAX_LANGUAGE),
)


class InvalidMessage(ValueError):
    """A normalised message that breaks the model's contract; `field` names the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(slots=True)
class NativeRef:
    """Enough to address an object again on its network."""

    id: str  # tweet id | mastodon status id | AT-URI | FB comment/post id | mid | IG id | LinkedIn URN
    host: str | None = None  # Mastodon instance base URL; Bluesky PDS when not the default
    cid: str | None = None  # Bluesky CID (the other half of a strong ref)
    uri: str | None = None  # ActivityPub uri, or a permalink when distinct from the id


@dataclass(slots=True)
class Actor:
    """An account on one network as the platform described it at the time of the message."""

    native_id: str  # X user id | Mastodon account id | DID | PSID/IGSID | LinkedIn URN | blog email hash
    handle: str | None = None
    display_name: str | None = None
    id_scope: str = ""  # "page:<id>" for a PSID, "server:<host>" for Mastodon; "" when ids are global
    avatar_url: str | None = None
    profile_url: str | None = None
    followers: int | None = None
    verified: bool | None = None
    is_self: bool = False  # the brand account itself
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class Entity:
    type: Literal["mention", "link", "hashtag", "cashtag"]
    value: str
    start: int | None = None
    end: int | None = None
    offset_unit: Literal["x_v2", "bytes_utf8", "v1_indices", "chars", "none"] = "none"
    target_id: str | None = None


@dataclass(slots=True)
class Attachment:
    type: Literal["image", "video", "gif", "audio", "file", "link_card", "sticker", "record", "other"]
    url: str | None = None
    preview_url: str | None = None
    mime_type: str | None = None
    alt_text: str | None = None
    native_id: str | None = None
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class ThreadRefs:
    root: NativeRef | None = None  # X conversation_id, Bluesky reply.root, FB post id, LinkedIn object
    parent: NativeRef | None = None  # the message this one answers
    parent_author_id: str | None = None
    quoted: NativeRef | None = None
    conversation_id: str | None = None  # private thread id: X dm_conversation_id, Messenger t_..., ...
    depth_limit: int | None = None  # 2 for Facebook/LinkedIn comment trees


@dataclass(slots=True)
class ReplyCapability:
    can_reply: bool = True
    reply_via: Literal["public_reply", "dm", "private_reply", "none"] = "public_reply"
    window_expires_at: datetime | None = None  # Messenger 24 h, Instagram 7 days
    restrictions: dict[str, Any] | None = None


@dataclass(slots=True)
class NormalisedMessage:
    network: Network
    native: NativeRef
    kind: Kind
    direction: Direction
    author: Actor
    text: str
    created_at: datetime
    visibility: Visibility = Visibility.PUBLIC
    thread: ThreadRefs = field(default_factory=ThreadRefs)
    recipients: list[Actor] = field(default_factory=list)
    text_raw: str | None = None  # as delivered: Mastodon HTML, X truncated text
    text_format: Literal["plain", "html"] = "plain"
    language: str | None = None
    content_warning: str | None = None
    sensitive: bool | None = None
    labels: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    indexed_at: datetime | None = None
    edited_at: datetime | None = None
    is_deleted: bool = False
    is_hidden: bool | None = None
    metrics: dict[str, int] | None = None
    reply: ReplyCapability = field(default_factory=ReplyCapability)
    source: dict[str, Any] = field(default_factory=dict)  # transport, endpoint/event, event id, cursor
    raw: dict[str, Any] = field(default_factory=dict)  # the exact platform object
    raw_envelope: dict[str, Any] | None = None  # the webhook body or page it came in

    @property
    def is_private(self) -> bool:
        return self.kind is Kind.DIRECT or self.visibility is Visibility.DIRECT

    def validate(self) -> None:
        """Raise InvalidMessage naming the first field that breaks the contract."""
        if not self._plainly_valid():
            self._validate_fields()

    def _plainly_valid(self) -> bool:
        """True when every check of `_validate_fields` passes, tested in one expression of exact types (a str
        subclass or an unusual datetime goes the long way and gets the same answer). Ingest validates every
        message of a batch before writing any, so this is the path nearly every message takes."""
        native_id, author, thread = self.native.id, self.author, self.thread
        author_id, created = author.native_id, self.created_at
        parent, root, private_id = thread.parent, thread.root, thread.conversation_id
        return bool(
            type(native_id) is str
            and 0 < len(native_id) <= MAX_ID
            and not native_id.isspace()
            and type(author_id) is str
            and 0 < len(author_id) <= MAX_ACCOUNT
            and not author_id.isspace()
            and type(created) is datetime
            and created.tzinfo is not None
            and created.utcoffset() is not None
            and type(self.text) is str
            and (private_id or (self.kind is not Kind.DIRECT and self.visibility is not Visibility.DIRECT))
            and (parent is None or (type(parent.id) is str and len(parent.id) <= MAX_ID))
            and (root is None or (type(root.id) is str and len(root.id) <= MAX_ID))
            and (private_id is None or (type(private_id) is str and len(private_id) <= MAX_PRIVATE_ID))
            and (author.handle is None or (type(author.handle) is str and len(author.handle) <= MAX_ACCOUNT))
            and (
                author.display_name is None
                or (type(author.display_name) is str and len(author.display_name) <= MAX_ACCOUNT)
            )
            and type(author.id_scope) is str
            and len(author.id_scope) <= MAX_SCOPE
            and (self.language is None or (type(self.language) is str and len(self.language) <= MAX_LANGUAGE))
        )

    def _validate_fields(self) -> None:
        if not isinstance(self.native.id, str) or not self.native.id.strip():
            raise InvalidMessage("id", "a native id is required (a non-empty string)")
        if not isinstance(self.author.native_id, str) or not self.author.native_id.strip():
            raise InvalidMessage("author_id", "an author id is required (a non-empty string)")
        if not isinstance(self.created_at, datetime):
            raise InvalidMessage("created_at", "must be a datetime")
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise InvalidMessage("created_at", "must carry a time zone (e.g. 2026-01-31T09:00:00+00:00)")
        if not isinstance(self.text, str):
            raise InvalidMessage("text", "must be a string")
        if self.is_private and not self.thread.conversation_id:
            raise InvalidMessage("conversation_id", "a direct message needs its private conversation id")
        self._validate_lengths()

    def _validate_lengths(self) -> None:
        thread, author = self.thread, self.author
        values = (
            self.native.id,
            thread.parent.id if thread.parent else None,
            thread.root.id if thread.root else None,
            thread.conversation_id,
            author.native_id,
            author.handle,
            author.display_name,
            author.id_scope,
            self.language,
        )
        for value, (name, limit) in zip(values, _LIMITS, strict=True):
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise InvalidMessage(name, f"must be a string of at most {limit} characters")

    def detail(self) -> dict[str, Any]:
        """The typed fields that have no column of their own, as JSON-ready data; empty values left out.

        Written out by hand rather than with dataclasses.asdict: this runs once per stored message.
        """
        detail: dict[str, Any] = {"native": _ref(self.native), "author": _actor(self.author)}
        thread = self.thread
        if thread.root or thread.parent or thread.quoted or thread.conversation_id or thread.parent_author_id:
            refs: dict[str, Any] = {}
            if thread.root is not None:
                refs["root"] = _ref(thread.root)
            if thread.parent is not None:
                refs["parent"] = _ref(thread.parent)
            if thread.quoted is not None:
                refs["quoted"] = _ref(thread.quoted)
            if thread.parent_author_id is not None:
                refs["parent_author_id"] = thread.parent_author_id
            if thread.conversation_id is not None:
                refs["conversation_id"] = thread.conversation_id
            if thread.depth_limit is not None:
                refs["depth_limit"] = thread.depth_limit
            detail["thread"] = refs
        if self.recipients:
            detail["recipients"] = [_actor(r) for r in self.recipients]
        if self.entities:
            detail["entities"] = [_compact(asdict(e)) for e in self.entities]
        if self.attachments:
            detail["attachments"] = [_compact(asdict(a)) for a in self.attachments]
        reply = self.reply
        if not reply.can_reply or reply.reply_via != "public_reply" or reply.window_expires_at or reply.restrictions:
            detail["reply"] = _compact(
                {
                    "can_reply": reply.can_reply,
                    "reply_via": reply.reply_via,
                    "window_expires_at": reply.window_expires_at.isoformat() if reply.window_expires_at else None,
                    "restrictions": reply.restrictions,
                }
            )
        if self.text_format != "plain":
            detail["text_format"] = self.text_format
        if self.content_warning is not None:
            detail["content_warning"] = self.content_warning
        if self.sensitive is not None:
            detail["sensitive"] = self.sensitive
        if self.labels:
            detail["labels"] = list(self.labels)
        if self.indexed_at is not None:
            detail["indexed_at"] = self.indexed_at.isoformat()
        if self.source:
            detail["source"] = self.source
        return detail


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _ref(ref: NativeRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    data: dict[str, Any] = {"id": ref.id}
    if ref.host is not None:
        data["host"] = ref.host
    if ref.cid is not None:
        data["cid"] = ref.cid
    if ref.uri is not None:
        data["uri"] = ref.uri
    return data


def _actor(actor: Actor) -> dict[str, Any]:
    data: dict[str, Any] = {"native_id": actor.native_id}
    if actor.handle is not None:  # unrolled (no getattr loop): once per stored message
        data["handle"] = actor.handle
    if actor.display_name is not None:
        data["display_name"] = actor.display_name
    if actor.avatar_url is not None:
        data["avatar_url"] = actor.avatar_url
    if actor.profile_url is not None:
        data["profile_url"] = actor.profile_url
    if actor.followers is not None:
        data["followers"] = actor.followers
    if actor.verified is not None:
        data["verified"] = actor.verified
    if actor.raw is not None:
        data["raw"] = actor.raw
    if actor.id_scope:
        data["id_scope"] = actor.id_scope
    if actor.is_self:
        data["is_self"] = True
    return data
