"""Enumerations shared by every layer. Values are stored in the database: never rename one."""

from __future__ import annotations

from enum import StrEnum


class Network(StrEnum):
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    LINKEDIN = "linkedin"
    BLOG = "blog"
    OTHER = "other"


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Kind(StrEnum):
    """What a message is, seen from the brand's side."""

    MENTION = "mention"  # public post that mentions the brand
    REPLY = "reply"  # public reply inside a thread the brand is in
    COMMENT = "comment"  # top-level comment on a brand post (Facebook, Instagram, LinkedIn, blog)
    QUOTE = "quote"  # quote post
    DIRECT = "direct"  # private message
    OWN = "own"  # the brand's own post or reply


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    FOLLOWERS = "followers"
    DIRECT = "direct"


class ConversationKind(StrEnum):
    THREAD = "thread"
    DIRECT = "direct"


class ConversationStatus(StrEnum):
    OPEN = "open"
    WAITING = "waiting"  # waiting on the customer
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Intent(StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    FEEDBACK = "feedback"
    LEAD = "lead"
    SPAM = "spam"
    CHATTER = "chatter"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"
    VIEWER = "viewer"


class Stage(StrEnum):
    STRANGER = "stranger"
    AWARE = "aware"
    CONVERSING = "conversing"
    RELATIONSHIP = "relationship"
    ADVOCATE = "advocate"


class PostStatus(StrEnum):
    DRAFT = "draft"
    APPROVAL = "approval"  # scheduled by someone whose posts need an approver; waiting for the decision
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"  # the platform refused it, or it ran out of attempts: a person retries or edits it
    CANCELLED = "cancelled"
