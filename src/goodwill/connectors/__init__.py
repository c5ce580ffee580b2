"""Connectors: each turns one network's platform JSON (API, webhook, archive or file) into NormalisedMessage."""
