"""Triage corrections and the workspace's model: teammates teach the model the brand.

`do_correct_triage` changes a message's labels in one transaction with an audit row (``triage.correct``)
whose data keeps the text and the labels before and after: the audit log is the store of corrections, and
`corrections_of` reads them back as training examples for `goodwill train` (latest correction per message).
`do_set_triage_model` records (or clears) the workspace's retrained model in its settings, audited.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_manage, check_can_write
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound, do_write_settings
from goodwill.domain.enums import Direction, Intent, Sentiment
from goodwill.domain.triage import TriageResult
from goodwill.store import Store
from goodwill.store.tables import AuditEntry, Conversation, Message, Triage, Workspace
from goodwill.triage.training import Example

CORRECT = "triage.correct"
SET_MODEL = "triage.model"
LABELS = ("complaint", "intent", "sentiment", "severity")
_SCORE_OF = {Sentiment.NEGATIVE: -0.5, Sentiment.NEUTRAL: 0.0, Sentiment.POSITIVE: 0.5}


def access_message_by_id(session: Session, workspace: Workspace, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.workspace_id != workspace.id:
        raise NotFound(f"no message {message_id} in workspace {workspace.slug!r}")
    return message


def check_correction(
    current: Triage,
    *,
    intent: Intent | str | None,
    complaint: bool | None,
    sentiment: Sentiment | str | None,
    severity: int | None,
) -> dict[str, Any]:
    """The corrected labels, validated and made consistent (a complaint's intent is complaint or spam and its
    severity 1-4; anything else has severity 0). Labels not given keep their value unless consistency
    decides them. Raises ValueError with what to change."""
    if intent is not None:
        try:
            intent = Intent(str(intent).strip().lower())
        except ValueError:
            raise ValueError(f"intent {intent!r}: use one of {', '.join(i.value for i in Intent)}") from None
    if sentiment is not None:
        try:
            sentiment = Sentiment(str(sentiment).strip().lower())
        except ValueError:
            raise ValueError(f"sentiment {sentiment!r}: use one of {', '.join(s.value for s in Sentiment)}") from None
    if severity is not None and not 0 <= severity <= 4:
        raise ValueError("severity runs from 0 (not a complaint) to 4 (blame)")
    if complaint is None and intent is not None:
        complaint = True if intent is Intent.COMPLAINT else (None if intent is Intent.SPAM else False)
    if complaint is None and severity is not None:
        complaint = severity > 0
    new_complaint = current.complaint if complaint is None else complaint
    new_intent = intent or Intent(current.intent)
    if complaint is True and intent is None and new_intent is not Intent.SPAM:
        new_intent = Intent.COMPLAINT
    if complaint is False and intent is None and new_intent is Intent.COMPLAINT:
        raise ValueError("not a complaint: say what it is instead, e.g. --intent question (or praise, chatter...)")
    if new_complaint and new_intent not in (Intent.COMPLAINT, Intent.SPAM):
        raise ValueError(f"a complaint's intent is complaint (or spam), not {new_intent.value}")
    if new_intent is Intent.COMPLAINT and not new_complaint:
        raise ValueError("intent complaint needs complaint true")
    new_severity = current.severity if severity is None else severity
    if new_complaint and new_severity == 0:
        new_severity = 1  # not a training label unless given: see corrections_of
    if not new_complaint:
        if severity:
            raise ValueError("only a complaint has a severity: give --severity 0 or --complaint")
        new_severity = 0
    return {
        "complaint": bool(new_complaint),
        "intent": new_intent.value,
        "sentiment": (sentiment or Sentiment(current.sentiment)).value,
        "severity": int(new_severity),
    }


def _labels(t: Triage) -> dict[str, Any]:
    return {
        "complaint": t.complaint,
        "intent": t.intent,
        "sentiment": t.sentiment,
        "severity": t.severity,
        "sentiment_score": round(t.sentiment_score, 4),
        "needs_reply": t.needs_reply,
        "priority": t.priority,
        "model_version": t.model_version,
    }


def do_correct_triage(
    session: Session,
    workspace: Workspace,
    message: Message,
    *,
    intent: Intent | str | None = None,
    complaint: bool | None = None,
    sentiment: Sentiment | str | None = None,
    severity: int | None = None,
    acting: Acting,
) -> bool:
    """Correct an inbound message's labels; its needs-reply and priority follow, and so do its conversation's
    intent, needs-reply, priority and SLA clock. Idempotent: False (and no audit row) when nothing changed."""
    from goodwill.triage.authors import authors_of, with_author
    from goodwill.triage.classifier import reply_needed, text_priority

    check_can_write(session, workspace, acting)
    if message.workspace_id != workspace.id:
        raise NotFound(f"no message {message.id} in workspace {workspace.slug!r}")
    row = session.get(Triage, message.id)
    if row is None or message.direction != Direction.INBOUND.value:
        raise ValueError(f"message {message.id} has no labels to correct (only inbound messages are triaged)")
    given = {"intent": intent, "complaint": complaint, "sentiment": sentiment, "severity": severity}
    if all(v is None for v in given.values()):
        raise ValueError("say what to correct: --intent, --complaint/--not-complaint, --sentiment or --severity")
    after = check_correction(row, intent=intent, complaint=complaint, sentiment=sentiment, severity=severity)
    before = _labels(row)
    if all(before[k] == after[k] for k in LABELS):
        return False
    conversation = session.get_one(Conversation, message.conversation_id)
    waiting_before = _waiting(session, conversation)

    new_sentiment = Sentiment(after["sentiment"])
    score = row.sentiment_score
    if new_sentiment is not Sentiment(row.sentiment):
        score = _SCORE_OF[new_sentiment]
    new_intent = Intent(after["intent"])
    needs_reply, reason = reply_needed(new_intent)
    result = TriageResult(
        complaint=after["complaint"],
        complaint_probability=1.0 if after["complaint"] else 0.0,
        intent=new_intent,
        intent_score=1.0,
        sentiment=new_sentiment,
        sentiment_score=score,
        severity=after["severity"],
        needs_reply=needs_reply,
        needs_reply_reason=reason,
        priority=text_priority(new_intent, after["severity"], score),
        language=row.language,
        low_confidence=False,
        evidence=dict(row.evidence or {}),
    )
    author = authors_of(session.connection(), workspace.id, [message.identity_id]).get(message.identity_id)
    result.priority, result.evidence["priority"] = with_author(result, author)
    now = datetime.now(UTC)
    result.evidence["corrected"] = {"by": acting.label, "at": now.isoformat(), "before": {k: before[k] for k in LABELS}}
    row.complaint, row.complaint_probability = result.complaint, result.complaint_probability
    row.intent, row.intent_score = new_intent.value, result.intent_score
    row.sentiment, row.sentiment_score = new_sentiment.value, result.sentiment_score
    row.severity, row.priority = result.severity, result.priority
    row.needs_reply, row.needs_reply_reason = result.needs_reply, result.needs_reply_reason
    row.low_confidence, row.evidence = False, result.evidence
    row.corrected_by_id = acting.teammate_id
    session.flush()
    _follow(session, conversation, waiting_before, now)

    from goodwill.triage.features import MAX_CHARS

    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action=CORRECT,
        object_type="message",
        object_id=message.id,
        data={
            "message_id": message.id,
            "conversation_id": message.conversation_id,
            "text": message.text[:MAX_CHARS],
            "set": {k: after[k] for k, v in given.items() if v is not None},
            "before": before,
            "after": _labels(row),
        },
    )
    return True


def _waiting(session: Session, conversation: Conversation) -> tuple[bool, int]:
    """(needs a reply, highest priority) over the conversation's inbound messages not answered yet, as ingest
    rolls them up (goodwill.ingest.conversations.fold)."""
    query = (
        select(Triage.needs_reply, Triage.priority)
        .join(Message, Message.id == Triage.message_id)
        .where(Message.conversation_id == conversation.id, Message.direction == Direction.INBOUND.value)
    )
    if conversation.last_outbound_at is not None:
        query = query.where(Message.created_at > conversation.last_outbound_at)
    waiting = [priority for needs, priority in session.execute(query).tuples() if needs]
    return bool(waiting), max(waiting, default=0)


def _follow(session: Session, conversation: Conversation, waiting_before: tuple[bool, int], now: datetime) -> None:
    """The conversation follows its corrected message. A priority raised by hand, a rule or an SLA escalation
    (above what its messages gave it) is kept unless the correction gives more."""
    from goodwill.inbox import sla
    from goodwill.inbox.processing import refresh_columns

    _, old_max = waiting_before
    needs, new_max = _waiting(session, conversation)
    conversation.needs_reply = needs
    if conversation.priority == old_max or new_max > conversation.priority:
        conversation.priority = new_max if needs else 0
    refresh_columns(session, conversation)
    sla.refresh(session, conversation, now=now)


@dataclass(frozen=True, slots=True)
class Correction:
    message_id: int
    example: Example
    at: datetime


def corrections_of(session: Session, workspace: Workspace) -> list[Correction]:
    """The workspace's corrections as training examples, the latest per message, oldest first.

    An example carries the labels the teammate set or changed (the others were only left alone); a severity
    only when it was given (a complaint's default severity is not a judgement).
    """
    latest: dict[int, Correction] = {}
    for entry in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.workspace_id == workspace.id, AuditEntry.action == CORRECT)
        .order_by(AuditEntry.id)
    ):
        data = entry.data or {}
        before, after, given = data.get("before") or {}, data.get("after") or {}, data.get("set") or {}
        text = data.get("text")
        if not isinstance(text, str) or not isinstance(data.get("message_id"), int):
            continue
        told = {k for k in LABELS if k in given or before.get(k) != after.get(k)}
        example = Example(
            text=text,
            complaint=bool(after["complaint"]) if "complaint" in told else None,
            severity=int(given["severity"]) if "severity" in given and after.get("complaint") else None,
            sentiment=str(after["sentiment"]) if "sentiment" in told else None,
            intent=str(after["intent"]) if "intent" in told else None,
        )
        latest.pop(data["message_id"], None)
        latest[data["message_id"]] = Correction(data["message_id"], example, entry.created_at)
    return list(latest.values())


def do_set_triage_model(
    session: Session, workspace: Workspace, *, model: dict[str, Any] | None, acting: Acting
) -> dict[str, Any] | None:
    """Use a retrained model for the workspace (``model``: at least ``{"path": ...}``), or the shipped one
    (None). Owners and admins. Returns the previous setting."""
    check_can_manage(session, workspace, acting)
    if model is not None and not isinstance(model.get("path"), str):
        raise ValueError("a workspace model needs the path of its file")
    previous: dict[str, Any] | None = (workspace.settings or {}).get("triage_model")
    do_write_settings(
        session,
        workspace,
        {"triage_model": dict(model) if model is not None else None},
        action=SET_MODEL,
        acting=acting,
        data={"model": model, "previous": previous},
    )
    return previous


# ---------------------------------------------------------------------------------------------- retraining
class TrainingUnavailable(RuntimeError):
    """scikit-learn or scipy (the optional ``train`` extra) is not installed."""


def check_training_available() -> None:
    try:
        import scipy  # type: ignore[import-untyped]  # noqa: F401
        import sklearn  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise TrainingUnavailable(
            "retraining needs scikit-learn and scipy, which are not installed: pip install 'goodwill[train]'"
        ) from None


@dataclass(slots=True)
class RetrainReport:
    workspace: str
    corrections: int
    trained_on: int
    held_back: int
    before_version: str
    version: str
    before: dict[str, dict[str, float]]  # the model in use until now, on the held-back corrections
    after: dict[str, dict[str, float]]  # the retrained model, on the same corrections
    path: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def hold_back(corrections: list[Correction], share: float, seed: int = 0) -> tuple[list[Correction], list[Correction]]:
    """(to train on, held back): ``share`` of the corrections (at least one when there are two or more), chosen
    by a hash of the message id and the seed, so the same corrections always split the same way."""
    if not 0.0 <= share < 1.0:
        raise ValueError("the held-back share runs from 0 up to (not including) 1")
    n_held = max(1, round(share * len(corrections))) if share > 0 and len(corrections) >= 2 else 0
    ranked = sorted(corrections, key=lambda c: hashlib.sha256(f"{seed}:{c.message_id}".encode()).hexdigest())
    held = {c.message_id for c in ranked[:n_held]}
    return [c for c in corrections if c.message_id not in held], [c for c in corrections if c.message_id in held]


def retrain_workspace(
    store: Store,
    slug: str,
    *,
    data_dir: str | Path,
    holdout: float = 0.2,
    seed: int = 0,
    acting: Acting,
    out_dir: Path | None = None,
) -> RetrainReport:
    """Retrain the workspace's model from the base data plus its corrections, minus a held-back share, which
    scores the model in use before and the new one after. Saves the new model (``<data>/models/<slug>.npz``)
    and makes it the workspace's model (audited). Training runs outside any transaction (about a minute)."""
    from goodwill.actions.workspaces import access_workspace
    from goodwill.triage.model import TriageModel
    from goodwill.triage.training import evaluate, train
    from goodwill.triage.workspace import models_dir, workspace_model

    check_training_available()
    started = time.perf_counter()
    with store.reader() as session:
        ws = access_workspace(session, slug)
        check_can_manage(session, ws, acting)
        corrections = corrections_of(session, ws)
        settings = dict(ws.settings or {})
    train_on, held = hold_back(corrections, holdout, seed)
    current = workspace_model(settings)
    before = evaluate(current, [c.example for c in held])
    folder = out_dir or models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{slug}.npz"
    partial = folder / f".{slug}.{os.getpid()}.partial.npz"
    base = current.version.split("+")[0]
    version = f"{base}+{slug}.{datetime.now(UTC):%Y%m%d%H%M%S}"
    try:
        train(data_dir, examples=[c.example for c in train_on], out_path=partial, version=version, seed=seed)
        model = TriageModel.load(partial)  # score what will be used: the saved (float16) weights
        after = evaluate(model, [c.example for c in held])
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    report = RetrainReport(
        workspace=slug,
        corrections=len(corrections),
        trained_on=len(train_on),
        held_back=len(held),
        before_version=current.version,
        version=version,
        before=before,
        after=after,
        path=str(final),
        seconds=round(time.perf_counter() - started, 1),
    )
    with store.session() as session:
        ws = access_workspace(session, slug)
        info = report.as_dict()
        info["trained_at"] = datetime.now(UTC).isoformat()
        info["path"] = _within_data_dir(final)
        do_set_triage_model(session, ws, model={k: v for k, v in info.items() if k != "workspace"}, acting=acting)
    return report


def _within_data_dir(path: Path) -> str:
    """Relative to the data folder when inside it (the folder may move), else absolute."""
    from goodwill.settings import get_settings

    try:
        return str(path.resolve().relative_to(get_settings().data_dir.resolve()))
    except ValueError:
        return str(path.resolve())
