"""The batch form of the author's part of the priority (`with_authors`, what ingest runs) gives what the
one-label form (`with_author`, over `prioritise`) gives, label by label, evidence included."""

from __future__ import annotations

import copy
import itertools
import random

from goodwill.domain.enums import Intent, Sentiment
from goodwill.domain.triage import TriageResult
from goodwill.triage.authors import Author, with_author, with_authors


def _label(rng: random.Random, intent: Intent, needs_reply: bool) -> TriageResult:
    return TriageResult(
        complaint=intent is Intent.COMPLAINT,
        complaint_probability=rng.random(),
        intent=intent,
        intent_score=rng.random(),
        sentiment=rng.choice(list(Sentiment)),
        sentiment_score=rng.uniform(-1, 1),
        severity=rng.randint(0, 4),
        needs_reply=needs_reply,
        needs_reply_reason="r",
        priority=rng.choice([0, 1, 22, 51, 77, 99, 100]),
        language="en",
        low_confidence=False,
        evidence={"intent": ["x"]},
        model_version="t",
    )


def test_the_batch_form_equals_the_one_label_form_for_every_kind_of_author() -> None:
    rng = random.Random(3)
    authors: list[Author | None] = [None]
    for followers, vip, at_risk, advocate in itertools.product(
        (None, 0, 1, 9, 999, 100_000, 10**12), (False, True), (False, True), (False, True)
    ):
        authors.append(Author(followers, vip, at_risk, advocate))
    labels: dict[int, TriageResult] = {}
    author_of: dict[int, Author | None] = {}
    for i in range(3000):
        intent = rng.choice(list(Intent))
        labels[i] = _label(rng, intent, rng.random() < 0.7)
        author_of[i] = rng.choice(authors)
    expected = {}
    for i, label in labels.items():
        one = copy.deepcopy(label)
        one.priority, one.evidence["priority"] = with_author(one, author_of[i])
        expected[i] = one
    with_authors(labels, author_of)
    for i, label in labels.items():
        assert label.priority == expected[i].priority, i
        assert label.evidence == expected[i].evidence, i
        assert list(label.evidence["priority"]) == list(expected[i].evidence["priority"]), i  # same key order


def test_raising_the_same_labels_again_changes_nothing() -> None:
    """A batch retried after a write conflict comes back with the label objects the failed attempt raised."""
    rng = random.Random(5)
    author = Author(100_000, True, True, False)
    labels = {i: _label(rng, intent, True) for i, intent in enumerate(Intent)}
    with_authors(labels, dict.fromkeys(labels, author))
    once = {i: (label.priority, copy.deepcopy(label.evidence)) for i, label in labels.items()}
    with_authors(labels, dict.fromkeys(labels, author))
    assert {i: (label.priority, label.evidence) for i, label in labels.items()} == once
    assert any(label.priority != label.evidence["priority"]["text"] for label in labels.values())
