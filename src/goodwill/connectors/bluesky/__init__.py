"""Bluesky (AT Protocol) through the `atproto` SDK: notifications, threads, replies, posts and chat."""

from goodwill.connectors.bluesky.connector import BlueskyConnector

__all__ = ["BlueskyConnector"]
