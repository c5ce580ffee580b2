"""Replies: suggestions from the reply library and the conversation, the tone guard, length fitting, and
optional generative drafting. docs/replies.md describes them."""

from goodwill.replies.length import fit, limit_for, measure
from goodwill.replies.tone import Check, DraftContext, Finding, Level, blocking, check_draft

__all__ = ["Check", "DraftContext", "Finding", "Level", "blocking", "check_draft", "fit", "limit_for", "measure"]
