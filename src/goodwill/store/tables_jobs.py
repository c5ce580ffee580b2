"""Tables for jobs: declared on the shared Base (imported at the end of store/tables.py)."""

from __future__ import annotations
