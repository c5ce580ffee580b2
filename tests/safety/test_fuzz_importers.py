"""Bad input, systematically, for every file importer (jsonl, csv, twcs, ibm-customer-care): arbitrary bytes,
damaged valid files, and valid files with fields removed or replaced by any JSON value. Each either imports
or is refused with an error naming the file and line (and the field, where one is at fault): never another
exception, and nothing is written when refused. The archive readers are fuzzed in tests/connectors.

Bounded (max_examples) to run in well under a minute; `scripts/fuzz_importers.py` runs the coverage-guided
fuzzer for longer (docs/data-safety.md has the summary)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from goodwill.connectors.files.importer import ImportRefused, check_file, import_file
from goodwill.store import Store
from goodwill.store.backup import table_counts
from tests.conftest import TESTER
from tests.safety.seeds import records, seed

# GOODWILL_FUZZ_SCALE=20 runs twenty times the examples (a longer campaign; docs/data-safety.md)
SCALE = int(os.environ.get("GOODWILL_FUZZ_SCALE", "1"))
FORMATS = ["jsonl", "csv", "twcs", "ibm-customer-care"]
# longer than the columns that hold ids, handles, languages (PostgreSQL refuses them; SQLite does not check)
LONG = st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "😀"]), st.sampled_from([17, 191, 201, 301, 401, 700]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | LONG,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
QUICK = settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))


def _bytes_damage(data: st.DataObject, raw: bytes) -> bytes:
    buf = bytearray(raw)
    how = data.draw(st.sampled_from(["flip", "truncate", "splice", "arbitrary", "duplicate-line"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
        return bytes(buf)
    if how == "truncate":
        return bytes(buf[: data.draw(st.integers(0, len(buf)))])
    if how == "splice":
        cut = data.draw(st.integers(0, len(buf)))
        return bytes(buf[:cut]) + data.draw(st.binary(max_size=40)) + bytes(buf[cut:])
    if how == "duplicate-line":
        lines = raw.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        return b"".join(lines[: i + 1] + lines[i:])
    return data.draw(st.binary(max_size=300))


def _field_damage(data: st.DataObject, fmt: str) -> bytes:
    """A valid file with one field of one record removed or replaced by an arbitrary value."""
    items: list[Any] = records(fmt)
    if fmt in ("csv", "twcs"):
        row = data.draw(st.integers(1, len(items) - 1))
        col = data.draw(st.integers(0, len(items[row]) - 1))
        items[row] = list(items[row])
        items[row][col] = data.draw(
            st.text(max_size=40) | LONG | st.sampled_from(["", "nan", "3.0", "True", "\r", '"'])
        )
        import csv
        import io

        out = io.StringIO()
        csv.writer(out).writerows(items)
        return out.getvalue().encode()
    index = data.draw(st.integers(0, len(items) - 1))
    target = items[index]
    if fmt == "ibm-customer-care" and data.draw(st.booleans()):  # go one level down: a turn or a header
        part = data.draw(st.sampled_from(["dialogHeader", "agentURL", "dialogContent"]))
        target = target[part][0] if part == "dialogContent" else target[part]
    key = data.draw(st.sampled_from(sorted(target)))
    how = data.draw(st.sampled_from(["delete", "replace", "long"]))
    if how == "delete":
        del target[key]
    else:
        target[key] = data.draw(JSON_VALUES if how == "replace" else LONG)
    if fmt == "jsonl":
        return "".join(json.dumps(r) + "\n" for r in items).encode()
    return json.dumps(items, indent=2).encode()


def _mutant(data: st.DataObject, fmt: str) -> bytes:
    if data.draw(st.integers(0, 2)) == 0:
        return _bytes_damage(data, seed(fmt))
    return _field_damage(data, fmt)


def _write(tmp_path: Path, fmt: str, body: bytes) -> Path:
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / f"input.{'json' if fmt == 'ibm-customer-care' else 'txt'}"
    path.write_bytes(body)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_seeds_are_valid(sqlite_store: Store, fmt: str, tmp_path: Path) -> None:
    good, bad, bad_count, _ = check_file(fmt, _write(tmp_path, fmt, seed(fmt)))
    assert good >= 9 and bad_count == 0, bad


@settings(max_examples=500 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_readers_never_raise_and_name_the_line_and_field(tmp_path: Path, data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(FORMATS))
    body = _mutant(data, fmt)
    path = _write(tmp_path, fmt, body)
    good, bad, bad_count, bad_lines = check_file(fmt, path)
    assert good >= 0 and bad_count >= len(bad) and all(n >= 1 for n in bad_lines)
    for item in bad:
        assert item.path == str(path) and item.line >= 1 and item.problem
        assert item.line <= len(body.splitlines()) + 1  # a line an editor shows (a lone \r ends one too)
        assert f"line {item.line}" in str(item)
        if item.field:
            assert repr(item.field) in str(item)


def _import_property(store: Store, tmp_path: Path, data: st.DataObject) -> None:
    from goodwill.actions import do_create_workspace

    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
    fmt = data.draw(st.sampled_from(FORMATS))
    path = _write(tmp_path, fmt, _mutant(data, fmt))
    before = table_counts(store.engine)
    try:
        report = import_file(store, workspace="acme", fmt=fmt, path=path, acting=TESTER, batch_size=4)
    except ImportRefused as refused:
        event(f"{fmt}: refused")
        assert f"{path}, line " in str(refused) and "nothing was imported" in str(refused)
        assert table_counts(store.engine) == before
        return
    event(f"{fmt}: imported")
    assert report.result.received == report.records
    again = import_file(store, workspace="acme", fmt=fmt, path=path, acting=TESTER)
    assert again.result.stored == 0  # idempotent, whatever the file held


@QUICK
@given(data=st.data())
def test_an_import_either_stores_or_is_refused_with_nothing_written(
    sqlite_store: Store, tmp_path: Path, data: st.DataObject
) -> None:
    """Small batches (4 records), so that a failure in a later batch would show as a partial import."""
    _import_property(sqlite_store, tmp_path, data)


@pytest.mark.postgres
@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_same_on_postgresql_which_checks_column_lengths(
    postgres_store: Store, tmp_path: Path, data: st.DataObject
) -> None:
    _import_property(postgres_store, tmp_path, data)
