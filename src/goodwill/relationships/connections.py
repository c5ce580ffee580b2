"""LinkedIn connections never messaged beyond the connection, most promising first, with a nudge each.

`do_import_connections` (an action: audited, one transaction) reads Connections.csv from the LinkedIn data
export (goodwill.connectors.archives.linkedin.read_connections) and makes sure each connection is an
Identity (network linkedin, keyed by the profile URL exactly as the export importer keys message authors)
under a Person, keeping the row (company, position, e-mail, connected on) as the Identity's profile. A bad
row (no profile URL, an unreadable date) is refused with its file and line, and nothing is written.

`linkedin_connections` lists the connections with no message either way after the day they connected (a
note sent with the invitation that day does not count), most promising first: a recent connection, a
senior or buying role, an e-mail address to write to, and any word from them on another network.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_write, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.connectors.archives.common import ArchiveError
from goodwill.connectors.archives.linkedin import parse_time, profile_key, read_connections
from goodwill.domain.enums import Direction, Network
from goodwill.domain.message import InvalidMessage
from goodwill.relationships.nudges import Candidate
from goodwill.replies.length import fit
from goodwill.replies.tone import DraftContext, Level, check_draft
from goodwill.store.tables import Conversation, Identity, Message, Person, Workspace

SENIOR = re.compile(
    r"\b(founder|co-?founder|owner|ceo|cto|coo|cmo|chief|president|partner|director|head|vp|vice president|"
    r"principal|lead|manager|buyer|purchasing|procurement|editor|journalist)\b",
    re.IGNORECASE,
)
FRESH_DAYS = 90.0


@dataclass(slots=True)
class Connection:
    person_id: int
    identity_id: int
    name: str
    url: str
    company: str | None
    position: str | None
    connected_on: datetime
    has_email: bool
    engaged_elsewhere: int  # their messages to us on other networks
    score: float
    why: str
    draft: str

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["connected_on"] = self.connected_on.date().isoformat()
        return out


@dataclass(slots=True)
class ImportedConnections:
    rows: int
    new_people: int
    updated: int


def _rows(path: Path) -> list[tuple[str, dict[str, str], datetime, str]]:
    """(url key, row, connected on, display name) for every row, or the first bad row's error."""
    out = []
    for where, line, row in read_connections(path):
        url = profile_key(row.get("URL"))
        if "/in/" not in url:
            raise ArchiveError(where, f"URL {row.get('URL', '')[:60]!r} is not a LinkedIn profile URL", line=line)
        try:
            connected = parse_time(row.get("CONNECTED ON"), "Connected On")
        except InvalidMessage as exc:
            raise ArchiveError(where, str(exc), line=line, field="Connected On") from None
        name = " ".join(p for p in (row.get("FIRST NAME", "").strip(), row.get("LAST NAME", "").strip()) if p)
        out.append((url, row, connected, name or url.rsplit("/", 1)[-1]))
    return out


def do_import_connections(
    session: Session, workspace: Workspace, path: Path, *, acting: Acting, now: datetime | None = None
) -> ImportedConnections:
    """Make every connection in the export an Identity with a Person (see the module doc). Idempotent."""
    check_can_write(session, workspace, acting)
    now = now or utcnow()
    rows = _rows(path)  # everything is checked before anything is written
    known = {
        i.native_id: i
        for i in session.scalars(
            select(Identity).where(Identity.workspace_id == workspace.id, Identity.network == Network.LINKEDIN.value)
        )
    }
    new = updated = 0
    for url, row, connected, name in rows:
        identity = known.get(url)
        if identity is None:
            person = Person(
                workspace_id=workspace.id, display_name=name, fields={}, labels=[], is_vip=False, created_at=connected
            )
            session.add(person)
            session.flush()
            identity = Identity(
                workspace_id=workspace.id,
                person_id=person.id,
                network=Network.LINKEDIN.value,
                id_scope="",
                native_id=url,
                handle=url.rsplit("/", 1)[-1],
                display_name=name,
                profile_url=url,
                profile=dict(row),
                is_self=False,
                first_seen_at=connected,
                last_seen_at=connected,
            )
            session.add(identity)
            known[url] = identity
            new += 1
        elif (identity.profile or {}) != {**(identity.profile or {}), **row}:
            identity.profile = {**(identity.profile or {}), **row}
            updated += 1
    session.flush()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="person.import_connections",
        object_type="workspace",
        object_id=workspace.id,
        data={"file": path.name, "rows": len(rows), "new_people": new, "updated": updated},
    )
    return ImportedConnections(len(rows), new, updated)


def _score(connected: datetime, position: str, company: str, email: bool, engaged: int, now: datetime) -> float:
    age = max(0.0, (now - connected).total_seconds() / 86400)
    fresh = math.exp(-age / FRESH_DAYS)
    senior = 1.0 if SENIOR.search(position) else 0.3 if position else 0.0
    score = 0.35 * fresh + 0.3 * senior + 0.1 * email + 0.05 * bool(company) + 0.2 * min(1.0, engaged / 2)
    return round(score, 4)


def _why(connected: datetime, position: str, company: str, engaged: int, now: datetime) -> str:
    parts = [f"connected {connected:%Y-%m-%d} ({(now - connected).days} days ago), never messaged since"]
    if position or company:
        parts.append(" at ".join(p for p in (position, company) if p))
    if engaged:
        parts.append(f"wrote to us {engaged} time(s) on other networks")
    return "; ".join(parts)


def _draft(name: str, company: str, brand: str) -> str:
    first = name.split()[0] if name else ""
    hi = f"Hi {first}," if first else "Hi,"
    about = f" I'd love to hear what you're working on at {company}." if company else ""
    parts = [
        (hi, 0),
        (f"thanks for connecting with {brand}!", 0),
        (about.strip(), 1),
        ("No pitch, just saying hello.", 2),
    ]
    text = fit(parts, None, Network.LINKEDIN.value)
    findings = check_draft(text, DraftContext(network=Network.LINKEDIN.value, public=False, first_name=first or None))
    return text if not any(f.level is Level.BLOCK for f in findings) else f"{hi} thanks for connecting!"


def linkedin_connections(session: Session, workspace: Workspace, *, now: datetime | None = None) -> list[Connection]:
    """Connections with no message after the day they connected, most promising first (see the module doc)."""
    now = now or datetime.now(UTC)
    identities = [
        i
        for i in session.scalars(
            select(Identity).where(
                Identity.workspace_id == workspace.id,
                Identity.network == Network.LINKEDIN.value,
                Identity.person_id.is_not(None),
            )
        )
        if (i.profile or {}).get("CONNECTED ON")
    ]
    out = []
    for identity in identities:
        profile = identity.profile or {}
        assert identity.person_id is not None
        connected = parse_time(profile.get("CONNECTED ON"), "Connected On")
        if _messages_after(session, identity, connected + timedelta(days=1)):
            continue
        engaged = _engaged_elsewhere(session, identity)
        position, company = (profile.get("POSITION") or "").strip(), (profile.get("COMPANY") or "").strip()
        email = bool((profile.get("EMAIL ADDRESS") or "").strip())
        name = identity.display_name or ""
        out.append(
            Connection(
                identity.person_id,
                identity.id,
                name,
                identity.native_id,
                company or None,
                position or None,
                connected,
                email,
                engaged,
                _score(connected, position, company, email, engaged, now),
                _why(connected, position, company, engaged, now),
                _draft(name, company, workspace.name),
            )
        )
    out.sort(key=lambda c: (-c.score, c.name))
    return out


def _messages_after(session: Session, identity: Identity, since: datetime) -> int:
    """Messages on LinkedIn either way with this person from `since` on."""
    theirs = session.scalar(select(func.count()).where(Message.identity_id == identity.id, Message.created_at >= since))
    ours = session.scalar(
        select(func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.person_id == identity.person_id,
            Message.network == Network.LINKEDIN.value,
            Message.direction == Direction.OUTBOUND.value,
            Message.created_at >= since,
        )
    )
    return int(theirs or 0) + int(ours or 0)


def _engaged_elsewhere(session: Session, identity: Identity) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Message)
            .join(Identity, Identity.id == Message.identity_id)
            .where(Identity.person_id == identity.person_id, Identity.id != identity.id)
        )
        or 0
    )


def connection_nudges(connections: list[Connection]) -> list[Candidate]:
    """One `connect` nudge per connection never messaged (stored by goodwill.actions.nudges)."""
    return [
        Candidate(
            "connect",
            f"connect:{c.identity_id}",
            c.person_id,
            c.why,
            c.connected_on + timedelta(hours=48),
            c.score,
            draft=c.draft,
        )
        for c in connections
    ]
