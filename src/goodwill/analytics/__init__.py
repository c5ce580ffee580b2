"""Metrics, goals and the strategy audit."""
