"""Keep each Person's Relationship counters current as messages arrive (stage and health come later, from
the relationships layer, which reads these counters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from goodwill.domain.enums import Stage
from goodwill.store.bulk import upsert_many
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


_R_NAME = _R.name
_KEPT = ", ".join(f"'{stage.value}'" for stage in (Stage.RELATIONSHIP, Stage.ADVOCATE))
# On a person already counted, the stored row absorbs the batch's counts (SQL below; stage as `_stage`).
_ABSORB = {
    "inbound_count": f"{_R_NAME}.inbound_count + excluded.inbound_count",
    "outbound_count": f"{_R_NAME}.outbound_count + excluded.outbound_count",
    "stage": (
        f"CASE WHEN {_R_NAME}.stage IN ({_KEPT}) THEN {_R_NAME}.stage"
        f" WHEN {_R_NAME}.inbound_count + excluded.inbound_count > 0"
        f" AND {_R_NAME}.outbound_count + excluded.outbound_count > 0 THEN '{Stage.CONVERSING.value}'"
        f" ELSE '{Stage.AWARE.value}' END"
    ),
    "first_contact_at": (
        f"CASE WHEN {_R_NAME}.first_contact_at IS NULL OR excluded.first_contact_at < {_R_NAME}.first_contact_at"
        f" THEN excluded.first_contact_at ELSE {_R_NAME}.first_contact_at END"
    ),
    **{
        name: (
            f"CASE WHEN {_R_NAME}.{name} IS NULL OR excluded.{name} > {_R_NAME}.{name}"
            f" THEN excluded.{name} ELSE {_R_NAME}.{name} END"
        )
        for name in ("last_inbound_at", "last_outbound_at")
    },
    "updated_at": "excluded.updated_at",
}


def _stage(inbound: int, outbound: int) -> str:
    return Stage.CONVERSING.value if inbound and outbound else Stage.AWARE.value


def record_contacts(conn: Connection, *, workspace_id: int, contacts: dict[int, Contact], now: datetime) -> None:
    """Add the batch's contacts to each person's counters: a new Relationship row, or the stored one updated in
    the database (counts added, earliest and latest times kept, stage moved on), without reading it first."""
    rows = [
        {
            "workspace_id": workspace_id,
            "person_id": person_id,
            "stage": _stage(c.inbound, c.outbound),
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
        for person_id, c in sorted(contacts.items())
    ]
    upsert_many(conn, _R, rows, conflict=("workspace_id", "person_id"), sets=_ABSORB)
