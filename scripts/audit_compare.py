"""Write the whole audit report (bar `generated_at`) of many periods and channel picks to one JSON file, to
compare two versions of the code on the same database byte for byte.

    # build the demo worlds once (any version), then dump with each version and compare
    python scripts/audit_compare.py build --url sqlite:////tmp/cmp-7.db --seed 7
    PYTHONPATH=/work/main/src python scripts/audit_compare.py dump --url sqlite:////tmp/cmp-7.db --out main.json
    python scripts/audit_compare.py dump --url sqlite:////tmp/cmp-7.db --out mine.json
    cmp main.json mine.json

`dump` never migrates (an older version may not know the newest revision); `build` migrates and builds.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
PERIODS: list[tuple[str | None, str | None]] = [
    ("90d", None),
    ("30d", None),
    ("7d", None),
    ("all", None),
    ("2025-12-10", "2026-01-20"),
    ("2026-01-20", "2026-03-01"),
    ("2026-02-01T06:30:00+00:00", "2026-02-15T18:00:00+00:00"),
    ("2025-11-01", "2026-02-20"),
]


def build(url: str, seed: int) -> None:
    from goodwill.demo import build_world
    from goodwill.jobs.inbox import process_pending
    from goodwill.store import Store

    store = Store(url)
    store.migrate()
    build_world(store, seed=seed, now=NOW)
    process_pending(store)
    store.dispose()


def dump(url: str, out: Path) -> None:
    import goodwill
    from goodwill.analytics.report import audit
    from goodwill.store import Store
    from goodwill.store.tables import Channel

    store = Store(url)
    reports: list[Any] = []
    with store.reader() as session:
        channels = [str(c) for c in session.scalars(select(Channel.network).order_by(Channel.id))]
    picks: list[tuple[str | None, str | None, str | None]] = [(a, b, None) for a, b in PERIODS]
    picks += [("90d", None, ch) for ch in channels[:3]] + [("all", None, channels[-1])]
    for since, until, channel in picks:
        with store.reader() as session:
            report = audit(session, workspace="demo", since=since, until=until, channel=channel)
        report.pop("generated_at")
        reports.append({"since": since, "until": until, "channel": channel, "report": report})
    store.dispose()
    out.write_text(json.dumps(reports, indent=1, sort_keys=False, default=str))
    print(f"{goodwill.__file__}: {len(reports)} reports to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("build", "dump"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.what == "build":
        build(args.url, args.seed)
    else:
        assert args.out is not None, "--out FILE"
        dump(args.url, args.out)


if __name__ == "__main__":
    main()
