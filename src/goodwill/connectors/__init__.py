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


def _x() -> Connector:
    from goodwill.connectors.x import XConnector

    return XConnector()


def _facebook() -> Connector:
    from goodwill.connectors.meta import FacebookConnector

    return FacebookConnector()


def _instagram() -> Connector:
    from goodwill.connectors.meta import InstagramConnector

    return InstagramConnector()


def _linkedin() -> Connector:
    from goodwill.connectors.linkedin import LinkedInConnector

    return LinkedInConnector()


def _blog() -> Connector:
    from goodwill.connectors.wordpress import WordPressConnector

    return WordPressConnector()


registry.register("x", _x)
registry.register("facebook", _facebook)
registry.register("instagram", _instagram)
registry.register("linkedin", _linkedin)
registry.register("blog", _blog)
