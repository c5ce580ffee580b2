"""Tables for relationships: declared on the shared Base (imported at the end of store/tables.py).

- person_merge: one row per merge of one Person into another, with the snapshot that undoes it exactly;
- merge_suggestion: a pair of People that may be one human, with the evidence (and the team's decision);
- person_note: a teammate's note on a person (the person's timeline shows it);
- relationship_detail: the explained state beside the Relationship row (figures, flags, reasons);
- person_inputs, workspace_inputs: change counters kept by triggers, which say whether stored figures are current;
- nudge: a suggested next step with a person, with why and a draft; done, snoozed or dismissed by the team.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.store.tables import Base, Id


class PersonMerge(Base):
    """`merged_person_id` was folded into `kept_person_id`; `snapshot` lists every row moved and every value
    changed, so that un-merging restores both People exactly. Active while `undone_at` is None."""

    __tablename__ = "person_merge"
    __table_args__ = (Index("ix_person_merge_workspace_merged", "workspace_id", "merged_person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    kept_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    merged_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))


class MergeSuggestion(Base):
    """Two People that may be one human (`person_a_id` < `person_b_id`). Status: open, merged, rejected."""

    __tablename__ = "merge_suggestion"
    __table_args__ = (
        UniqueConstraint("workspace_id", "person_a_id", "person_b_id"),
        Index("ix_merge_suggestion_workspace_status", "workspace_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    person_a_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    person_b_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    strength: Mapped[str] = mapped_column(String(16))  # strong | likely | possible
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))


class PersonNote(Base):
    __tablename__ = "person_note"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class RelationshipDetail(Base):
    """What the stage and health on the Relationship row were computed from, as of `computed_at`."""

    __tablename__ = "relationship_detail"
    __table_args__ = (Index("ix_relationship_detail_workspace", "workspace_id"),)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    praise: Mapped[int] = mapped_column(Integer, default=0)
    recommendations: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    unresolved_complaints: Mapped[int] = mapped_column(Integer, default=0)
    we_answered: Mapped[float | None] = mapped_column(Float)  # share of their turns we answered
    they_answered: Mapped[float | None] = mapped_column(Float)  # share of our turns they answered
    sentiment_recent: Mapped[float | None] = mapped_column(Float)
    sentiment_before: Mapped[float | None] = mapped_column(Float)
    is_cold: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime]
    # the figures themselves, with what the state as of a later moment needs (goodwill.relationships.stored),
    # and the person's PersonInputs.changes read before their messages were (0012_relationship_inputs)
    figures: Mapped[list[Any] | None] = mapped_column(JSON)
    inputs_seen: Mapped[int | None] = mapped_column(Integer)


class PersonInputs(Base):
    """How many times what a person's relationship state is folded from has changed: kept by database triggers
    (migration 0012_relationship_inputs), in the writing transaction, so every writer counts."""

    __tablename__ = "person_inputs"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WorkspaceInputs(Base):
    """How many messages were deleted in the workspace (kept by a trigger, 0012_relationship_inputs): on SQLite a
    deleted message's id can be given to a new message, which the stored figures' id watermark would miss."""

    __tablename__ = "workspace_inputs"
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    deletions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Nudge(Base):
    """A suggested next step with a person. `key` makes creation idempotent (one nudge per occasion).
    Status: open, done, snoozed (until `snoozed_until`), dismissed."""

    __tablename__ = "nudge"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_nudge_workspace_status", "workspace_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # NudgeKind
    key: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text)
    draft: Mapped[str | None] = mapped_column(Text)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime]
    snoozed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
