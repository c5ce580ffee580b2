"""The inbox: one queue of conversations across networks, worked by a team (docs/inbox.md).

The read API is imported lazily: the actions layer imports `goodwill.inbox.model` and `goodwill.inbox.sla`,
and the queries import the actions layer.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ConversationSummary": "queries",
    "ConversationView": "queries",
    "InboxFilter": "queries",
    "list_inbox": "queries",
    "neglected_praise": "queries",
    "show_conversation": "queries",
    "MessageView": "timeline",
    "TimelineItem": "timeline",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'goodwill.inbox' has no attribute {name!r}")
    return getattr(import_module(f"goodwill.inbox.{_EXPORTS[name]}"), name)


__all__ = sorted(_EXPORTS)
