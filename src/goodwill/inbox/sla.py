"""SLA clocks: targets per workspace and intent, counted in the workspace's business hours and time zone.

Targets (minutes of business time; docs/inbox.md):
- acknowledgement: the brand's first reply in the conversation, from the customer's first message;
- response: a reply to the oldest unanswered customer message, once the conversation has had a first reply;
- resolution: the conversation resolved, from the customer's first message.
They apply to conversations that need a reply (or have had one); a waiting or snoozed conversation keeps
only its resolution clock; a resolved or hidden one has none. The earliest target not yet met is stored on
the conversation (`sla_target`, `sla_due_at`) with `sla_warn_at`, when 75% of the time is gone: from then
on a breach is predicted. The SLA job flags the breach and escalates (goodwill.jobs.sla).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.domain.enums import ConversationStatus
from goodwill.inbox.model import SlaTarget
from goodwill.store.tables import Conversation, SlaPolicy, Workspace

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TARGETS = {SlaTarget.ACK: 60, SlaTarget.RESPONSE: 120, SlaTarget.RESOLUTION: 3 * 24 * 60}
WARN_SHARE = 0.75
Window = tuple[int, int]  # minutes from local midnight: [start, end)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    zone: ZoneInfo
    windows: dict[int, tuple[Window, ...]] | None  # weekday -> windows; None: around the clock

    def add(self, start: datetime, minutes: float) -> datetime:
        """`start` plus `minutes` of business time, as a UTC datetime."""
        if self.windows is None:
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        cursor = start.astimezone(UTC)
        day = start.astimezone(self.zone).date()
        for _ in range(800):  # a window a week at least (checked by parse_hours): two years is plenty
            for first, last in self.windows.get(day.weekday(), ()):
                begin = self._at(day, first)
                end = self._at(day, last)
                begin = max(begin, cursor)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError("business hours never open")

    def _at(self, day: Any, minute: int) -> datetime:
        if minute >= 24 * 60:
            return datetime.combine(day + timedelta(days=1), time(0), self.zone).astimezone(UTC)
        return datetime.combine(day, time(minute // 60, minute % 60), self.zone).astimezone(UTC)


SPEC = re.compile(r"^\s*([a-z]{3})(?:-([a-z]{3}))?\s+((?:\d{1,2}:\d{2}-\d{1,2}:\d{2}\s*,?\s*)+)$")


def _minute(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ValueError(f"{text!r} is not a time of day")
    return hours * 60 + minutes


def parse_hours(spec: str) -> dict[str, list[list[str]]]:
    """ "mon-fri 09:00-17:00; sat 10:00-14:00" -> {"mon": [["09:00", "17:00"]], ...}; "24/7" -> {}."""
    if spec.strip().lower() in ("", "24/7", "always"):
        return {}
    parsed: dict[str, list[list[str]]] = {}
    for part in spec.lower().split(";"):
        match = SPEC.match(part)
        if match is None or match.group(1) not in DAYS or (match.group(2) or "mon") not in DAYS:
            raise ValueError(f"business hours {part.strip()!r}: write e.g. 'mon-fri 09:00-17:00; sat 10:00-14:00'")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        spans = [s.strip().split("-") for s in match.group(3).replace(",", " ").split()]
        for start, end in spans:
            if _minute(start) >= _minute(end):
                raise ValueError(f"business hours {start}-{end}: the end must come after the start")
        for index in range(first, last + 1):
            parsed.setdefault(DAYS[index], []).extend(spans)
    return parsed


def hours_of(workspace: Workspace) -> BusinessHours:
    spec: dict[str, list[list[str]]] = (workspace.settings or {}).get("business_hours") or {}
    zone = ZoneInfo(workspace.timezone or "UTC")
    if not spec:
        return BusinessHours(zone, None)
    windows = {
        DAYS.index(day): tuple(sorted((_minute(a), _minute(b)) for a, b in spans)) for day, spans in spec.items()
    }
    return BusinessHours(zone, windows)


@dataclass(frozen=True, slots=True)
class Targets:
    minutes: dict[SlaTarget, int | None]
    policy_id: int | None = None


def targets_for(session: Session, workspace_id: int, intent: str | None) -> Targets:
    """The policy for `intent`, else the workspace's default policy (intent ""), else the built-in default."""
    rows = session.scalars(
        select(SlaPolicy).where(SlaPolicy.workspace_id == workspace_id, SlaPolicy.intent.in_([intent or "", ""]))
    )
    return targets_from({(p.workspace_id, p.intent): p for p in rows}, workspace_id, intent)


Policies = dict[tuple[int, str], SlaPolicy]  # (workspace id, intent) -> policy


def policies_of(session: Session, workspace_ids: Iterable[int]) -> Policies:
    """Every SLA policy of these workspaces, for `targets_from` (one statement for a batch of conversations)."""
    rows = session.scalars(select(SlaPolicy).where(SlaPolicy.workspace_id.in_(list(workspace_ids))))
    return {(p.workspace_id, p.intent): p for p in rows}


def targets_from(policies: Policies, workspace_id: int, intent: str | None) -> Targets:
    """`targets_for` over policies already read."""
    policy = policies.get((workspace_id, intent or "")) or policies.get((workspace_id, ""))
    if policy is None:
        return Targets(dict(DEFAULT_TARGETS))
    return Targets(
        {
            SlaTarget.ACK: policy.ack_minutes,
            SlaTarget.RESPONSE: policy.response_minutes,
            SlaTarget.RESOLUTION: policy.resolution_minutes,
        },
        policy.id,
    )


@dataclass(frozen=True, slots=True)
class Due:
    target: SlaTarget
    due_at: datetime
    warn_at: datetime


def compute(conversation: Conversation, targets: Targets, hours: BusinessHours) -> Due | None:
    c = conversation
    if c.status == ConversationStatus.RESOLVED.value or c.is_hidden or c.first_inbound_at is None:
        return None
    if not (c.needs_reply or c.first_response_at is not None):
        return None
    clocks: list[tuple[SlaTarget, datetime]] = []
    active = c.status == ConversationStatus.OPEN.value
    if active and c.needs_reply and c.first_response_at is None:
        clocks.append((SlaTarget.ACK, c.first_inbound_at))
    if active and c.needs_reply and c.first_response_at is not None and c.waiting_since is not None:
        clocks.append((SlaTarget.RESPONSE, c.waiting_since))
    clocks.append((SlaTarget.RESOLUTION, c.first_inbound_at))
    best: Due | None = None
    for target, start in clocks:
        minutes = targets.minutes.get(target)
        if minutes is None:
            continue
        due = hours.add(start, minutes)
        if best is None or due < best.due_at:
            best = Due(target, due, hours.add(start, minutes * WARN_SHARE))
    return best


def refresh(
    session: Session, conversation: Conversation, *, now: datetime, policies: Policies | None = None
) -> Due | None:
    """Recompute the conversation's next SLA target; a new target clears the previous breach flag.
    `policies` (`policies_of` the conversation's workspace) saves reading them for each conversation."""
    workspace = session.get_one(Workspace, conversation.workspace_id)
    targets = (
        targets_for(session, conversation.workspace_id, conversation.intent)
        if policies is None
        else targets_from(policies, conversation.workspace_id, conversation.intent)
    )
    due = compute(conversation, targets, hours_of(workspace))
    target = due.target.value if due else None
    due_at = due.due_at if due else None
    if (target, due_at) != (conversation.sla_target, conversation.sla_due_at):
        conversation.sla_breached_at = None
    conversation.sla_target = target
    conversation.sla_due_at = due_at
    conversation.sla_warn_at = due.warn_at if due else None
    return due


def state(conversation: Conversation, now: datetime) -> str:
    """ "breached", "at_risk" (predicted breach), "ok", or "none" (no clock running)."""
    return state_at(conversation.sla_due_at, conversation.sla_warn_at, now)


def state_at(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    """`state` from the two columns, for readers that select columns rather than load conversations."""
    if due_at is None:
        return "none"
    if due_at <= now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "at_risk"
    return "ok"
