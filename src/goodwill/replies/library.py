"""The reply library: saved replies with {variables}, the brand's reply style, and finding the saved reply
that fits a message.

Variables: {first_name}, {name}, {brand}, {agent}, {contact}, {problem}, {subject}, {when}; an unknown
variable is refused when the reply is saved, and a variable with no value leaves the reply out of the
suggestions (a half-filled reply is never offered). The style lives in Workspace.settings["replies"].

Writers here follow the actions' contract (`do_*`: one transaction by the caller, an audit row each).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_manage, check_can_write, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound, do_write_settings
from goodwill.domain.enums import Intent
from goodwill.store.tables import Workspace
from goodwill.store.tables_replies import SavedReply

VARIABLES = ("first_name", "name", "brand", "agent", "contact", "problem", "subject", "when")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
WORDS = re.compile(r"[a-z0-9']+")
STOP = frozenset(
    "a an and are at be but by can do for from had has have how i if in is it its me my no not of on or our so "
    "that the their them there they this to too us was we what when where which who why will with you your".split()
)


@dataclass(frozen=True, slots=True)
class ReplyStyle:
    """How the brand answers; every field has a default, changed with `do_set_reply_style`."""

    use_name: bool = True  # address the person by their first name
    sign: bool = True  # sign personal replies with the teammate's first name
    contact: str = "DM"  # where private details go: "DM", an e-mail address, a URL
    praise_offer: str = ""  # what a thank-you offers back ("Next coffee's on us"); "" offers nothing
    answer_within: str = ""  # "" : today or tomorrow morning, from the workspace's clock; else this text
    canned_after: int = 3  # near-identical recent replies that make a draft canned
    canned_days: int = 30
    disabled_checks: tuple[str, ...] = ()

    @classmethod
    def of(cls, workspace: Workspace) -> ReplyStyle:
        raw: dict[str, Any] = (workspace.settings or {}).get("replies") or {}
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if "disabled_checks" in known:
            known["disabled_checks"] = tuple(known["disabled_checks"])
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {name: list(v) if isinstance(v, tuple) else v for name, v in values.items()}


def do_set_reply_style(session: Session, workspace: Workspace, *, acting: Acting, **changes: Any) -> ReplyStyle:
    """Change the workspace's reply style (owners and admins); unknown keys are refused."""
    check_can_manage(session, workspace, acting)
    unknown = set(changes) - set(ReplyStyle.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown reply style setting(s): {', '.join(sorted(unknown))}")
    style = ReplyStyle.of(workspace)
    merged = {**style.as_dict(), **changes}
    ReplyStyle(**{**merged, "disabled_checks": tuple(merged["disabled_checks"])})  # validates the shape
    do_write_settings(session, workspace, {"replies": merged}, action="replies.style", acting=acting, data=changes)
    return ReplyStyle.of(workspace)


def variables_in(text: str) -> list[str]:
    try:
        return [field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise ValueError(f"saved reply text: {exc} (write {{{{ and }}}} for literal braces)") from exc


def render(text: str, values: dict[str, str | None]) -> str | None:
    """`text` with its variables filled in, or None when one has no value."""
    needed = variables_in(text)
    if any(not values.get(v) for v in needed):
        return None
    return text.format(**{v: values[v] for v in needed})


def access_saved_reply(session: Session, workspace: Workspace, name: str) -> SavedReply:
    row = session.scalar(select(SavedReply).where(SavedReply.workspace_id == workspace.id, SavedReply.name == name))
    if row is None:
        raise NotFound(f"no saved reply {name!r} in workspace {workspace.slug!r}")
    return row


def do_save_reply(
    session: Session,
    workspace: Workspace,
    *,
    name: str,
    text: str,
    intent: str | None = None,
    keywords: list[str] | None = None,
    acting: Acting,
) -> SavedReply:
    """Create or replace the saved reply `name` (idempotent: saving the same reply twice changes nothing)."""
    check_can_write(session, workspace, acting)
    if not NAME.match(name):
        raise ValueError(f"saved reply name {name!r}: use lower-case letters, digits, '-' and '_'")
    text = text.strip()
    if not text:
        raise ValueError("a saved reply needs text")
    unknown = [v for v in variables_in(text) if v not in VARIABLES]
    if unknown:
        raise ValueError(f"unknown variable(s) {', '.join(unknown)}: use {', '.join(VARIABLES)}")
    if intent is not None:
        intent = Intent(intent).value
    words = sorted({w.lower().strip() for w in keywords or [] if w.strip()})
    now = utcnow()
    row = session.scalar(select(SavedReply).where(SavedReply.workspace_id == workspace.id, SavedReply.name == name))
    if row is None:
        row = SavedReply(
            workspace_id=workspace.id,
            name=name,
            use_count=0,
            created_by_id=acting.teammate_id,
            created_at=now,
            text=text,
            intent=intent,
            keywords=words,
            updated_at=now,
        )
        session.add(row)
    elif (row.text, row.intent, row.keywords) == (text, intent, words):
        return row
    row.text, row.intent, row.keywords, row.updated_at = text, intent, words, now
    session.flush()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="replies.save",
        object_type="saved_reply",
        object_id=row.id,
        data={"name": name, "intent": intent, "keywords": words},
    )
    return row


def do_delete_saved_reply(session: Session, workspace: Workspace, name: str, *, acting: Acting) -> None:
    check_can_write(session, workspace, acting)
    row = access_saved_reply(session, workspace, name)
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="replies.delete",
        object_type="saved_reply",
        object_id=row.id,
        data={"name": name, "text": row.text},
    )
    session.delete(row)


def list_saved_replies(session: Session, workspace: Workspace) -> list[SavedReply]:
    return list(session.scalars(select(SavedReply).where(SavedReply.workspace_id == workspace.id).order_by("name")))


def content_words(text: str) -> set[str]:
    return {w.strip("'") for w in WORDS.findall(text.lower()) if w not in STOP and len(w) > 2}


def match_score(row: SavedReply, message: str, intent: str | None) -> float:
    """How well a saved reply fits a message: its keywords (and name) found in the message, for its intent."""
    said = content_words(message)
    keys = {k for kw in row.keywords for k in content_words(str(kw))} | content_words(row.name.replace("-", " "))
    overlap = len(said & keys) / max(len(keys), 1) if keys else 0.0
    fits_intent = row.intent is None or row.intent == intent
    if not fits_intent:
        return 0.0
    return overlap + (0.25 if row.intent == intent else 0.0)
