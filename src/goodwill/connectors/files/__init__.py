"""File imports: goodwill's JSONL and CSV formats, public data sets and platform archives.

The import runner (`import_file`, `FORMATS`, ...) is loaded on first use: it imports every reader, and the
archive readers import `files.base`, so loading it eagerly here would be circular.
"""

from typing import Any

from goodwill.connectors.files.base import BadRecord, ChannelKey, Record

_RUNNER = {"FORMATS", "ImportRefused", "ImportReport", "import_file"}


def __getattr__(name: str) -> Any:
    if name in _RUNNER:
        from goodwill.connectors.files import importer

        return getattr(importer, name)
    raise AttributeError(name)


__all__ = ["FORMATS", "BadRecord", "ChannelKey", "ImportRefused", "ImportReport", "Record", "import_file"]
