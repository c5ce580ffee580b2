"""Tone guard evaluation: how often it flags real brand replies, and why, with examples.

    .venv/bin/python benchmarks/replies_eval.py [--data ../shared/data] [--examples 3] [--json out.json]

Three sets, each reply checked as the guard checks a draft (goodwill.replies.check_draft):
- twcs: the brand replies (inbound False) in twcs/twcs_head5000.csv, answering the customer tweet they reply
  to (its intent from goodwill.triage); "recent" is the same brand's previous 300 replies to other people,
  so the canned check sees what a team's outbox would hold; X rules (280, public). CC BY-NC-SA: evaluation
  only, nothing from it is shipped; examples printed here are cut to 110 characters.
- ibm: the agent turns (url_utterance) in customer-care/ibm_dev.json, answering the dialogue's last customer
  message; same rules.
- demo: the simulated brand's replies (goodwill.demo.plan_world), whose style is the ground truth: `personal`
  replies are acceptable, `oversell`, `defensive` and `canned` ones are what the guard must catch.

Real brand replies are written by professional care teams and are overwhelmingly acceptable, so the share
flagged on them is an upper bound of the false-alarm rate; the examples show which flags are arguably right
(a public request for an e-mail address, a reply sent word for word to dozens of people).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from goodwill.replies import DraftContext, Finding, Level, check_draft
from goodwill.triage import classify

ROOT = Path(__file__).resolve().parents[1]
RECENT = 300


@dataclass(slots=True)
class Case:
    text: str
    context: DraftContext
    label: str = ""  # demo: the style that wrote it


def _twcs(path: Path) -> Iterator[tuple[str, str, str, bool]]:
    """(brand, reply text, the customer's text it answers, whether that text opened the thread) in file order."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_id = {r["tweet_id"]: r for r in rows}
    for r in rows:
        if r["inbound"] != "False":
            continue
        parent = by_id.get(str(r["in_response_to_tweet_id"]).split(".")[0])
        answered = parent["text"] if parent and parent["inbound"] == "True" else ""
        yield r["author_id"], r["text"], answered, bool(parent) and not parent["in_response_to_tweet_id"]


def _ibm(path: Path) -> Iterator[tuple[str, str, str, bool]]:
    for dialog in json.loads(path.read_text(encoding="utf-8")):
        turns = dialog.get("dialogContent") or []
        answered = turns[-1]["message"] if turns else ""
        yield dialog["dialogHeader"]["company"], dialog["agentURL"]["url_utterance"], answered, True


def real_cases(rows: list[tuple[str, str, str, bool]]) -> list[Case]:
    answered = [a for _b, _t, a, _f in rows]
    triage = classify([a or "" for a in answered])
    recent: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=RECENT))
    cases = []
    for (brand, text, answered_text, first), labels in zip(rows, triage, strict=True):
        intent = labels.intent.value if answered_text else None
        ctx = DraftContext(
            network="x",
            limit=280,
            public=True,
            intent=intent,
            severity=labels.severity,
            first_reply=first,
            recent=tuple(recent[brand]),
        )
        cases.append(Case(text.replace("&amp;", "&"), ctx))
        recent[brand].append(text)
    return cases


def demo_cases() -> list[Case]:
    from goodwill.demo import plan_world

    world = plan_world(seed=7, now=datetime(2026, 3, 1, tzinfo=UTC))
    recent: deque[str] = deque(maxlen=RECENT)
    cases = []
    for m in world.messages:
        if m.inbound or (m.parent is None and m.dm is None) or m.style is None:
            continue
        answering = m.parent if m.parent is not None and m.parent.inbound else None
        intent = answering.said.intent if answering else None
        severity = answering.said.severity if answering else 0
        name = m.to.human.first if m.to is not None else None
        public = m.dm is None
        first = answering is not None and answering.parent is None
        ctx = DraftContext(
            network=m.network.value,
            limit=None,
            public=public,
            intent=intent,
            severity=severity,
            first_reply=first,
            first_name=name,
            recent=tuple(recent),
        )
        cases.append(Case(m.text, ctx, m.style))
        recent.append(m.text)
    return cases


def run(cases: list[Case]) -> list[list[Finding]]:
    return [check_draft(c.text, c.context) for c in cases]


def summarise(name: str, cases: list[Case], results: list[list[Finding]], examples: int) -> dict[str, object]:
    total = len(cases)
    flagged = sum(1 for r in results if r)
    blocked = sum(1 for r in results if any(f.level is Level.BLOCK for f in r))
    by_check: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    samples: dict[str, list[str]] = defaultdict(list)
    for case, found in zip(cases, results, strict=True):
        for check in dict.fromkeys(f"{f.check.value}/{f.level.value}" for f in found):
            by_level[check] += 1
        for f in {f.check.value: f for f in found}.values():
            by_check[f.check.value] += 1
            if len(samples[f.check.value]) < examples:
                words = ", ".join(f.words)[:60]
                samples[f.check.value].append(f"{case.text[:110]!r}  <- {f.level.value}: {words or f.message}")
    no_canned = sum(1 for r in results if any(f.check.value != "canned" for f in r))
    no_canned_block = sum(1 for r in results if any(f.level is Level.BLOCK and f.check.value != "canned" for f in r))
    print(f"\n== {name}: {total} replies")
    print(f"flagged (any finding): {flagged} ({flagged / total:.1%}); blocking: {blocked} ({blocked / total:.1%})")
    print(
        f"leaving the canned check out: flagged {no_canned} ({no_canned / total:.1%}), "
        f"blocking {no_canned_block} ({no_canned_block / total:.1%})"
    )
    for check, n in by_check.most_common():
        levels = ", ".join(f"{k.split('/')[1]} {v}" for k, v in sorted(by_level.items()) if k.startswith(check + "/"))
        print(f"  {check:<13} {n:>5} ({n / total:.1%})  [{levels}]")
        for s in samples[check]:
            print(f"      e.g. {s}")
    return {
        "replies": total,
        "flagged": flagged,
        "blocking": blocked,
        "flagged_without_canned": no_canned,
        "blocking_without_canned": no_canned_block,
        "by_check": dict(by_check),
        "by_check_level": dict(by_level),
        "examples": dict(samples),
    }


def demo_truth(cases: list[Case], results: list[list[Finding]]) -> dict[str, object]:
    print("\n== demo ground truth: share of each style with a blocking finding (any finding)")
    out: dict[str, object] = {}
    styles = sorted({c.label for c in cases})
    for style in styles:
        idx = [i for i, c in enumerate(cases) if c.label == style]
        blocked = sum(1 for i in idx if any(f.level is Level.BLOCK for f in results[i]))
        anyf = sum(1 for i in idx if results[i])
        print(f"  {style:<10} {len(idx):>4} replies: blocking {blocked / len(idx):6.1%}, any {anyf / len(idx):6.1%}")
        out[style] = {"replies": len(idx), "blocking": blocked, "any": anyf}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report: dict[str, object] = {}
    started = time.perf_counter()
    twcs = args.data / "twcs" / "twcs_head5000.csv"
    ibm = args.data / "customer-care" / "ibm_dev.json"
    for name, path, reader in (("twcs brand replies", twcs, _twcs), ("ibm customer-care agent turns", ibm, _ibm)):
        if not path.exists():
            print(f"skipped {name}: {path} not found", file=sys.stderr)
            continue
        cases = real_cases(list(reader(path)))
        report[name] = summarise(name, cases, run(cases), args.examples)
    cases = demo_cases()
    results = run(cases)
    report["demo replies"] = summarise("demo brand replies (seed 7)", cases, results, args.examples)
    report["demo ground truth"] = demo_truth(cases, results)
    print(f"\n{time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
