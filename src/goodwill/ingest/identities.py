"""Resolve message authors to Identities and People, in bulk for a batch.

A new account gets a new Person (merging people across networks is the relationships layer's job, on
evidence). The brand's own account gets an Identity with no Person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, insert

from goodwill.domain.message import Actor, NormalisedMessage
from goodwill.store import StoreError
from goodwill.store.bulk import insert_many_returning_ids, select_in, sqlite_times, update_many
from goodwill.store.tables import Identity, Person, table_of

IdentityKey = tuple[str, str]  # (id_scope, native_id) within one workspace and network

_I = table_of(Identity)
_P = table_of(Person)
CHUNK = 500
SEEN_RESOLUTION = timedelta(days=1)


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key(actor: Actor) -> IdentityKey:
    return (actor.id_scope or "", actor.native_id)


def _is_self(actor: Actor, account_id: str) -> bool:
    return actor.is_self or actor.native_id == account_id


def resolve_identities(
    conn: Connection,
    *,
    workspace_id: int,
    network: str,
    account_id: str,
    messages: Sequence[NormalisedMessage],
    now: datetime,
) -> Resolved:
    """Map each author to (identity id, person id or None for the brand); see `Resolved`.

    Profile fields (handle, name, avatar, followers) follow the newest message that carries them.
    """
    latest: dict[IdentityKey, tuple[Actor, datetime]] = {}
    earliest: dict[IdentityKey, datetime] = {}
    for message in messages:
        key = _key(message.author)
        seen = latest.get(key)
        if seen is None or message.created_at >= seen[1]:
            latest[key] = (message.author, message.created_at)
        if key not in earliest or message.created_at < earliest[key]:
            earliest[key] = message.created_at
    found: dict[IdentityKey, tuple[int, int | None]] = {}
    followers: dict[int, int | None] = {}
    updates = []
    by_scope: dict[str, set[str]] = {}
    for scope, native_id in latest:
        by_scope.setdefault(scope, set()).add(native_id)
    # One scope at a time, so the lookup is a probe of the unique index (workspace, network, id_scope,
    # native_id) per id; without the scope it scanned every identity of the network for each chunk.
    lookups = ((scope, chunk) for scope in sorted(by_scope) for chunk in chunks(sorted(by_scope[scope])))
    # Rows straight from the driver (goodwill.store.bulk.select_in): on SQLite, last_seen_at is its stored
    # text and profile its JSON text, compared as such, parsed only for an identity whose profile is rewritten.
    # (the batch's shared cache of formatted moments: the messages' rows format the same times again later)
    stamp = sqlite_times() if conn.dialect.name == "sqlite" else _same
    for scope, chunk in lookups:
        rows = select_in(
            conn,
            _I,
            _LOOKED_UP,
            where={"workspace_id": workspace_id, "network": network, "id_scope": scope},
            column="native_id",
            values=chunk,
        )
        for identity_id, person_id, native_id, *stored, last_seen, profile in rows:
            key = (scope, native_id)
            if key not in latest:
                continue
            found[key] = (identity_id, person_id)
            actor, seen_at = latest[key]
            followers[identity_id] = stored[4]
            if stamp(seen_at) < last_seen:
                continue  # an older message: the stored profile is newer
            reach: int | None = actor.followers if actor.followers is not None else stored[4]
            fresh = [
                actor.handle or stored[0],
                actor.display_name or stored[1],
                actor.avatar_url or stored[2],
                actor.profile_url or stored[3],
                reach,
            ]
            changed = fresh != stored or (actor.raw is not None and actor.raw != _parsed(profile))
            followers[identity_id] = reach
            # last_seen_at is kept to the day: rewriting every identity on every batch would halve ingest speed
            if changed or stamp(seen_at - SEEN_RESOLUTION) > last_seen:
                row = {"id": identity_id, **dict(zip(_PROFILE, fresh, strict=True))}
                row["profile"] = actor.raw if actor.raw is not None else _parsed(profile)
                row["last_seen_at"] = seen_at  # not older than the stored one (checked above)
                updates.append(row)
    update_many(conn, _I, updates)

    missing = [key for key in latest if key not in found]
    people = [key for key in missing if not _is_self(latest[key][0], account_id)]
    person_ids: dict[IdentityKey, int] = {}
    if people:
        new_people: list[dict[str, Any]] = [
            {
                "workspace_id": workspace_id,
                "display_name": (latest[k][0].display_name or latest[k][0].handle or k[1])[:200],
                "fields": {},
                "labels": [],
                "is_vip": False,
                "created_at": earliest[k],
            }
            for k in people
        ]
        person_ids = dict(zip(people, _insert_people(conn, new_people), strict=True))
    if missing:
        identity_rows = [
            {
                "workspace_id": workspace_id,
                "person_id": person_ids.get(k),
                "network": network,
                "id_scope": k[0],
                "native_id": k[1],
                "handle": latest[k][0].handle,
                "display_name": latest[k][0].display_name,
                "avatar_url": latest[k][0].avatar_url,
                "profile_url": latest[k][0].profile_url,
                "followers": latest[k][0].followers,
                "profile": latest[k][0].raw,
                "is_self": _is_self(latest[k][0], account_id),
                "first_seen_at": earliest[k],
                "last_seen_at": latest[k][1],
            }
            for k in missing
        ]
        for key, identity_id in _insert_identities(conn, missing, identity_rows).items():
            found[key] = (identity_id, person_ids.get(key))
            followers[identity_id] = latest[key][0].followers
    return Resolved(found, len(people), followers, frozenset(person_ids.values()))


class Resolved(NamedTuple):
    """What `resolve_identities` found and created for a batch's authors."""

    identities: dict[IdentityKey, tuple[int, int | None]]  # author -> (identity id, person id; None: the brand)
    people_created: int
    followers: dict[int, int | None]  # identity id -> its followers as stored once the batch is written
    new_people: frozenset[int]  # the people this batch created (no VIP flag, list or relationship yet)


_PROFILE = ("handle", "display_name", "avatar_url", "profile_url", "followers")
_LOOKED_UP = ("id", "person_id", "native_id", *_PROFILE, "last_seen_at", "profile")


def _same(value: Any) -> Any:
    return value


def _parsed(profile: Any) -> Any:
    """An identity's stored profile as data (the driver gives SQLite's JSON as text)."""
    return orjson.loads(profile) if isinstance(profile, str) else profile


def _rowid_range(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` on SQLite and return their ids in order (see bulk.insert_many_returning_ids)."""
    ids = insert_many_returning_ids(conn, table, rows)
    if ids is None:  # the range check failed: never seen, but then the ids are unknown, so undo the batch
        raise StoreError(f"could not tell the ids of the new {table.name} rows: the batch was not stored")
    return ids


def _insert_people(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new people; their ids in the order of `rows`."""
    if conn.dialect.name == "sqlite":
        return _rowid_range(conn, _P, rows)  # no SQLAlchemy parameter processing: the fast path
    # Unordered RETURNING is one statement; ordered RETURNING is a statement per row on some databases. New
    # people differ only by name and creation time, so ids are handed out per (name, time): equal rows are equal.
    free: dict[tuple[str, datetime], list[int]] = {}
    returning = insert(_P).returning(_P.c.id, _P.c.display_name, _P.c.created_at)
    for person_id, name, created in conn.execute(returning, rows):
        free.setdefault((name, created), []).append(person_id)
    return [free[(row["display_name"], row["created_at"])].pop() for row in rows]


def _insert_identities(conn: Connection, keys: list[IdentityKey], rows: list[dict[str, Any]]) -> dict[IdentityKey, int]:
    """Insert new identities (`rows`, one per key, in the same order); key -> id."""
    if conn.dialect.name == "sqlite":
        return dict(zip(keys, _rowid_range(conn, _I, rows), strict=True))
    inserted = conn.execute(insert(_I).returning(_I.c.id, _I.c.id_scope, _I.c.native_id), rows)
    return {(scope, native_id): identity_id for identity_id, scope, native_id in inserted}


def identity_key(message: NormalisedMessage) -> IdentityKey:
    return _key(message.author)
