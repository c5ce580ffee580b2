"""What the team records about a person: notes, custom fields, labels, and the target list.

Each `do_*` runs in the caller's session, writes an audit row (object "person"); the person's timeline
(goodwill.relationships.timeline) shows notes and these changes beside the messages.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_write, utcnow
from goodwill.actions.audit import Acting
from goodwill.actions.people import TARGETS, _audit
from goodwill.store.tables import Person, VipEntry, Workspace
from goodwill.store.tables_relationships import PersonNote

FIELD = re.compile(r"^[A-Za-z][\w.-]{0,63}$")
LABEL = re.compile(r"^[\w][\w:.-]{0,63}$")
MAX_NOTE = 10_000
MAX_VALUE = 1_000


def _check(session: Session, workspace: Workspace, person: Person, acting: Acting) -> None:
    check_can_write(session, workspace, acting)
    if person.workspace_id != workspace.id:
        raise PermissionError(f"person {person.id} belongs to another workspace")


def do_add_person_note(
    session: Session, workspace: Workspace, person: Person, text: str, *, acting: Acting
) -> PersonNote:
    """An internal note on the person (never sent); shown in their timeline."""
    _check(session, workspace, person, acting)
    text = text.strip()
    if not text:
        raise ValueError("a note needs some text")
    if len(text) > MAX_NOTE:
        raise ValueError(f"a note holds at most {MAX_NOTE} characters")
    note = PersonNote(
        workspace_id=workspace.id,
        person_id=person.id,
        author_id=acting.teammate_id,
        author_label=acting.label,
        text=text,
        created_at=utcnow(),
    )
    session.add(note)
    session.flush()
    _audit(session, workspace.id, acting, "note", person.id, note_id=note.id)
    return note


def do_set_person_field(
    session: Session, workspace: Workspace, person: Person, name: str, value: str | None, *, acting: Acting
) -> bool:
    """Set a custom field (None or "" removes it). Idempotent: False when nothing changed."""
    _check(session, workspace, person, acting)
    if not FIELD.match(name):
        raise ValueError(f"field name {name!r}: start with a letter; letters, digits, - _ . (at most 64)")
    value = (value or "").strip() or None
    if value is not None and len(value) > MAX_VALUE:
        raise ValueError(f"field {name!r}: at most {MAX_VALUE} characters")
    fields = dict(person.fields or {})
    before = fields.get(name)
    if before == value:
        return False
    if value is None:
        fields.pop(name, None)
    else:
        fields[name] = value
    person.fields = fields
    _audit(session, workspace.id, acting, "field", person.id, field=name, before=before, after=value)
    return True


def do_label_person(
    session: Session, workspace: Workspace, person: Person, label: str, *, remove: bool = False, acting: Acting
) -> bool:
    """Add (or remove) a label. Idempotent: False when nothing changed."""
    _check(session, workspace, person, acting)
    label = label.strip().lower().lstrip("#")
    if not LABEL.match(label):
        raise ValueError(f"label {label!r}: letters, digits, and - _ . : (at most 64)")
    labels = list(person.labels or [])
    if (label in labels) != remove:
        return False
    person.labels = [x for x in labels if x != label] if remove else [*labels, label]
    _audit(session, workspace.id, acting, "unlabel" if remove else "label", person.id, label=label)
    return True


def do_set_target(
    session: Session, workspace: Workspace, person: Person, *, target: bool = True, acting: Acting
) -> bool:
    """Put the person on (or take them off) the targets list: people the brand wants a relationship with."""
    _check(session, workspace, person, acting)
    entry = session.scalar(select(VipEntry).where(VipEntry.person_id == person.id, VipEntry.list_name == TARGETS))
    if (entry is not None) == target:
        return False
    if target:
        session.add(VipEntry(workspace_id=workspace.id, list_name=TARGETS, person_id=person.id, created_at=utcnow()))
    else:
        session.execute(delete(VipEntry).where(VipEntry.person_id == person.id, VipEntry.list_name == TARGETS))
    _audit(session, workspace.id, acting, "target" if target else "untarget", person.id)
    return True
