"""LinkedIn organisation pages: comments on the page's posts and replies, as far as the official API allows."""

from goodwill.connectors.linkedin.connector import LinkedInConnector

__all__ = ["LinkedInConnector"]
