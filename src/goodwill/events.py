"""Typed events, listed in one place. Sent after the transaction that caused them commits.

Listeners are registered explicitly with `subscribe`; nothing fires from ORM callbacks. A listener that raises
is logged and does not stop the others: the state change it reacts to has already happened.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    workspace_id: int


@dataclass(frozen=True, slots=True)
class MessagesStored(Event):
    """A batch of new messages was stored (duplicates are not repeated here)."""

    channel_id: int
    message_ids: tuple[int, ...]
    conversation_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ConversationOpened(Event):
    conversation_id: int


@dataclass(frozen=True, slots=True)
class ConversationReopened(Event):
    """A resolved, waiting or snoozed conversation got a new inbound message."""

    conversation_id: int


@dataclass(frozen=True, slots=True)
class ConversationsMerged(Event):
    """A thread stored before its parent arrived was joined to the parent's conversation."""

    source_conversation_id: int
    target_conversation_id: int


# The inbox: sent after the action's transaction commits (goodwill.actions.activity.send_after_commit).


@dataclass(frozen=True, slots=True)
class ConversationEvent(Event):
    conversation_id: int


@dataclass(frozen=True, slots=True)
class ConversationAssigned(ConversationEvent):
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class ConversationStatusChanged(ConversationEvent):
    status: str


@dataclass(frozen=True, slots=True)
class NoteAdded(ConversationEvent):
    mentioned_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReplyQueued(ConversationEvent):
    outbox_id: int


@dataclass(frozen=True, slots=True)
class ReplySent(ConversationEvent):
    outbox_id: int
    message_id: int | None


@dataclass(frozen=True, slots=True)
class ReplyFailed(ConversationEvent):
    outbox_id: int
    error: str


@dataclass(frozen=True, slots=True)
class PersonForgotten(Event):
    """A person was deleted on request (goodwill.actions.privacy): anything keeping data about them outside
    the database (a search index, a cache, files) should drop it. Carries the id only."""

    person_id: int


@dataclass(frozen=True, slots=True)
class SlaBreached(ConversationEvent):
    target: str


# Publishing: the brand's own posts (goodwill.actions.posts, goodwill.jobs.publish).


@dataclass(frozen=True, slots=True)
class PostScheduled(Event):
    """A post will be published at `at` (ISO, UTC): the publish job picks it up then."""

    post_id: int
    at: str


@dataclass(frozen=True, slots=True)
class PostPublished(Event):
    post_id: int
    message_id: int | None


@dataclass(frozen=True, slots=True)
class PostFailed(Event):
    """The platform refused the post for good, or it ran out of attempts: a person retries or edits it."""

    post_id: int
    error: str


# People and relationships (goodwill.actions.people): sent after the action's transaction commits.


@dataclass(frozen=True, slots=True)
class PeopleMerged(Event):
    kept_person_id: int
    merged_person_id: int
    merge_id: int


@dataclass(frozen=True, slots=True)
class PeopleUnmerged(Event):
    kept_person_id: int
    merged_person_id: int
    merge_id: int


@dataclass(frozen=True, slots=True)
class RelationshipsRecomputed(Event):
    people: int


@dataclass(frozen=True, slots=True)
class NudgeChanged(Event):
    """A nudge was done, snoozed or dismissed by a teammate."""

    nudge_id: int
    status: str


Listener = Callable[[Event], None]
_listeners: dict[type[Event], list[Listener]] = defaultdict(list)


def subscribe(event_type: type[Event], listener: Listener) -> Callable[[], None]:
    """Call `listener` for every event of `event_type` (or a subclass). Returns a function that unsubscribes."""
    _listeners[event_type].append(listener)
    return lambda: _listeners[event_type].remove(listener)


def send(events: Iterable[Event]) -> None:
    for event in events:
        for event_type in type(event).__mro__:
            for listener in list(_listeners.get(event_type, ())):
                try:
                    listener(event)
                except Exception:
                    log.exception("listener %r failed on %r", listener, event)
