"""File imports: goodwill's JSONL and CSV formats and public archives (TWCS, IBM customer care)."""

from goodwill.connectors.files.base import BadRecord, ChannelKey, Record
from goodwill.connectors.files.importer import FORMATS, ImportRefused, ImportReport, import_file

__all__ = ["FORMATS", "BadRecord", "ChannelKey", "ImportRefused", "ImportReport", "Record", "import_file"]
