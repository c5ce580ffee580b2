"""Meta through the Graph API and its webhooks: Facebook Pages (comments, visitor posts, Messenger) and
Instagram (comments, mentions, DMs)."""

from goodwill.connectors.meta.connector import FacebookConnector, InstagramConnector

__all__ = ["FacebookConnector", "InstagramConnector"]
