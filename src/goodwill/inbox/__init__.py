"""The inbox: one queue of conversations across networks."""

from goodwill.inbox.queries import ConversationSummary, ConversationView, MessageView, list_inbox, show_conversation

__all__ = ["ConversationSummary", "ConversationView", "MessageView", "list_inbox", "show_conversation"]
