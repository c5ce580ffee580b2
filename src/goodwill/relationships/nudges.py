"""Nudges: who needs us next, why, and a ready draft.

`find_nudges(session, workspace, now=...)` looks at the messages and the relationship states and returns the
nudges due, each with a stable `key` (one nudge per occasion: goodwill.actions.nudges stores them and keeps
the team's done / snoozed / dismissed decisions):

- thank: praise nobody answered (the last 14 days, older than an hour);
- follow_up: a complaint the brand answered or resolved 3 to 14 days ago, and no word to the person since
  ("keep the love alive");
- welcome: a new person whose first message came in the last 48 hours, not yet answered ("go beyond the
  initial connection");
- reconnect: an advocate, VIP or target gone quiet: the stay-in-touch timer runs from the last real contact
  either way (a message, not a nudge marked done), so the key carries that date and a new contact restarts it;
- reach_out: a target person who wrote to us and is waiting.
LinkedIn connections never messaged get theirs from goodwill.relationships.connections.

Drafts go through the replies layer: the thank-you is the reply suggestion for the praise
(goodwill.replies.suggest); the others are composed here from the same situation (names, the network's
length limit) and checked by the same tone guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from goodwill.domain.enums import Direction
from goodwill.relationships.figures import DAY
from goodwill.relationships.state import compute
from goodwill.replies.context import first_name_of, situation
from goodwill.replies.length import fit
from goodwill.replies.suggest import problem_of, suggest_replies
from goodwill.replies.tone import check_draft
from goodwill.store.tables import Conversation, Identity, Message, Person, Triage, VipEntry, Workspace

THANK_WITHIN = timedelta(days=14)
FOLLOW_UP_AFTER, FOLLOW_UP_UNTIL = timedelta(days=3), timedelta(days=14)
WELCOME_WITHIN = timedelta(hours=48)
STAY_IN_TOUCH_DAYS = 30  # advocates, VIPs and targets: reconnect after this long without contact
KINDS = ("thank", "follow_up", "welcome", "reconnect", "reach_out", "connect")


@dataclass(slots=True)
class Candidate:
    kind: str
    key: str
    person_id: int
    why: str
    due_at: datetime
    score: float
    conversation_id: int | None = None
    message_id: int | None = None
    draft: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _unanswered(session: Session, workspace_id: int, since: datetime, until: datetime) -> list[Any]:
    """Inbound messages in [since, until) with no brand message after them in their conversation."""
    return list(
        session.execute(
            select(
                Message.id, Message.conversation_id, Message.created_at, Message.text, Identity.person_id, Triage.intent
            )
            .join(Identity, Identity.id == Message.identity_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Triage, Triage.message_id == Message.id)
            .where(
                Message.workspace_id == workspace_id,
                Message.direction == Direction.INBOUND.value,
                Message.created_at >= since,
                Message.created_at < until,
                Identity.person_id.is_not(None),
                Conversation.is_hidden.is_(False),
                or_(Conversation.last_outbound_at.is_(None), Conversation.last_outbound_at < Message.created_at),
            )
            .order_by(Message.created_at)
        ).tuples()
    )


def _vips(session: Session, workspace_id: int) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for person_id, name in session.execute(
        select(VipEntry.person_id, VipEntry.list_name).where(VipEntry.workspace_id == workspace_id)
    ):
        out.setdefault(person_id, set()).add(name)
    for person_id in session.scalars(
        select(Person.id).where(Person.workspace_id == workspace_id, Person.is_vip.is_(True))
    ):
        out.setdefault(person_id, set()).add("vip")
    return out


def find_nudges(session: Session, workspace: Workspace, *, now: datetime, drafts: bool = True) -> list[Candidate]:
    """Every nudge due at `now` (see the module doc), most important first."""
    vips = _vips(session, workspace.id)
    out: list[Candidate] = []
    for mid, cid, at, _text, pid, intent in _unanswered(
        session, workspace.id, now - THANK_WITHIN, now - timedelta(hours=1)
    ):
        if intent == "praise":
            out.append(
                Candidate(
                    "thank",
                    f"thank:{mid}",
                    pid,
                    f"praised us on {at:%Y-%m-%d} and nobody thanked them",
                    at,
                    0.6,
                    cid,
                    mid,
                )
            )
        elif "targets" in vips.get(pid, set()) and intent != "spam":
            why = f"a target person wrote on {at:%Y-%m-%d} ({intent}) and is waiting for us"
            out.append(Candidate("reach_out", f"reach_out:{mid}", pid, why, at, 0.95, cid, mid))
    epoch = now.timestamp()
    for f, s in compute(session, workspace.id, now=now):
        last = max((t for t in (f.last_inbound_at, f.last_outbound_at) if t is not None), default=None)
        for cid, answered in f.resolved_complaints:
            since_answer = timedelta(seconds=epoch - answered)
            heard = f.last_outbound_at is not None and f.last_outbound_at > answered + DAY
            if FOLLOW_UP_AFTER <= since_answer <= FOLLOW_UP_UNTIL and not heard:
                why = f"their complaint was answered {since_answer.days} days ago; check that all is well now"
                out.append(
                    Candidate(
                        "follow_up", f"follow_up:{cid}", f.person_id, why, _when(answered) + FOLLOW_UP_AFTER, 0.8, cid
                    )
                )
        if (
            f.first_at is not None
            and f.inbound
            and not f.outbound
            and epoch - f.first_at <= WELCOME_WITHIN.total_seconds()
        ):
            due = _when(f.first_at) + WELCOME_WITHIN
            why = (
                f"new here: first message {_when(f.first_at):%Y-%m-%d %H:%M} UTC; welcome them personally "
                f"before {due:%Y-%m-%d %H:%M} UTC"
            )
            out.append(Candidate("welcome", f"welcome:{f.person_id}", f.person_id, why, due, 0.7))
        lists = vips.get(f.person_id, set())
        if last is not None and (s.is_advocate or lists) and epoch - last >= STAY_IN_TOUCH_DAYS * DAY:
            who = "an advocate" if s.is_advocate else "on the " + ", ".join(sorted(lists)) + " list"
            contact = _when(last)
            why = f"{who}, last in touch {contact:%Y-%m-%d} ({(epoch - last) / DAY:.0f} days ago)"
            key = f"reconnect:{f.person_id}:{contact:%Y-%m-%d}"
            out.append(
                Candidate(
                    "reconnect",
                    key,
                    f.person_id,
                    why,
                    contact + timedelta(days=STAY_IN_TOUCH_DAYS),
                    0.75 + 0.1 * s.is_advocate,
                )
            )
    out.sort(key=lambda c: (-c.score, c.due_at, c.key))
    if drafts:
        for candidate in out:
            candidate.draft = draft_for(session, workspace, candidate, now=now)
    return out


def _latest_conversation(session: Session, person_id: int) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .where(Conversation.person_id == person_id, Conversation.is_hidden.is_(False))
        .order_by(and_(Conversation.kind == "direct").desc(), Conversation.last_message_at.desc())
        .limit(1)
    )


def _problem(session: Session, conversation_id: int) -> str | None:
    """How the reply suggestions name the problem in the conversation's newest complaint."""
    text = session.scalar(
        select(Message.text)
        .join(Triage, Triage.message_id == Message.id)
        .where(Message.conversation_id == conversation_id, Triage.intent == "complaint")
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    return problem_of(text) if text else None


def draft_for(session: Session, workspace: Workspace, c: Candidate, *, now: datetime) -> str | None:
    """A ready draft for the nudge, fitted to the network and checked by the tone guard (None: no channel
    to write on, e.g. a LinkedIn connection, whose draft is composed by goodwill.relationships.connections)."""
    conversation = session.get(Conversation, c.conversation_id) if c.conversation_id else None
    conversation = conversation or _latest_conversation(session, c.person_id)
    if conversation is None:
        return None
    if c.kind in ("thank", "reach_out"):
        suggestions = suggest_replies(session, workspace, conversation, now=now)
        if suggestions:
            return suggestions[0].text
    sit = situation(session, workspace, conversation, now=now)
    if c.kind == "welcome" and sit.intent in ("complaint", "question"):
        # a newcomer who wrote with a problem or a question is welcomed by an answer to it: "thanks for saying
        # hello" to a complaint is what the tone guard blocks
        suggestions = suggest_replies(session, workspace, conversation, now=now)
        if suggestions:
            return suggestions[0].text
    problem = _problem(session, conversation.id) if c.kind == "follow_up" else None
    person = session.get(Person, c.person_id)
    name = first_name_of(person.display_name if person else None) or sit.first_name
    hi = f"Hi {name}!" if name else "Hi!"
    parts = {
        "follow_up": [
            (hi, 0),
            (f"Just checking in about {problem or 'the trouble you had'}: is everything sorted now?", 0),
            ("If anything's still not right, tell me and I'll sort it.", 1),
        ],
        "welcome": [
            (hi, 0),
            (f"Welcome to {workspace.name}, and thanks for saying hello.", 0),
            ("If there's anything you'd like to know, just ask: we read everything.", 1),
        ],
        "reconnect": [
            (hi, 0),
            ("It's been a while, and we've missed hearing from you.", 0),
            ("How are you getting on? We'd love to know what you're enjoying lately.", 1),
        ],
        "reach_out": [(hi, 0), ("Thanks for getting in touch: we'd love to hear more.", 0)],
    }.get(c.kind, [(hi, 0)])
    text = fit(parts, sit.limit, sit.network)
    blocking = [f for f in check_draft(text, sit.draft_context()) if f.level.value == "block"]
    return None if blocking else text
