"""Content mix classifier evaluation (goodwill.publishing.classify) on three labelled sets, beside the audit's
old stand-in promotional rule (goodwill.analytics.text.is_promotional) in the same run.

    .venv/bin/python benchmarks/mix_eval.py [--data ../shared/data] [--json out.json]

Sets (docs/publishing.md says who labelled what and how):
- broadcast: the 21 brand tweets in twcs/twcs_head5000.csv that answer no tweet (inbound False, no
  in_response_to), labelled by hand by the helper who wrote the classifier (an AI model), category and
  "selling" yes/no. Classified as posts (reply=False), as the file gives them no parent.
- reply: every 44th brand reply in the same file (51 tweets), labelled "selling" yes/no by the same helper.
  As replies they are engagement by their place (not a text decision, so not scored); what is scored is the
  text-only selling decision (`is_selling`, the cue test behind "promotional"), the false alarms that would
  count a care reply as selling.
- demo: the simulated brand's own posts (goodwill.demo.plan_world, seed 7, 90 days), whose category the
  simulation chose before writing each text; its "chat" posts are mostly questions to the audience, so
  chat and engagement both count as right for them.
The labels file (benchmarks/data/mix_sample.csv) holds tweet ids and labels only: TWCS is CC BY-NC-SA, used
for evaluation here and never shipped.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goodwill.analytics.text import is_promotional as old_rule
from goodwill.publishing.classify import classify_post, is_selling

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "data" / "mix_sample.csv"
DEMO_NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def load_sample(data: Path) -> list[dict[str, Any]]:
    """The labelled rows with their tweet text read from the shared TWCS file."""
    with (data / "twcs" / "twcs_head5000.csv").open(newline="", encoding="utf-8") as f:
        texts = {r["tweet_id"]: r["text"] for r in csv.DictReader(f)}
    with LABELS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = [r["tweet_id"] for r in rows if r["tweet_id"] not in texts]
    if missing:
        raise SystemExit(f"tweets {missing} are not in {data / 'twcs'}: wrong --data folder?")
    return [{**r, "text": texts[r["tweet_id"]]} for r in rows]


def _binary(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    tp = sum(1 for truth, said in pairs if truth and said)
    fp = sum(1 for truth, said in pairs if not truth and said)
    fn = sum(1 for truth, said in pairs if truth and not said)
    return {
        "n": len(pairs),
        "positives": tp + fn,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
    }


def evaluate_sample(rows: list[dict[str, Any]]) -> dict[str, Any]:
    broadcast = [r for r in rows if r["set"] == "broadcast"]
    replies = [r for r in rows if r["set"] == "reply"]
    said = [classify_post(r["text"]).category.value for r in broadcast]
    confusion = Counter(f"{r['label']}->{s}" for r, s in zip(broadcast, said, strict=True) if r["label"] != s)
    return {
        "broadcast": {
            "n": len(broadcast),
            "category_accuracy": round(
                sum(r["label"] == s for r, s in zip(broadcast, said, strict=True)) / len(broadcast), 3
            ),
            "kind_accuracy": round(
                sum(_kind(r["label"]) == _kind(s) for r, s in zip(broadcast, said, strict=True)) / len(broadcast), 3
            ),
            "promotional": _binary(
                [(r["selling"] == "yes", s == "promotional") for r, s in zip(broadcast, said, strict=True)]
            ),
            "promotional_old_rule": _binary([(r["selling"] == "yes", old_rule(r["text"])) for r in broadcast]),
            "errors": dict(confusion.most_common()),
        },
        "reply": {
            "promotional": _binary([(r["selling"] == "yes", is_selling(r["text"])) for r in replies]),
            "promotional_old_rule": _binary([(r["selling"] == "yes", old_rule(r["text"])) for r in replies]),
        },
    }


def _kind(category: str) -> str:
    return {"chat": "chat", "engagement": "engagement"}.get(category, "broadcast")


def evaluate_demo() -> dict[str, Any]:
    from goodwill.demo import plan_world

    posts = [m for m in plan_world(seed=7, days=90, now=DEMO_NOW).messages if m.is_post]
    right = 0
    errors: Counter[str] = Counter()
    for m in posts:
        said = classify_post(m.text).category.value
        ok = said == m.category or (m.category == "chat" and said in ("chat", "engagement"))
        right += ok
        if not ok:
            errors[f"{m.category}->{said}"] += 1
    pairs = [(m.category == "promotional", classify_post(m.text).promotional) for m in posts]
    return {
        "n": len(posts),
        "category_accuracy": round(right / len(posts), 3),
        "promotional": _binary(pairs),
        "promotional_old_rule": _binary([(m.category == "promotional", old_rule(m.text)) for m in posts]),
        "errors": dict(errors.most_common()),
    }


def all_replies(data: Path) -> dict[str, Any]:
    """Unlabelled: every brand reply in the file, through the selling cue test. Care replies rarely sell, so the
    share called selling is an upper bound of the false-alarm rate."""
    with (data / "twcs" / "twcs_head5000.csv").open(newline="", encoding="utf-8") as f:
        texts = [r["text"] for r in csv.DictReader(f) if r["inbound"] == "False" and r["in_response_to_tweet_id"]]
    new = sum(is_selling(t) for t in texts)
    old = sum(old_rule(t) for t in texts)
    return {"n": len(texts), "called_promotional": new, "called_promotional_old_rule": old}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    result = {
        "sample": evaluate_sample(load_sample(args.data)),
        "demo": evaluate_demo(),
        "all_replies": all_replies(args.data),
    }
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
