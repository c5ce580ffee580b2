"""Connectors: one package per network, plus archive and file imports. The built-in connectors register here,
through the same registry third parties use; each is imported only when first asked for."""

from goodwill.connectors import registry
from goodwill.connectors.base import Connector


def _bluesky() -> Connector:
    from goodwill.connectors.bluesky import BlueskyConnector

    return BlueskyConnector()


def _mastodon() -> Connector:
    from goodwill.connectors.mastodon import MastodonConnector

    return MastodonConnector()


registry.register("bluesky", _bluesky)
registry.register("mastodon", _mastodon)
