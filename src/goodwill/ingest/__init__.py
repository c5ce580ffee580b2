from goodwill.ingest.pipeline import ChannelRef, IngestResult, ingest

__all__ = ["ChannelRef", "IngestResult", "ingest"]
