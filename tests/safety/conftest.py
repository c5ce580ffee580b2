"""Fixtures for the data-safety tests: a real import in the `store` (SQLite or PostgreSQL), and an empty
database of the same kind to restore into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

from goodwill.connectors.files.importer import import_file
from goodwill.store import Store
from goodwill.store.tables import NAMING, Base
from tests.conftest import TESTER, shared_file, unmigrated_store


@pytest.fixture
def imported(store: Store, workspace: str) -> str:
    """The real IBM customer-care threads imported into `workspace` (about 1,200 messages, 540 people)."""
    path = shared_file("data/customer-care/ibm_dev.json")
    import_file(store, workspace=workspace, fmt="ibm-customer-care", path=path, acting=TESTER)
    return workspace


@pytest.fixture
def fresh(store: Store, tmp_path: Path) -> Iterator[Store]:
    """An empty database of the same kind as `store`, never migrated: a SQLite file, or a new PostgreSQL
    database on the same server (dropped afterwards)."""
    with unmigrated_store(None if store.dialect == "sqlite" else store.url, tmp_path, "goodwill_restore") as target:
        yield target


@pytest.fixture
def wider(store: Store) -> Iterator[MetaData]:
    """The schema plus two tables added later by some other area: notes about a person (by person_id) and
    their tags (reaching the workspace only through the note). Dropped afterwards."""
    metadata = MetaData(naming_convention=NAMING)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    note = Table(
        "fan_note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("person_id", ForeignKey("person.id"), nullable=False),
        Column("body", Text, nullable=False),
    )
    tag = Table(
        "fan_note_tag",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("note_id", ForeignKey("fan_note.id"), nullable=False),
        Column("tag", String(50), nullable=False),
    )
    metadata.create_all(store.engine, tables=[note, tag])
    yield metadata
    metadata.drop_all(store.engine, tables=[tag, note])
