"""The audit's one-look content mix (`post_mix`) gives the classifier's answers on every text it is fed."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

import pytest

from goodwill.demo import plan_world
from goodwill.publishing import classify
from goodwill.publishing.classify import ad_score, classify_post, post_mix
from goodwill.store import Store
from tests.conftest import shared_file


def test_post_mix_is_the_classifiers_promotional_flag_and_ad_score() -> None:
    texts = [m.text for m in plan_world(seed=7, now=datetime(2026, 3, 1, 12, tzinfo=UTC)).messages if m.text]
    with shared_file("data/twcs/twcs_head5000.csv").open(newline="", encoding="utf-8") as handle:
        texts += [row["text"] for row in csv.DictReader(handle) if row.get("text")]
    texts += ["@sam 20% off with code SAVE20", ".@sam shop now", "FLASH SALE: shop now", "Brew tip: grind coarser.", ""]
    mixes = [post_mix(text) for text in texts]
    assert mixes == [(classify_post(text).promotional, ad_score(text)) for text in texts]
    assert any(promotional for promotional, _ in mixes) and not all(promotional for promotional, _ in mixes)


def test_stored_counts_are_post_mix_and_the_version_follows_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [m.text for m in plan_world(seed=11, now=datetime(2026, 3, 1, 12, tzinfo=UTC)).messages if m.text]
    texts += ["@sam 20% off with code SAVE20", "FLASH SALE: shop now", ""]
    for text in texts:
        promotional, selling = classify.post_mix_counts(text)
        assert post_mix(text) == (promotional, selling / len(classify.SELLING))
    assert classify.text_hash("a") != classify.text_hash("a ") and -(2**63) <= classify.text_hash("x") < 2**63
    before = classify._mix_version()
    assert before == classify.MIX_VERSION
    monkeypatch.setitem(classify.SELLING, "boast", re.compile(r"\bthe very best\b", re.I))
    assert classify._mix_version() != before  # stored answers of other rules stop counting
    monkeypatch.setattr(classify, "STRONG", ("discount", "code"))
    assert classify._mix_version() not in (before,)


def test_the_post_mix_job_is_on_the_schedule_and_sweeps(store: Store) -> None:
    from goodwill.demo import build_world
    from goodwill.jobs.schedule import PERIODIC

    job = next(p for p in PERIODIC if p.name == "post-mix")
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert job.run(store, now=now) == 0  # nothing to classify yet
    build_world(store, seed=7, now=now)
    assert job.run(store, now=now) > 100  # the backfill: every own post of the world
    assert job.run(store, now=now) == 0
