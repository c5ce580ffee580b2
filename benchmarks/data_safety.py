"""Data safety on SQLite: backup, restore, export, forget, and what a tombstone costs ingest.

    python benchmarks/data_safety.py [--copies 20]

Builds one workspace from the real IBM customer-care threads (../shared/data/customer-care/ibm_dev.json)
imported `--copies` times under different channels (each copy's ids prefixed), then times, each once:
  - `backup` (SQLite online backup) and `restore` into a fresh file, beside a plain file copy of the same
    database (the floor: reading and writing the bytes);
  - `export` to JSON Lines and to CSV;
  - `do_forget_person` of the person with the most messages (schema walk, cascades, the redaction scan of
    every text and JSON column of the workspace);
  - ingest of one more copy with no tombstone, then of another copy after the forget (every message is
    checked against the tombstone, and every string of the kept ones looked up).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from goodwill.actions import do_create_workspace
from goodwill.actions.audit import Acting
from goodwill.actions.privacy import do_forget_person
from goodwill.actions.workspaces import access_workspace
from goodwill.connectors.files.importer import import_file
from goodwill.store import Store
from goodwill.store.backup import backup, restore
from goodwill.store.export import export_workspace
from goodwill.store.tables import Identity, Message

BENCH = Acting(label="benchmark")
SHARED = Path(os.environ.get("GOODWILL_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))


def copy_of(threads: list[dict], n: int, folder: Path) -> Path:
    """The threads with every tweet id and company renamed for copy `n` (a new channel, new messages)."""
    text = json.dumps(threads)
    for thread in threads:
        for turn in [*thread["dialogContent"], thread["agentURL"]]:
            text = text.replace(f'"{turn["tweet_ID"]}"', f'"{int(turn["tweet_ID"]) + n}"')
    path = folder / f"copy{n}.json"
    data = json.loads(text)
    for thread in data:
        thread["dialogHeader"]["company"] = f"{thread['dialogHeader']['company']}{n}"
    path.write_text(json.dumps(data))
    return path


def timed(label: str, work, rows: int | None = None) -> None:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    rate = f"  {rows / seconds:>10,.0f} messages/s" if rows else ""
    print(f"{label:<44} {seconds:>8.2f} s{rate}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="goodwill-safety-"))
    threads = json.loads((SHARED / "data/customer-care/ibm_dev.json").read_text())
    store = Store(f"sqlite:///{folder / 'g.db'}")
    store.migrate()
    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=BENCH)
    for n in range(args.copies):
        import_file(store, workspace="acme", fmt="ibm-customer-care", path=copy_of(threads, n, folder), acting=BENCH)
    with store.reader() as session:
        messages = int(session.scalar(select(func.count()).select_from(Message)) or 0)
    size = (folder / "g.db").stat().st_size
    print(f"{messages:,} messages, database {size / 1e6:.1f} MB (IBM threads x {args.copies})\n")

    timed("file copy (floor)", lambda: shutil.copyfile(folder / "g.db", folder / "plain.copy"))
    timed("backup (SQLite online backup)", lambda: backup(store, folder / "g.backup"), messages)
    timed("restore into a fresh file", lambda: restore(Store(f"sqlite:///{folder / 'r.db'}"), folder / "g.backup"))
    for fmt in ("json", "csv"):

        def export(fmt: str = fmt) -> None:
            with store.reader() as session:
                export_workspace(session, workspace="acme", folder=folder / f"export-{fmt}", fmt=fmt)  # type: ignore[arg-type]

        timed(f"export --format {fmt}", export, messages)

    extra = copy_of(threads, 900, folder)
    run = lambda: import_file(store, workspace="acme", fmt="ibm-customer-care", path=extra, acting=BENCH)  # noqa: E731
    timed("ingest one more copy, no tombstone", run, messages // args.copies)
    with store.reader() as session:
        person = session.execute(
            select(Identity.person_id)
            .join(Message, Message.identity_id == Identity.id)
            .where(Identity.person_id.is_not(None))
            .group_by(Identity.person_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()

    def forget() -> None:
        with store.session() as session:
            result = do_forget_person(session, access_workspace(session, "acme"), person, acting=BENCH)
        print(f"  forgot person {person}: {result.deleted}, redacted {result.redacted}")

    timed("forget the most active person", forget)
    extra = copy_of(threads, 901, folder)
    run = lambda: import_file(store, workspace="acme", fmt="ibm-customer-care", path=extra, acting=BENCH)  # noqa: E731
    timed("ingest one more copy, with a tombstone", run, messages // args.copies)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
