"""`goodwill post`, `schedule`, `calendar`, `mix` and `work` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goodwill.connectors.local import read_posts
from tests.cli import goodwill


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{home / 'demo.db'}"
    goodwill(home, "demo", "-d", url, "--no-serve")
    return home, url


def test_the_demo_worlds_feed_is_reported_ad_heavy(demo_db: tuple[Path, str]) -> None:
    home, url = demo_db
    done = goodwill(home, "mix", "-d", url, "-w", "demo")
    assert "ad-heavy" in done.stdout and "(at most 40%)" in done.stdout
    report = json.loads(goodwill(home, "mix", "-d", url, "-w", "demo", "--json").stdout)
    # the demo plans 13 promotions in every 20 posts (goodwill.demo.voice.DECK): well over the default 40%
    assert report["ad_heavy"] is True and report["overall"]["promotional_share"] > 0.5
    assert report["overall"]["categories"]["promotional"] > 2 * report["overall"]["categories"]["expertise"]


def test_post_schedule_publish_and_calendar_through_the_local_connector(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    posted = tmp_path / "posted.jsonl"
    goodwill(tmp_path, "init", "-d", url, "-w", "acme")
    code = (
        "import sys\n"
        "from goodwill.actions import access_workspace, do_ensure_channel\n"
        "from goodwill.actions.audit import CLI\n"
        "from goodwill.domain import Network\n"
        "from goodwill.store import open_store\n"
        "store = open_store(sys.argv[1])\n"
        "with store.session() as s:\n"
        "    ws = access_workspace(s, 'acme')\n"
        "    c = do_ensure_channel(s, ws, network=Network.X, account_id='1', handle='acme', acting=CLI)\n"
        "    c.config = {'connector': 'local', 'local_path': sys.argv[2]}\n"
    )
    goodwill(tmp_path, url, str(posted), code=code)
    done = goodwill(tmp_path, "post", "new", "Brew tip: bloom 40 s.", "-c", "x", "--at", "+0m", "-d", url, "-w", "acme")
    assert "scheduled" in done.stdout and "expertise" in done.stdout
    too_long = goodwill(tmp_path, "post", "new", "x" * 300, "-c", "acme", "-d", url, "-w", "acme", ok=False)
    assert too_long.returncode == 1 and "it takes 280" in too_long.stderr
    work = goodwill(tmp_path, "work", "-d", url)
    assert "posts: 1 published" in work.stdout
    assert [r["text"] for r in read_posts(posted)] == ["Brew tip: bloom 40 s."]
    csv = tmp_path / "march.csv"
    csv.write_text("when,channels,text\n2030-03-04 09:00,x,What are you brewing?\n2030-03-05 09:00,nowhere,Hi\n")
    bad = goodwill(tmp_path, "post", "import", str(csv), "-d", url, "-w", "acme", ok=False)
    assert bad.returncode == 1 and "line 3" in bad.stderr and "nowhere" in bad.stderr
    csv.write_text("when,channels,text\n2030-03-04 09:00,x,What are you brewing?\n")
    assert (
        "Imported 1 posts (1 scheduled)"
        in goodwill(tmp_path, "post", "import", str(csv), "-d", url, "-w", "acme").stdout
    )
    calendar = goodwill(tmp_path, "calendar", "--start", "2030-03-04", "--days", "2", "-d", url, "-w", "acme")
    assert "09:00 scheduled acme (x) · engagement: What are you brewing?" in calendar.stdout
    listed = json.loads(goodwill(tmp_path, "post", "list", "-d", url, "-w", "acme", "--json").stdout)
    assert [p["status"] for p in listed["data"]] == ["scheduled", "published"]
    slots = goodwill(
        tmp_path, "schedule", "slots", "x", "--add", "mon 09:30", "--add", "thu 17:00", "-d", url, "-w", "acme"
    )
    assert "mon 09:30, thu 17:00" in slots.stdout
    draft = json.loads(
        goodwill(tmp_path, "post", "new", "Tip: weigh it.", "-c", "x", "-d", url, "-w", "acme", "--json").stdout
    )
    queued = goodwill(tmp_path, "schedule", "post", str(draft["data"][0]["id"]), "-d", url, "-w", "acme")
    assert "scheduled" in queued.stdout and ("09:30 UTC" in queued.stdout or "17:00 UTC" in queued.stdout)
    quiet = goodwill(tmp_path, "schedule", "cadence", "-d", url, "-w", "acme")
    assert "abandoned" not in quiet.stdout  # posted today, more planned
    cancelled = goodwill(tmp_path, "post", "cancel", str(listed["data"][0]["id"]), "-d", url, "-w", "acme")
    assert "cancelled" in cancelled.stdout  # the 2030 post: now the queued one is the last planned
    goodwill(tmp_path, "schedule", "policy", "--gap-days", "1", "--warn-days", "30", "-d", url, "-w", "acme")
    warned = goodwill(tmp_path, "schedule", "cadence", "-d", url, "-w", "acme")
    assert "will look abandoned on" in warned.stdout and "Schedule a post before then" in warned.stdout
