"""Keep each Person's Relationship counters current as messages arrive (stage and health come later, from
the relationships layer, which reads these counters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from goodwill.domain.enums import Stage
from goodwill.store.bulk import insert_many, update_many
from goodwill.store.tables import Relationship, table_of

_R = table_of(Relationship)


@dataclass(slots=True)
class Contact:
    inbound: int = 0
    outbound: int = 0
    first_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None

    def add(self, at: datetime, *, inbound: bool) -> None:
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        if inbound:
            self.inbound += 1
            self.last_inbound_at = at if self.last_inbound_at is None else max(self.last_inbound_at, at)
        else:
            self.outbound += 1
            self.last_outbound_at = at if self.last_outbound_at is None else max(self.last_outbound_at, at)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _stage(current: str | None, inbound: int, outbound: int) -> str:
    if current in (Stage.RELATIONSHIP.value, Stage.ADVOCATE.value):
        return current
    if inbound and outbound:
        return Stage.CONVERSING.value
    return Stage.AWARE.value


def record_contacts(conn: Connection, *, workspace_id: int, contacts: dict[int, Contact], now: datetime) -> None:
    if not contacts:
        return
    person_ids = sorted(contacts)
    existing: dict[int, Any] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        for row in conn.execute(select(_R).where(_R.c.workspace_id == workspace_id, _R.c.person_id.in_(chunk))):
            existing[row.person_id] = row
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for person_id, c in contacts.items():
        found = existing.get(person_id)
        if found is None:
            inserts.append(
                {
                    "workspace_id": workspace_id,
                    "person_id": person_id,
                    "stage": _stage(None, c.inbound, c.outbound),
                    "health": None,
                    "inbound_count": c.inbound,
                    "outbound_count": c.outbound,
                    "first_contact_at": c.first_at,
                    "last_inbound_at": c.last_inbound_at,
                    "last_outbound_at": c.last_outbound_at,
                    "is_advocate": False,
                    "at_risk": False,
                    "updated_at": now,
                }
            )
            continue
        row = found
        inbound, outbound = row.inbound_count + c.inbound, row.outbound_count + c.outbound
        updates.append(
            {
                "id": row.id,
                "inbound_count": inbound,
                "outbound_count": outbound,
                "stage": _stage(row.stage, inbound, outbound),
                "first_contact_at": _earlier(row.first_contact_at, c.first_at),
                "last_inbound_at": _later(row.last_inbound_at, c.last_inbound_at),
                "last_outbound_at": _later(row.last_outbound_at, c.last_outbound_at),
                "updated_at": now,
            }
        )
    insert_many(conn, _R, inserts)
    update_many(conn, _R, updates)
