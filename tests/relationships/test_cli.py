"""The people commands as a user runs them, on the demo world: lists with their reasons, a person's view,
merge suggestions and un-merging, nudges and their decisions, LinkedIn connections; bad input is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from goodwill.demo import build_world
from goodwill.store import Store
from tests.cli import goodwill
from tests.connectors.test_archives_more import linkedin_export

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_people_person_merge_and_nudges_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = Store(url)
    store.migrate()
    build_world(store, seed=7, now=NOW)
    store.dispose()
    where = ("-d", url, "-w", "demo")
    at = ("--as-of", "2026-03-01T12:00")

    advocates = json.loads(goodwill(tmp_path, "people", "advocates", *where, *at, "--json").stdout)
    assert advocates["count"] >= 15 and all(p["is_advocate"] and p["reasons"]["advocate"] for p in advocates["data"])
    cold = json.loads(goodwill(tmp_path, "people", "cold", *where, *at, "--json", "--no-refresh").stdout)
    assert cold["count"] >= 15 and all("silent for" in p["reasons"]["cold"][0] for p in cold["data"])
    shown = goodwill(tmp_path, "people", "at-risk", *where, *at).stdout
    assert ("at risk" in shown and "still unanswered" in shown) or "complaints in the last" in shown

    found = json.loads(goodwill(tmp_path, "merge", "--find", *where, "--json").stdout)
    assert "merged automatically: 1, 2, 3" in found["done"][0] and found["count"] >= 11
    assert all(s["evidence"] for s in found["data"])
    undone = json.loads(goodwill(tmp_path, "merge", "--undo", "1", *where, "--json").stdout)
    assert "on their own again" in undone["done"][0]
    refused = goodwill(tmp_path, "merge", "--undo", "1", *where, ok=False)
    assert refused.returncode == 1 and "already undone" in refused.stderr

    person = advocates["data"][0]["id"]
    view = json.loads(
        goodwill(
            tmp_path,
            "person",
            str(person),
            "--note",
            "VIP at the café",
            "--set",
            "tier=gold",
            "--label",
            "regular",
            "--target",
            *where,
            "--json",
        ).stdout
    )
    assert view["fields"] == {"tier": "gold"} and view["labels"] == ["regular"] and "targets" in view["lists"]
    assert view["relationship"]["is_advocate"] and any(t["type"] == "note" for t in view["timeline"])
    bad = goodwill(tmp_path, "person", str(person), "--set", "no-equals-sign", *where, ok=False)
    assert bad.returncode == 1 and "NAME=VALUE" in bad.stderr

    nudges = json.loads(goodwill(tmp_path, "nudges", *where, *at, "--json", "--limit", "200").stdout)
    kinds = {n["kind"] for n in nudges["data"]}
    assert {"thank", "follow_up", "welcome", "reconnect"} <= kinds and all(n["why"] for n in nudges["data"])
    first = nudges["data"][0]
    after = json.loads(goodwill(tmp_path, "nudges", "--done", str(first["id"]), *where, *at, "--json").stdout)
    assert first["id"] not in {n["id"] for n in after["data"]}

    export = linkedin_export(tmp_path)
    connections = json.loads(goodwill(tmp_path, "linkedin-connections", str(export), *where, "--json").stdout)
    assert connections["count"] == 2 and connections["data"][0]["name"] == "Marco Tavares"
