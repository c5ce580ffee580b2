"""A small, exact world for the right-to-be-forgotten tests, written in goodwill's JSONL format, and a
search for traces that knows nothing of the schema (every column of every table, read as text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from goodwill.store import Store

BOB = "bobthebuilder42"  # distinctive, so that any occurrence anywhere is a trace of him
BOB_NAME = "Bob Quillfeather"


def line(native_id: str, direction: str, author: str, text_: str, minute: int, **more: Any) -> dict[str, Any]:
    handles = {"100": BOB, "200": "carol_reads", "1": "acme"}
    names = {"100": BOB_NAME, "200": "Carol Finch", "1": "Acme"}
    record = {
        "network": "x",
        "channel": "acme",
        "id": native_id,
        "direction": direction,
        "author_id": author,
        "author_handle": handles[author],
        "author_name": names[author],
        "created_at": f"2026-03-01T10:{minute:02d}:00Z",
        "text": text_,
        **more,
    }
    record["raw"] = {**record, "user": {"screen_name": handles[author], "name": names[author]}}
    return record


WORLD = [
    line("m1", "in", "100", "@acme my order never came", 1),
    line("m2", "out", "1", f"@{BOB} so sorry, sending a new one", 2, parent_id="m1"),
    line("m3", "in", "200", f"@acme @{BOB} is right, same here.", 3),
    line("m4", "out", "1", "@carol_reads we are on it", 4, parent_id="m3"),
    line("m5", "in", "100", "my address is 12 Elm St", 5, dm_conversation_id="dm-1"),
    line("m6", "out", "1", "thanks Bob, noted", 6, dm_conversation_id="dm-1"),
    line("m7", "in", "200", "@acme when do you open?", 7),
    line("m8", "in", "100", "@carol_reads @acme at nine, I think", 8, parent_id="m7"),
    line("m9", "out", "1", f"@{BOB} @carol_reads nine it is", 9, parent_id="m8"),
]


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def traces(store: Store, needle: str) -> dict[str, int]:
    """Rows per table.column whose value, as text, contains `needle` (case-insensitive), in every table the
    database has: the test does not trust the library's own walk of the schema."""
    found: dict[str, int] = {}
    names = inspect(store.engine).get_table_names()
    with store.engine.connect() as conn:
        for table in names:
            for column in inspect(store.engine).get_columns(table):
                q = f'SELECT count(*) FROM "{table}" WHERE lower(CAST("{column["name"]}" AS TEXT)) LIKE :p'
                n = conn.execute(text(q), {"p": f"%{needle.lower()}%"}).scalar()
                if n:
                    found[f"{table}.{column['name']}"] = int(n)
    return found
