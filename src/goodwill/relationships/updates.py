"""Keep relationship states current as messages arrive: after each stored batch, recompute the People it
touched (the authors of its inbound messages and the People of its conversations).

`update_for_messages` is the library call (in the caller's transaction); `install(store)` subscribes it to
`MessagesStored`, running in its own transaction after ingest's has committed, so ingest itself does not
wait for it. A person's state is recomputed from their own messages only (the same code as the full
recompute), so the cost grows with one person's history, not with the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from goodwill import events
from goodwill.relationships import sql
from goodwill.relationships.state import State, recompute
from goodwill.store import Store

CHUNK = 500


_PEOPLE = (
    "SELECT i.person_id, c.person_id FROM message m JOIN identity i ON i.id = m.identity_id "
    "JOIN conversation c ON c.id = m.conversation_id WHERE m.id IN :ids"
)


def people_of_messages(session: Session, message_ids: Sequence[int]) -> set[int]:
    people: set[int] = set()
    for start in range(0, len(message_ids), CHUNK):
        for author, partner in sql.rows(session, _PEOPLE, {"ids": list(message_ids[start : start + CHUNK])}):
            people.update(int(p) for p in (author, partner) if p is not None)
    return people


def update_for_messages(
    session: Session, workspace_id: int, message_ids: Sequence[int], *, now: datetime | None = None
) -> list[State]:
    """Recompute the states of the People these messages concern; returns their new states."""
    people = people_of_messages(session, message_ids)
    if not people:
        return []
    return recompute(session, workspace_id, person_ids=sorted(people), now=now or datetime.now(UTC), current=True)


def install(store: Store) -> Callable[[], None]:
    """Update relationship states after every ingest batch. Returns the function that uninstalls it."""

    def on_stored(event: events.Event) -> None:
        assert isinstance(event, events.MessagesStored)
        with store.session() as session:
            update_for_messages(session, event.workspace_id, event.message_ids)

    return events.subscribe(events.MessagesStored, on_stored)
