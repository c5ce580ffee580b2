"""The inbox's vocabulary: activity kinds, outbox states, SLA targets, and the typed events inbox actions send.

The events belong with the others in goodwill.events; they live here until that module takes them over
(listeners subscribe to them the same way: `goodwill.events.subscribe`).
"""

from __future__ import annotations

from enum import StrEnum


class ActivityKind(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    STATUS = "status"  # data: {"from", "to", "until"?}
    REOPENED = "reopened"  # by a new inbound message
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    NOTE = "note"  # text: the note; data: {"mentions": [teammate ids]}
    PRIORITY = "priority"
    HIDDEN = "hidden"
    RULE = "rule"  # data: {"rule_id", "rule", "message_id", "actions"}
    SLA_BREACHED = "sla_breached"
    ESCALATED = "escalated"
    REPLY_QUEUED = "reply_queued"
    REPLY_SENT = "reply_sent"
    REPLY_FAILED = "reply_failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker; outcome unknown until recorded
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts: a person decides


class SlaTarget(StrEnum):
    ACK = "ack"  # the brand's first reply in the conversation
    RESPONSE = "response"  # a reply to the oldest unanswered customer message
    RESOLUTION = "resolution"  # the conversation resolved


OPEN_STATES = ("open", "waiting", "snoozed")  # counted against an agent's capacity
