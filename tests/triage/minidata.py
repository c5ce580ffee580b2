"""A miniature copy of the shared/data layout that `goodwill.triage.training.build_corpora` reads, so
retraining runs in a second or two in tests (the real base data takes about a minute)."""

from __future__ import annotations

import csv
from pathlib import Path

COMPLAINTS = [
    "@acme my order never arrived, worst service ever",
    "@acme still waiting for my refund, awful",
    "@acme the app is broken again and nobody answers",
    "@acme you charged me twice, this is a scam",
    "@acme the delivery was late and the box was damaged",
    "@acme terrible support, I waited an hour on the phone",
]
OTHERS = [
    "@acme thanks a lot, love the new app",
    "@acme great job team, the update is amazing",
    "what time do you open on sunday?",
    "going to the beach with friends today",
    "@acme do you ship to canada?",
    "happy birthday to my sister",
]


def write_minidata(root: Path) -> Path:
    """Write the miniature data folder under ``root`` and return it."""
    (root / "complaints").mkdir(parents=True)
    with open(root / "complaints" / "xci.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "tweet", "label", "domain", "sentiment", "emotion", "Severity", "Explain"])
        for copy in range(3):
            for i, t in enumerate(COMPLAINTS):
                w.writerow([f"c{copy}{i}", t, 1, "retail", "Negative", "anger", 1 + i % 4, ""])
            for i, t in enumerate(OTHERS):
                sentiment = "Positive" if "thanks" in t or "great" in t else "Neutral"
                w.writerow([f"o{copy}{i}", t, 0, "retail" if "@" in t else "random", sentiment, "other", 0, ""])
    (root / "vader").mkdir()
    lines = [f"{i}\t{-2.5 if i % 2 else 2.5}\t{t}" for i, t in enumerate(COMPLAINTS[:3] + OTHERS[:2])]
    for name in (
        "tweets_GroundTruth.txt",
        "amazonReviewSnippets_GroundTruth.txt",
        "movieReviewSnippets_GroundTruth.txt",
        "nytEditorialSnippets_GroundTruth.txt",
    ):
        (root / "vader" / name).write_text("\n".join(lines) + "\n", encoding="latin-1")
    (root / "vader" / "vader_sentiment_lexicon.txt").write_text(
        "worst\t-3.1\t0.5\t[]\nawful\t-2.0\t0.5\t[]\nlove\t3.2\t0.5\t[]\ngreat\t3.1\t0.5\t[]\n", encoding="latin-1"
    )
    (root / "sms-spam").mkdir()
    sms = ["Label\tSMS"] + ["spam\tWIN a free prize now, call 0800"] * 3 + ["ham\tsee you at lunch"] * 3
    (root / "sms-spam" / "SMSSpamCollection.tsv").write_text("\n".join(sms) + "\n", encoding="utf-8")
    (root / "banking77").mkdir()
    with open(root / "banking77" / "train.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "category"])
        for t in ["where is my card?", "how do I reset my pin", "can I change my address"] * 2:
            w.writerow([t, "x"])
    (root / "bitext").mkdir()
    with open(root / "bitext" / "bitext_4514.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["instruction", "intent"])
        for t in ["how can I cancel my order", "I want to track my parcel"] * 2:
            w.writerow([t, "cancel_order"])
    return root
