"""X (Twitter) through tweepy and API v2: mentions, thread replies, DMs; replies, DMs, hidden replies; webhooks."""

from goodwill.connectors.x.connector import XConnector

__all__ = ["XConnector"]
