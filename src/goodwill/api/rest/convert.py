"""Rows and library results into the API's shapes (one place, so every route shows an object the same way)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from goodwill.actions.tokens import IssuedToken
from goodwill.analytics.goals import METRICS
from goodwill.api.rest.schemas import audit as sa
from goodwill.api.rest.schemas import conversations as sc
from goodwill.api.rest.schemas import people as sp
from goodwill.api.rest.schemas import policy as sr
from goodwill.api.rest.schemas import posts as spo
from goodwill.api.rest.schemas import replies as sre
from goodwill.api.rest.schemas import workspaces as sw
from goodwill.inbox.queries import ConversationSummary
from goodwill.inbox.timeline import TimelineItem
from goodwill.replies.suggest import Suggestion
from goodwill.replies.tone import Finding
from goodwill.store.tables import (
    Activity,
    AuditEntry,
    Channel,
    Identity,
    Message,
    Person,
    Post,
    Relationship,
    Rule,
    Teammate,
    Triage,
    Workspace,
)
from goodwill.store.tables_api import ApiToken
from goodwill.store.tables_replies import Outbox, ReplyApproval


def workspace(w: Workspace) -> sw.WorkspacePublic:
    return sw.WorkspacePublic(slug=w.slug, name=w.name, timezone=w.timezone, created_at=w.created_at)


def channel(c: Channel) -> sw.ChannelPublic:
    return sw.ChannelPublic(
        id=c.id,
        network=c.network,
        account_id=c.account_id,
        handle=c.handle,
        name=c.name,
        health=c.health,
        created_at=c.created_at,
    )


def teammate(t: Teammate) -> sw.TeammatePublic:
    return sw.TeammatePublic(id=t.id, email=t.email, name=t.name, role=t.role, is_away=t.is_away)


def conversation(s: ConversationSummary) -> sc.ConversationPublic:
    return sc.ConversationPublic(
        id=s.id,
        channel_id=s.channel_id,
        network=s.network,
        channel=s.channel,
        kind=s.kind,
        status=s.status,
        person_id=s.person_id,
        person=s.person,
        assignee_id=s.assignee_id,
        assignee=s.assignee,
        needs_reply=s.needs_reply,
        priority=s.priority,
        intent=s.intent,
        message_count=s.message_count,
        last_message_at=s.last_message_at,
        last_inbound_at=s.last_inbound_at,
        waiting_since=s.waiting_since,
        waiting_minutes=s.waiting_minutes,
        sla_target=s.sla_target,
        sla_due_at=s.sla_due_at,
        sla_state=s.sla_state,
        snoozed_until=s.snoozed_until,
        hidden=s.hidden,
        tags=s.tags,
        preview=s.preview,
    )


def timeline_item(item: TimelineItem) -> sc.TimelineItemPublic:
    if item.message is not None:
        m = item.message
        data = {"direction": m.direction, "kind": m.kind, "intent": m.intent, "severity": m.severity}
        return sc.TimelineItemPublic(
            type="message", at=item.at, message_id=m.id, kind=m.kind, actor=m.author, text=m.text, data=data
        )
    return sc.TimelineItemPublic(
        type="reply" if item.type == "reply" else "activity",
        at=item.at,
        kind=item.kind,
        actor=item.actor,
        text=item.text,
        data=item.data or {},
    )


def triage(t: Triage) -> sc.TriagePublic:
    return sc.TriagePublic(
        intent=t.intent,
        sentiment=t.sentiment,
        severity=t.severity,
        complaint=t.complaint,
        needs_reply=t.needs_reply,
        priority=t.priority,
        language=t.language,
        low_confidence=t.low_confidence,
        corrected=t.corrected_by_id is not None or "corrected" in (t.evidence or {}),
        evidence=t.evidence or {},
    )


def message(session: Session, m: Message) -> sc.MessagePublic:
    return message_with(m, session.get_one(Identity, m.identity_id), session.get(Triage, m.id))


def message_with(m: Message, author: Identity, t: Triage | None) -> sc.MessagePublic:
    """A message with its author and labels already loaded (lists load them in the same statement)."""
    return sc.MessagePublic(
        id=m.id,
        conversation_id=m.conversation_id,
        channel_id=m.channel_id,
        network=m.network,
        native_id=m.native_id,
        direction=m.direction,
        kind=m.kind,
        visibility=m.visibility,
        author=f"@{author.handle}" if author.handle else author.display_name or author.native_id,
        text=m.text,
        language=m.language,
        created_at=m.created_at,
        triage=triage(t) if t is not None else None,
    )


def note(a: Activity) -> sc.NotePublic:
    mentions = [int(i) for i in (a.data or {}).get("mentions") or []]
    return sc.NotePublic(
        id=a.id,
        conversation_id=a.conversation_id,
        text=a.text or "",
        actor=a.actor_label,
        mentions=mentions,
        created_at=a.created_at,
    )


def reply(o: Outbox) -> sre.ReplyPublic:
    return sre.ReplyPublic(
        id=o.id,
        conversation_id=o.conversation_id,
        channel_id=o.channel_id,
        in_reply_to_id=o.in_reply_to_id,
        status=o.status,
        text=o.text,
        idempotency_key=o.idempotency_key,
        attempts=o.attempts,
        last_error=o.last_error,
        native_id=o.native_id,
        message_id=o.message_id,
        created_by_id=o.created_by_id,
        created_at=o.created_at,
        sent_at=o.sent_at,
    )


def finding(f: Finding) -> sre.FindingPublic:
    return sre.FindingPublic(**f.as_dict())


def suggestion(s: Suggestion) -> sre.SuggestionPublic:
    return sre.SuggestionPublic(
        text=s.text,
        source=s.source,
        score=round(s.score, 3),
        length=s.length,
        limit=s.limit,
        findings=[finding(f) for f in s.findings],
    )


def approval(session: Session, a: ReplyApproval) -> sre.ApprovalPublic:
    return sre.ApprovalPublic(
        id=a.id,
        conversation_id=a.conversation_id,
        reply_id=a.outbox_id,
        status=a.status,
        text=session.get_one(Outbox, a.outbox_id).text,
        original_text=a.original_text,
        reasons=list(a.reasons or []),
        findings=list(a.findings or []),
        requested_by_id=a.requested_by_id,
        decided_by_id=a.decided_by_id,
        decided_at=a.decided_at,
        note=a.note,
        created_at=a.created_at,
    )


def person(p: Person) -> sp.PersonPublic:
    return sp.PersonPublic(
        id=p.id, display_name=p.display_name, is_vip=p.is_vip, labels=list(p.labels or []), created_at=p.created_at
    )


def identity(i: Identity) -> sp.IdentityPublic:
    return sp.IdentityPublic(
        id=i.id,
        network=i.network,
        native_id=i.native_id,
        handle=i.handle,
        display_name=i.display_name,
        profile_url=i.profile_url,
        followers=i.followers,
        first_seen_at=i.first_seen_at,
        last_seen_at=i.last_seen_at,
    )


def relationship(r: Relationship) -> sp.RelationshipPublic:
    return sp.RelationshipPublic(
        stage=r.stage,
        health=r.health,
        inbound_count=r.inbound_count,
        outbound_count=r.outbound_count,
        first_contact_at=r.first_contact_at,
        last_inbound_at=r.last_inbound_at,
        last_outbound_at=r.last_outbound_at,
        is_advocate=r.is_advocate,
        at_risk=r.at_risk,
        updated_at=r.updated_at,
    )


def post(p: Post) -> spo.PostPublic:
    return spo.PostPublic(
        id=p.id,
        channel_id=p.channel_id,
        status=p.status,
        text=p.text,
        scheduled_at=p.scheduled_at,
        published_at=p.published_at,
        message_id=p.message_id,
        created_by_id=p.created_by_id,
        created_at=p.created_at,
        detail=p.detail or {},
    )


def rule(r: Rule) -> sr.RulePublic:
    return sr.RulePublic(
        id=r.id,
        name=r.name,
        position=r.position,
        enabled=r.enabled,
        conditions=r.conditions or {},
        actions=r.actions or {},
        created_at=r.created_at,
    )


def goal(g: dict[str, object]) -> sr.GoalPublic:
    metric = METRICS[str(g["metric"])]
    channel_id = g.get("channel_id")
    return sr.GoalPublic(
        metric=metric.name,
        target=float(str(g["target"])),
        channel_id=int(str(channel_id)) if channel_id is not None else None,
        unit=metric.unit,
        help=metric.help,
    )


def audit_entry(e: AuditEntry) -> sa.AuditEntryPublic:
    return sa.AuditEntryPublic(
        id=e.id,
        actor_id=e.actor_id,
        actor=e.actor_label,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        data=e.data or {},
        created_at=e.created_at,
    )


def token(t: ApiToken) -> sa.TokenPublic:
    return sa.TokenPublic(
        id=t.id,
        name=t.name,
        prefix=t.prefix,
        teammate_id=t.teammate_id,
        scopes=list(t.scopes or []),
        created_at=t.created_at,
        expires_at=t.expires_at,
        last_used_at=t.last_used_at,
        revoked_at=t.revoked_at,
    )


def issued(i: IssuedToken) -> sa.TokenIssued:
    return sa.TokenIssued(**token(i.token).model_dump(), secret=i.secret)
