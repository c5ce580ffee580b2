"""goodwill: a self-hosted social relationship engine for brands and small businesses.

`goodwill.__version__` is looked up from the installed package's metadata on first use, not at import:
importlib.metadata costs about a tenth of a second to import, and every process that imports any part of
goodwill (the CLI, the triage worker that ingest starts beside a large import) would pay it.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        value = version("goodwill")
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'goodwill' has no attribute {name!r}")
