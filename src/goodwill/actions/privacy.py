"""The right to be forgotten: delete a Person and every trace of them from a workspace, on request.

`do_forget_person` is one transaction. What goes (docs/data-safety.md says why):
- the Person, their Identities, every message they wrote (text, raw JSON, triage), and every message below
  theirs in a reply tree, whoever wrote it (answers to them quote or mention them);
- their conversations: one left with no other person's inbound message is deleted whole (brand messages,
  activity, notes, tags, outbox, approvals go with it: a brand monologue answering nobody has no use and
  would still describe them); one where other people still speak is kept, re-attributed to the earliest of
  them, its counters recomputed;
- every row of any table that refers to the Person (relationship, VIP entries, and whatever tables are
  added later: found by walking the schema, goodwill.store.walk), and every row that refers to a deleted
  row, by the same walk (cascading keys deleted, nullable ones set to NULL);
- mentions left in other rows of the workspace (another customer's "@bob is right", an audit row, a note):
  every string equal to one of their handles, names or ids, and every @mention of one, becomes "[forgotten]".
Then a tombstone (goodwill.ingest.forgotten: salted digests only) keeps a re-import or a sync from bringing
them back. The audit row records the person's id and the counts, nothing of their data; `PersonForgotten`
goes out after commit, for whatever keeps data outside the database.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    MetaData,
    Table,
    Text,
    and_,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from goodwill import events
from goodwill.actions.activity import send_after_commit
from goodwill.actions.audit import Acting
from goodwill.actions.workspaces import NotFound, do_write_settings
from goodwill.ingest import forgotten as tomb
from goodwill.store.tables import Person, Workspace
from goodwill.store.walk import metadata_or_default, references_to, text_columns, workspace_clause

CHUNK = 500
MIN_NAME = 2  # shorter strings are never treated as a name to redact


@dataclass(slots=True)
class ForgetResult:
    person_id: int
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    redacted: dict[str, int] = field(default_factory=dict)  # table -> rows where mentions were redacted
    conversations_kept: int = 0
    tombstones: int = 0


def access_person(session: Session, workspace: Workspace, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace.id:
        raise NotFound(f"no person {person_id} in workspace {workspace.slug!r}")
    return person


def do_forget_person(
    session: Session, workspace: Workspace, person_id: int, *, acting: Acting, metadata: MetaData | None = None
) -> ForgetResult:
    """Forget `person_id` in the caller's transaction (see the module docstring). Irreversible once
    committed; a caller wanting a preview rolls the transaction back."""
    md = metadata_or_default(metadata)
    person = access_person(session, workspace, person_id)
    session.flush()
    conn = session.connection()
    tables = md.tables
    ident, msg, conv = tables["identity"], tables["message"], tables["conversation"]
    identities = conn.execute(select(ident).where(ident.c.person_id == person_id)).mappings().all()
    names = {person.display_name} | {v for i in identities for v in (i["handle"], i["display_name"], i["native_id"])}
    names = {n.strip().lower() for n in names if n and len(n.strip()) >= MIN_NAME}
    keys = [tomb.author_key(i["network"], i["id_scope"], i["native_id"]) for i in identities] + [
        tomb.string_key(n) for n in names
    ]

    messages = _messages_to_delete(conn, msg, workspace.id, [i["id"] for i in identities])
    touched = {m["conversation_id"] for m in messages.values()} | set(
        conn.execute(select(conv.c.id).where(conv.c.person_id == person_id)).scalars()
    )
    gone, kept = _split_conversations(conn, msg, ident, touched, set(messages))
    for row in _rows_in(conn, msg, msg.c.conversation_id, sorted(gone)):
        messages.setdefault(row["id"], row)
    for m in messages.values():
        keys.append(tomb.message_key(m["channel_id"], m["native_id"]))
        if m["private_conversation_id"]:
            keys.append(tomb.private_key(m["channel_id"], m["private_conversation_id"]))

    result = ForgetResult(person_id=person_id)
    counts: dict[str, int] = defaultdict(int)
    for chunk in _chunks(sorted(gone)):
        _delete(conn, md, conv, conv.c.id.in_(chunk), counts)
    for chunk in _chunks(sorted(messages)):
        _delete(conn, md, msg, msg.c.id.in_(chunk), counts)
    for conversation_id, speaker in kept.items():
        _refresh_conversation(conn, msg, conv, conversation_id, speaker)
    for ref in references_to(md, tables["person"]):
        if ref.table is conv:
            conn.execute(update(conv).where(conv.c.person_id == person_id).values(person_id=None))
        else:
            _delete(conn, md, ref.table, ref.column == person_id, counts)
    _delete(conn, md, tables["person"], tables["person"].c.id == person_id, counts)
    result.redacted = _redact_mentions(conn, md, workspace.id, names)
    result.deleted = {name: n for name, n in counts.items() if n}
    result.conversations_kept = len(kept)
    result.tombstones = len(set(keys))

    session.expire_all()  # rows changed under the ORM's feet: reload the workspace's settings
    tombstone = tomb.extended((workspace.settings or {}).get(tomb.KEY), secrets.token_hex(16), keys)
    do_write_settings(
        session,
        workspace,
        {tomb.KEY: tombstone},
        action="person.forget",
        acting=acting,
        data={
            "person_id": person_id,
            "deleted": result.deleted,
            "redacted": result.redacted,
            "conversations_kept": result.conversations_kept,
            "tombstones": result.tombstones,
        },
    )
    send_after_commit(session, events.PersonForgotten(workspace.id, person_id))
    return result


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows_in(conn: Connection, table: Table, column: Column[Any], values: Sequence[Any]) -> list[dict[str, Any]]:
    wanted = [table.c.id, table.c.channel_id, table.c.native_id, table.c.conversation_id]
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(values):
        query = select(*wanted, table.c.private_conversation_id).where(column.in_(chunk))
        rows.extend(dict(r) for r in conn.execute(query).mappings())
    return rows


def _messages_to_delete(
    conn: Connection, msg: Table, workspace_id: int, identity_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """The person's messages and every message below one of them in a reply tree (by id)."""
    found = {r["id"]: r for r in _rows_in(conn, msg, msg.c.identity_id, identity_ids)}
    frontier = list(found.values())
    while frontier:
        by_channel: dict[int, list[str]] = defaultdict(list)
        for m in frontier:
            by_channel[m["channel_id"]].append(m["native_id"])
        frontier = []
        for channel_id, parents in by_channel.items():
            for chunk in _chunks(parents):
                query = select(
                    msg.c.id, msg.c.channel_id, msg.c.native_id, msg.c.conversation_id, msg.c.private_conversation_id
                ).where(msg.c.workspace_id == workspace_id, msg.c.channel_id == channel_id)
                for row in conn.execute(query.where(msg.c.parent_native_id.in_(chunk))).mappings():
                    if row["id"] not in found:
                        found[row["id"]] = dict(row)
                        frontier.append(dict(row))
    return found


def _split_conversations(
    conn: Connection, msg: Table, ident: Table, touched: set[int], deleted: set[int]
) -> tuple[set[int], dict[int, int]]:
    """(conversations to delete, conversation -> the person it now belongs to) after `deleted` go."""
    speakers: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for chunk in _chunks(sorted(touched)):
        query = (
            select(msg.c.id, msg.c.conversation_id, msg.c.created_at, ident.c.person_id)
            .join(ident, ident.c.id == msg.c.identity_id)
            .where(msg.c.conversation_id.in_(chunk), msg.c.direction == "in", ident.c.person_id.is_not(None))
        )
        for row in conn.execute(query):
            if row.id not in deleted:
                speakers[row.conversation_id].append((row.created_at, row.person_id))
    kept = {c: min(speakers[c])[1] for c in touched if speakers.get(c)}
    return touched - set(kept), kept


def _delete(conn: Connection, md: MetaData, table: Table, where: ColumnElement[bool], counts: dict[str, int]) -> None:
    """Delete `table`'s rows matching `where`, first taking care of every row that refers to them: rows
    whose key cascades or cannot be NULL are deleted (recursively), nullable references are set to NULL."""
    for ref in references_to(md, table):
        refers = ref.column.in_(select(ref.referred).where(where))
        if ref.ondelete == "SET NULL" or (ref.ondelete is None and ref.nullable):
            conn.execute(update(ref.table).where(refers).values({ref.column.name: None}))
        elif ref.table is not table:
            _delete(conn, md, ref.table, refers, counts)
    counts[str(table.name)] += conn.execute(delete(table).where(where)).rowcount or 0


def _refresh_conversation(conn: Connection, msg: Table, conv: Table, conversation_id: int, person_id: int) -> None:
    """Counters and times of a kept conversation, from the messages left in it."""
    inbound, outbound = msg.c.direction == "in", msg.c.direction == "out"
    row = conn.execute(
        select(
            func.count(),
            func.max(msg.c.created_at),
            func.min(msg.c.created_at).filter(inbound),
            func.max(msg.c.created_at).filter(inbound),
            func.max(msg.c.created_at).filter(outbound),
        ).where(msg.c.conversation_id == conversation_id)
    ).one()
    values: dict[str, Any] = {
        "person_id": person_id,
        "message_count": row[0],
        "first_inbound_at": row[2],
        "last_inbound_at": row[3],
        "last_outbound_at": row[4],
    }
    if row[1] is not None:
        values["last_message_at"] = row[1]
    conn.execute(update(conv).where(conv.c.id == conversation_id).values(values))


def _redact_mentions(conn: Connection, md: MetaData, workspace_id: int, names: set[str]) -> dict[str, int]:
    """Redact the names in every text and JSON column of the workspace's remaining rows."""
    if not names:
        return {}

    def forgotten(value: str) -> bool:
        return value.strip().lower() in names

    redacted: dict[str, int] = {}
    for table in md.sorted_tables:
        columns = text_columns(table)
        key = list(table.primary_key.columns)
        if not columns or not key:
            continue
        hits = or_(*(func.lower(cast(c, Text)).contains(n, autoescape=True) for c in columns for n in sorted(names)))
        wanted = key + [c for c in columns if c not in key]
        query = select(*wanted).where(workspace_clause(table, workspace_id, md), hits)
        for row in conn.execute(query).mappings().all():
            changes = {c.name: tomb.redact(row[c.name], forgotten) for c in columns}
            changes = {name: value for name, value in changes.items() if value is not row[name]}
            if changes:
                where = and_(*(k == row[k.name] for k in key))
                conn.execute(update(table).where(where).values(changes))
                redacted[str(table.name)] = redacted.get(str(table.name), 0) + 1
    return redacted
