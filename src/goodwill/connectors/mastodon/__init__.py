"""Mastodon through Mastodon.py: mention notifications, direct conversations, replies, posts."""

from goodwill.connectors.mastodon.connector import MastodonConnector

__all__ = ["MastodonConnector"]
