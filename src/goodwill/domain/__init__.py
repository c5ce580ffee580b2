"""Plain typed objects and enums: no I/O."""

from goodwill.domain.enums import (
    ConversationKind,
    ConversationStatus,
    Direction,
    Intent,
    Kind,
    Network,
    PostStatus,
    Role,
    Sentiment,
    Stage,
    Visibility,
)
from goodwill.domain.message import (
    Actor,
    Attachment,
    Entity,
    InvalidMessage,
    NativeRef,
    NormalisedMessage,
    ReplyCapability,
    ThreadRefs,
)
from goodwill.domain.triage import TriageResult

__all__ = [
    "Actor",
    "Attachment",
    "ConversationKind",
    "ConversationStatus",
    "Direction",
    "Entity",
    "Intent",
    "InvalidMessage",
    "Kind",
    "NativeRef",
    "Network",
    "NormalisedMessage",
    "PostStatus",
    "ReplyCapability",
    "Role",
    "Sentiment",
    "Stage",
    "ThreadRefs",
    "TriageResult",
    "Visibility",
]
