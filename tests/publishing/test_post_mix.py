"""The audit's one-look content mix (`post_mix`) gives the classifier's answers on every text it is fed."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

from goodwill.demo import plan_world
from goodwill.publishing.classify import ad_score, classify_post, post_mix
from tests.conftest import shared_file


def test_post_mix_is_the_classifiers_promotional_flag_and_ad_score() -> None:
    texts = [m.text for m in plan_world(seed=7, now=datetime(2026, 3, 1, 12, tzinfo=UTC)).messages if m.text]
    with shared_file("data/twcs/twcs_head5000.csv").open(newline="", encoding="utf-8") as handle:
        texts += [row["text"] for row in csv.DictReader(handle) if row.get("text")]
    texts += ["@sam 20% off with code SAVE20", ".@sam shop now", "FLASH SALE: shop now", "Brew tip: grind coarser.", ""]
    mixes = [post_mix(text) for text in texts]
    assert mixes == [(classify_post(text).promotional, ad_score(text)) for text in texts]
    assert any(promotional for promotional, _ in mixes) and not all(promotional for promotional, _ in mixes)
