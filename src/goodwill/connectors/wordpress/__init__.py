"""Blog comments on WordPress through its REST API (read, reply as the brand, approve, spam) and a signed webhook."""

from goodwill.connectors.wordpress.connector import WordPressConnector

__all__ = ["WordPressConnector"]
