"""Run an import: check the whole file first, then ingest it, so a bad file writes nothing.

Pass 1 reads every record and collects the bad ones. With no `skip_bad` file, one bad record refuses the
whole import (ImportRefused names file, line and field) before anything is written. With `skip_bad`, the bad
records go to that file as JSON lines with their reasons and pass 2 ingests the rest. Pass 2 reads the file
again and ingests per channel in batches; each batch is one transaction, and re-importing is a no-op.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from goodwill.actions.audit import Acting
from goodwill.actions.workspaces import access_workspace, do_ensure_channel
from goodwill.connectors.files.base import BadRecord, ChannelKey, Reader, Record
from goodwill.domain.message import NormalisedMessage
from goodwill.ingest.pipeline import IMPORT_BATCH, ChannelRef, Classifier, IngestResult, batch_sizes, ingest_batches
from goodwill.store import Store

BACKGROUND_TRIAGE_FROM = 20_000  # records
# Archives that may also be given unpacked, as the folder the platform's zip holds.
FOLDER_FORMATS = frozenset(
    {"x-archive", "mastodon-archive", "linkedin-export", "facebook-archive", "instagram-archive"}
)

# format -> (reader, as "module:function", loaded on first use: the archive readers pull in heavy libraries
# such as atproto, which no other command should pay for at start-up), description.
FORMATS: dict[str, tuple[str, str]] = {
    "jsonl": ("files.generic:read_jsonl", "goodwill JSON Lines: one message per line (docs/data-formats.md)"),
    "csv": ("files.generic:read_csv", "goodwill CSV: the JSONL fields as columns (docs/data-formats.md)"),
    "twcs": ("files.twcs:read_twcs", "Customer Support on Twitter (Kaggle) CSV"),
    "ibm-customer-care": ("files.ibm:read_ibm", "IBM customer-care threads JSON (EMNLP 2020)"),
    "x-archive": ("archives.x:read_x_archive", "X account archive zip: data/tweets.js, direct-messages.js"),
    "mastodon-archive": ("archives.mastodon:read_mastodon_archive", "Mastodon archive zip or its outbox.json"),
    "bluesky-car": ("archives.bluesky:read_bluesky_car", "Bluesky repository export, repo.car from getRepo"),
    "linkedin-export": ("archives.linkedin:read_linkedin_export", "LinkedIn data export: messages, Shares, Comments"),
    "facebook-archive": ("archives.meta:read_facebook_archive", "Facebook Download your information, JSON zip"),
    "instagram-archive": ("archives.meta:read_instagram_archive", "Instagram Download your information, JSON zip"),
}


class ImportRefused(ValueError):
    """The file has bad records and no skip file was given; nothing was written."""

    def __init__(self, bad: list[BadRecord], total_bad: int) -> None:
        first = bad[0]
        more = f" (and {total_bad - 1} more bad records)" if total_bad > 1 else ""
        super().__init__(f"{first}{more}; nothing was imported. Fix the file, or pass --skip-bad FILE")
        self.bad = bad
        self.total_bad = total_bad


@dataclass(slots=True)
class ImportReport:
    records: int = 0
    rejected: int = 0
    channels: dict[str, int] = field(default_factory=dict)  # channel handle -> channel id
    result: IngestResult = field(default_factory=IngestResult)


def _reader(fmt: str) -> Reader:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    module, function = FORMATS[fmt][0].split(":")
    reader: Reader = getattr(importlib.import_module(f"goodwill.connectors.{module}"), function)
    return reader


def check_file(fmt: str, path: Path, *, keep: int = 20) -> tuple[int, list[BadRecord], int, set[int]]:
    """Pass 1: (good records, first `keep` bad records, number of bad records, bad line numbers)."""
    good, bad_count = 0, 0
    bad: list[BadRecord] = []
    bad_lines: set[int] = set()
    for item in _reader(fmt)(path):
        if isinstance(item, BadRecord):
            bad_count += 1
            bad_lines.add(item.line)
            if len(bad) < keep:
                bad.append(item)
        else:
            good += 1
    return good, bad, bad_count, bad_lines


def import_file(
    store: Store,
    *,
    workspace: str,
    fmt: str,
    path: Path,
    skip_bad: Path | None = None,
    acting: Acting,
    classify: Classifier | None = None,
    batch_size: int = IMPORT_BATCH,
    on_progress: Callable[[int], None] | None = None,
    on_checked: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import `path` in format `fmt` into `workspace`. See the module docstring for the guarantees."""
    reader = _reader(fmt)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir() and fmt not in FOLDER_FORMATS:
        raise ValueError(f"{path} is a folder: the {fmt} format reads one file")
    with store.reader() as session:
        access_workspace(session, workspace)  # fail early, before reading a large file
    good, bad, bad_count, bad_lines = check_file(fmt, path)
    if on_checked is not None:
        on_checked(good)
    if bad_count and skip_bad is None:
        raise ImportRefused(bad, bad_count)
    if skip_bad is not None:
        with skip_bad.open("wb") as out:
            for item in reader(path):
                if isinstance(item, BadRecord):
                    out.write(orjson.dumps(item.as_dict()) + b"\n")
    report = ImportReport(records=good, rejected=bad_count)
    channels: dict[ChannelKey, ChannelRef] = {}

    # A second process triages ahead while batches are stored, when the file is large enough to repay
    # starting it (about half a second) and no custom classifier is asked for.
    background = classify is None and good >= BACKGROUND_TRIAGE_FROM

    def batches() -> Iterator[tuple[ChannelRef, list[NormalisedMessage]]]:
        buffers: dict[ChannelKey, list[NormalisedMessage]] = defaultdict(list)
        sizes = batch_sizes(batch_size, background)
        size = next(sizes)
        for record in _good(reader(path), bad_lines):
            key = record.channel
            if key not in channels:
                channels[key] = _channel(store, workspace, key, acting)
                report.channels[key.handle] = channels[key].id
            buffers[key].append(record.message)
            if len(buffers[key]) >= size:
                yield channels[key], buffers.pop(key)
                size = next(sizes)
        for key, batch in buffers.items():
            yield channels[key], batch

    def progress(result: IngestResult) -> None:
        if on_progress is not None:
            on_progress(result.received)

    report.result = ingest_batches(store, batches(), classify=classify, background_triage=background, on_batch=progress)
    return report


def _good(items: Iterator[Record | BadRecord], bad_lines: set[int]) -> Iterator[Record]:
    for item in items:
        if isinstance(item, Record) and item.line not in bad_lines:
            yield item


def _channel(store: Store, workspace: str, key: ChannelKey, acting: Acting) -> ChannelRef:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel = do_ensure_channel(
            session, ws, network=key.network, account_id=key.account_id, handle=key.handle, acting=acting
        )
        return ChannelRef.of(channel)
