"""`goodwill audit --period A..B --period C..D`: two periods side by side, each the same report as an audit of
that period alone; bad periods are refused with the fix."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goodwill.analytics.report import audit
from goodwill.demo import build_world
from goodwill.store import Store
from tests.cli import goodwill

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
FIRST = ("2025-12-10", "2026-01-20")
SECOND = ("2026-01-20", "2026-03-01")


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "generated_at"}


def test_two_periods_side_by_side_are_each_the_audit_of_that_period(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    store = Store(url)
    store.migrate()
    build_world(store, seed=7, now=NOW)
    with store.reader() as session:
        alone = [audit(session, workspace="demo", since=a, until=b, compare=False) for a, b in (FIRST, SECOND)]
    store.dispose()
    base = ("audit", "--database", url, "--workspace", "demo")
    periods = ("--period", "..".join(FIRST), "--period", "..".join(SECOND))

    both = json.loads(goodwill(tmp_path, *base, *periods, "--json").stdout)["periods"]
    assert [p["period"]["since"][:10] for p in both] == [FIRST[0], SECOND[0]]
    assert [p["period"]["until"][:10] for p in both] == [FIRST[1], SECOND[1]]
    assert [_comparable(p) for p in both] == json.loads(json.dumps([_comparable(r) for r in alone]))
    assert all(p["previous"] is None for p in both)  # side by side: no trend columns
    a, b = (p["responsiveness"]["overall"]["inbound_conversations"] for p in both)
    assert a > 0 and b > 0 and a != b  # two different slices of the world, not one report twice

    table = goodwill(tmp_path, *base, *periods).stdout
    header = next(line for line in table.splitlines() if "..".join(FIRST) in line)
    assert "..".join(SECOND) in header
    rows = {line.split("  ")[0]: line.split() for line in table.splitlines()[1:] if line.strip()}
    assert rows["conversations"][-2:] == [str(a), str(b)]

    # one --period is the single report of that period
    single = json.loads(goodwill(tmp_path, *base, "--period", "..".join(SECOND), "--json").stdout)
    assert single["period"]["since"][:10] == SECOND[0]
    assert single["responsiveness"]["overall"] == alone[1]["responsiveness"]["overall"]

    refused = goodwill(tmp_path, *base, "--period", "2026-01-01", "--period", "..".join(SECOND), ok=False)
    assert refused.returncode != 0 and "START..END" in refused.stderr + refused.stdout
    backwards = goodwill(tmp_path, *base, "--period", "2026-02-01..2026-01-01", "--period", "..".join(SECOND), ok=False)
    assert backwards.returncode != 0 and "after it ends" in backwards.stderr + backwards.stdout
