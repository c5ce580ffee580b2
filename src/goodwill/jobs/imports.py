"""File imports spread over the workers: the file is checked once, cut into chunks, and any worker ingests
any chunk.

`enqueue_import` (the caller): pass 1 checks the whole file (a bad record refuses the import before anything
is queued, as `goodwill import` does), then writes one `import_chunk` row per part and wakes the workers. A
JSON Lines file is cut into byte ranges on line ends (CHUNK_BYTES each); other formats are one chunk. The
path must be readable by every worker (a local path with workers on this machine, else shared storage).

`run_chunk` (a worker): take the chunk's lease, read its records, triage them outside the ingest lock (the
CPU-heavy part runs on every worker at once), ingest them in batches, mark the chunk done. A worker killed
anywhere leaves the chunk pending; when the lease runs out the sweep hands it to another worker and ingest's
dedupe drops what the dead one had stored. On a graceful stop the chunk is given back after its current
batch.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import or_, select, update

from goodwill.actions.audit import Acting
from goodwill.actions.workspaces import access_workspace
from goodwill.connectors.files.base import ChannelKey, Record
from goodwill.connectors.files.generic import message_from_fields
from goodwill.connectors.files.importer import ImportRefused, _channel, _reader, check_file
from goodwill.domain.message import InvalidMessage, NormalisedMessage
from goodwill.ingest.background import inbound_texts
from goodwill.ingest.pipeline import ChannelRef, IngestResult, ingest_batch
from goodwill.jobs.leases import claim_rows, retry_conflicts
from goodwill.store import Store
from goodwill.store.tables_jobs import ImportChunk

if TYPE_CHECKING:
    from goodwill.jobs.queue import Jobs

CHUNK_BYTES = 4 << 20
BATCH = 2000  # records per transaction: smaller than a one-process import's, so a stop or a kill redoes less
LEASE = timedelta(minutes=5)
IMPORTER = Acting.system("import")


def enqueue_import(
    jobs: Jobs, *, workspace: str, fmt: str, path: Path, now: datetime, chunk_bytes: int = CHUNK_BYTES
) -> str:
    """Check `path`, queue its chunks, wake the workers. Returns the import's key (`import_status`)."""
    path = path.resolve()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    with jobs.store.reader() as session:
        workspace_id = access_workspace(session, workspace).id
    _good, bad, bad_count, _lines = check_file(fmt, path)
    if bad_count:
        raise ImportRefused(bad, bad_count)
    key = uuid.uuid4().hex
    ranges = _ranges(path, chunk_bytes) if fmt == "jsonl" else [(0, None)]
    with jobs.store.session() as session:
        rows = [
            ImportChunk(
                import_key=key,
                workspace_id=workspace_id,
                fmt=fmt,
                path=str(path),
                start=start,
                end=end,
                status="pending",
                attempts=0,
                created_at=now,
            )
            for start, end in ranges
        ]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    for chunk_id in ids:
        jobs.import_chunk(chunk_id)
    return key


def _ranges(path: Path, chunk_bytes: int) -> list[tuple[int, int | None]]:
    """Byte ranges of about `chunk_bytes`, each ending at the end of a line."""
    size = path.stat().st_size
    starts = [0]
    with path.open("rb") as handle:
        while starts[-1] + chunk_bytes < size:
            handle.seek(starts[-1] + chunk_bytes)
            handle.readline()
            if handle.tell() >= size:
                break
            starts.append(handle.tell())
    return [(start, end) for start, end in zip(starts, [*starts[1:], None], strict=True)]


def _jsonl_range(path: Path, start: int, end: int | None) -> Iterator[Record]:
    with path.open("rb") as handle:
        handle.seek(start)
        while end is None or handle.tell() < end:
            line = handle.readline()
            if not line:
                break
            if not line.strip():
                continue
            fields = orjson.loads(line)  # checked by pass 1
            given = fields.get("raw")
            channel, message = message_from_fields(fields, given if isinstance(given, dict) else fields)
            yield Record(0, channel, message)


def _records(chunk: ImportChunk) -> Iterator[Record]:
    path = Path(chunk.path)
    if chunk.fmt == "jsonl":
        yield from _jsonl_range(path, chunk.start, chunk.end)
        return
    for item in _reader(chunk.fmt)(path):
        if isinstance(item, Record):
            yield item


def run_chunk(jobs: Jobs, chunk_id: int) -> dict[str, Any] | None:
    """Ingest one chunk unless another worker holds it or it is done. Returns its counts (None: skipped)."""
    store = jobs.store
    if not retry_conflicts(claim_rows, store, ImportChunk, now=jobs.clock(), ttl=LEASE, ids=[chunk_id], limit=1):
        return None
    with store.reader() as session:
        chunk = session.get_one(ImportChunk, chunk_id)
        slug = _slug(session, chunk.workspace_id)
    total = IngestResult()
    channels: dict[ChannelKey, ChannelRef] = {}
    buffers: dict[ChannelKey, list[NormalisedMessage]] = defaultdict(list)
    try:
        for record in _records(chunk):
            buffers[record.channel].append(record.message)
            if len(buffers[record.channel]) >= BATCH:
                _store(store, slug, record.channel, buffers.pop(record.channel), channels, total)
                if jobs.stopping.is_set():
                    _give_back(store, chunk_id)
                    jobs.import_chunk(chunk_id)
                    return None
        for key, batch in buffers.items():
            _store(store, slug, key, batch, channels, total)
    except (InvalidMessage, OSError, ValueError) as exc:
        _set_error(store, chunk_id, exc)
        raise
    result = {"received": total.received, "stored": total.stored, "duplicates": total.duplicates}
    with store.session() as session:
        session.execute(
            update(ImportChunk)
            .where(ImportChunk.id == chunk_id)
            .values(status="done", done_at=jobs.clock(), leased_until=None, result=result, error=None)
        )
    return result


def _slug(session: Any, workspace_id: int) -> str:
    from goodwill.store.tables import Workspace

    return str(session.get_one(Workspace, workspace_id).slug)


def _store(
    store: Store,
    workspace: str,
    key: ChannelKey,
    batch: list[NormalisedMessage],
    channels: dict[ChannelKey, ChannelRef],
    total: IngestResult,
) -> None:
    """Triage the batch here (in parallel with other workers), then ingest it (one workspace writer at once)."""
    from goodwill.triage.workspace import classifier_for, workspace_settings

    if key not in channels:
        channels[key] = retry_conflicts(_channel, store, workspace, key, IMPORTER)
    ref = channels[key]
    with store.reader() as session:
        classify = classifier_for(workspace_settings(session.connection(), ref.workspace_id))
    ids, texts = inbound_texts(batch)
    labels = dict(zip(ids, classify(texts), strict=True))
    total.add(retry_conflicts(ingest_batch, store, ref, batch, labels=labels))


def _give_back(store: Store, chunk_id: int) -> None:
    with store.session() as session:
        session.execute(update(ImportChunk).where(ImportChunk.id == chunk_id).values(leased_until=None))


def _set_error(store: Store, chunk_id: int, exc: Exception) -> None:
    with store.session() as session:
        session.execute(
            update(ImportChunk).where(ImportChunk.id == chunk_id).values(error=f"{type(exc).__name__}: {exc}")
        )


def due_chunks(store: Store, *, now: datetime) -> list[int]:
    """Pending chunks nobody holds (never started, or their worker died): for the sweep to queue again."""
    with store.reader() as session:
        return list(
            session.scalars(
                select(ImportChunk.id).where(
                    ImportChunk.status == "pending",
                    or_(ImportChunk.leased_until.is_(None), ImportChunk.leased_until <= now),
                )
            )
        )


def import_status(store: Store, key: str) -> dict[str, Any]:
    """Chunks by status and the counts of those done."""
    with store.reader() as session:
        rows = list(session.scalars(select(ImportChunk).where(ImportChunk.import_key == key)))
    status: dict[str, Any] = {"chunks": len(rows), "done": 0, "pending": 0, "failed": 0, "received": 0, "stored": 0}
    for row in rows:
        status[row.status] = status.get(row.status, 0) + 1
        for name in ("received", "stored"):
            status[name] += int((row.result or {}).get(name) or 0)
    return status
