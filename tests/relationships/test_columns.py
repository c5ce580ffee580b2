"""Stored figures as columns, classified all at once (goodwill.relationships.columns), against the stored
figures read one person at a time and classified by `classify` (goodwill.relationships.stored, .state): the
same people hold at each moment, with the same stage, flags and health, person by person, over randomised
histories (praise and recommendations, complaints answered and left open, moods turning, silences) and moments
before, at and long after the recompute. The audit's advocacy section against the fold of everyone, on both
databases, is in test_stored.py."""

from __future__ import annotations

import gc
import random
import sys
from collections import Counter
from datetime import timedelta
from typing import Any

import numpy as np
import orjson
import pytest
from sqlalchemy import text

from goodwill.ingest import ingest
from goodwill.relationships.columns import STAGES, Columns, _python_sum, states_at, stored_columns
from goodwill.relationships.figures import DAY, RECENT_DAYS, Row, figures_of
from goodwill.relationships.state import COLD_MIN_DAYS, classify
from goodwill.relationships.stored import dump, figures_at, stored_figures
from goodwill.store import Store
from tests.factories import T0, msg
from tests.relationships.test_stored import DAY_MINUTES, _recompute, _workspace_id
from tests.relationships.test_stored import _history as _people

KINDS = ("mention", "reply", "quote", "dm")
INTENTS = (None, "complaint", "praise", "question", "chatter")
SENTIMENTS = (None, "positive", "negative", "neutral")
TEXTS = (None, "I recommend them", "meh", "go to them, trust me")


def _history(rng: random.Random, person: int, first_id: int) -> list[Row]:
    """One person's rows, ordered as `load_rows` orders them (conversation, time, id)."""
    rows = []
    message = first_id
    style = rng.random()  # a fan, a grumbler or anyone in between
    start = rng.uniform(0, 40)
    for conversation in range(rng.randint(0, 6)):
        at = start + conversation * rng.choice((0.5, 3, 9, 20))
        resolved = int(rng.random() < 0.3)
        for _ in range(rng.randint(1, 5)):
            at += rng.choice((0.0, 0.01, 0.3, 2.0, 7.0))
            message += 1
            inbound = rng.random() < 0.6
            if style < 0.3:
                intent, sentiment = rng.choice((("praise", "positive"), ("praise", None), (None, "positive")))
            elif style > 0.8 and at > 60:
                intent, sentiment = "complaint", rng.choice(("negative", None))
            else:
                intent, sentiment = rng.choice(INTENTS), rng.choice(SENTIMENTS)
            text = rng.choice(TEXTS) if inbound and sentiment == "positive" else None
            rows.append(
                Row(
                    person,
                    person * 100 + conversation,
                    int(inbound),
                    round(at * DAY, 3),
                    rng.choice(KINDS),
                    intent if inbound else None,
                    sentiment if inbound else None,
                    text,
                    resolved,
                    message,
                )
            )
    return rows


def _world(seed: int, people: int, recomputed: float) -> tuple[list[tuple[int, list[Any]]], dict[int, list[Row]]]:
    rng = random.Random(seed)
    histories = {p: _history(rng, p, p * 1000) for p in range(1, people + 1)}
    stored = []
    for p, rows in histories.items():
        f = figures_of(p, rows, recomputed)
        stored.append((p, orjson.loads(orjson.dumps(dump(f, rows, recomputed, (10**9, 0))))))  # as stored
    return stored, histories


MOMENTS = (30.0, 61.0, 75.0, 80.0, 95.0, 120.0, 200.0)  # days; the recompute at day 80


def _moments(stored: list[tuple[int, list[Any]]]) -> list[float]:
    """The fixed moments, and moments on the edges the figures hold to: a message leaving the last 30 days
    (the tail, an unresolved complaint), the first message after the recompute, three weeks' silence."""
    edges: set[float] = set()
    for _, figures in stored[::40]:
        edges.update(at + RECENT_DAYS * DAY for at, _, _ in figures[19][:2])
        edges.update(at + RECENT_DAYS * DAY for at in figures[16][:1])
        if figures[20] is not None:
            edges.add(figures[20])
        if figures[4] is not None:
            edges.add(figures[4] + COLD_MIN_DAYS * DAY)
    return [days * DAY for days in MOMENTS] + sorted(edges)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_classify_as_classify_does(seed: int) -> None:
    stored, histories = _world(seed, 600, 80 * DAY)
    parts = [Columns.of(stored[:250]), Columns.of(stored[250:251]), Columns.of([]), Columns.of(stored[251:])]
    columns = Columns.joined(parts)
    assert columns.person_id.tolist() == [p for p, _ in stored]
    seen: Counter[str] = Counter()
    for now in _moments(stored):
        states = states_at(columns, now)
        for i, (person, figures) in enumerate(stored):
            f = figures_at(person, figures, now)
            assert bool(states.holds[i]) == (f is not None), (person, now)
            if f is None:
                continue
            assert f == figures_of(person, histories[person], now)  # what the audit relies on (test_stored.py)
            s = classify(f, now, explain=False)
            assert bool(states.spoken[i]) == (s.stage != "stranger"), (person, now)
            if not states.spoken[i]:
                continue
            got = (STAGES[states.stage[i]], states.health(i), states.is_advocate[i], states.at_risk[i])
            assert got == (s.stage, s.health, s.is_advocate, s.at_risk), (person, now)
            assert bool(states.is_cold[i]) == s.is_cold, (person, now)
            assert states.health(i) == s.health and type(states.health(i)) is float
            seen.update(k for k, v in (("advocate", s.is_advocate), ("risk", s.at_risk), ("cold", s.is_cold)) if v)
            seen[s.stage] += 1
            seen["held"] += 1
    # the histories reach every branch (else the comparison above proves little)
    assert {"advocate", "risk", "cold", *STAGES} <= set(seen), seen
    assert seen["held"] > 1000


def test_take_keeps_each_persons_lists() -> None:
    stored, _ = _world(4, 200, 80 * DAY)
    columns = Columns.of(stored)
    keep = np.array([i % 3 != 1 for i in range(len(stored))])
    kept = columns.take(keep)
    again = Columns.of([pair for pair, k in zip(stored, keep, strict=True) if k])
    for name in Columns.__slots__:
        assert np.array_equal(getattr(kept, name), getattr(again, name), equal_nan=True), name


def test_health_adds_its_parts_as_python_sum_does() -> None:
    rng = np.random.default_rng(5)
    terms = [rng.random(20_000) * w * 10.0 ** rng.integers(-17, 3, 20_000) for w in (25, 15, 15, 10, 20, 15)]
    got = _python_sum(terms)
    for i in range(20_000):
        assert got[i] == sum(float(t[i]) for t in terms), i
    if sys.version_info >= (3, 12):  # compensated: differs from adding one after another somewhere
        sequential = terms[0].copy()
        for t in terms[1:]:
            sequential += t
        assert (sequential != got).any()


def test_stored_columns_read_the_people_stored_figures_reads(store: Store, workspace: str) -> None:
    """The same people current (and the same figures), the same others, fresh and after a new message; the
    garbage collector as it was (paused only while each batch is decoded)."""
    x = _people(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    ws = _workspace_id(store, workspace)

    def compare() -> int:
        with store.reader() as session:
            figures, others = stored_figures(session, ws)
            columns, column_others = stored_columns(session, ws)
        assert columns.person_id.tolist() == sorted(figures) and column_others == others
        again = Columns.of(sorted(figures.items()))
        for name in Columns.__slots__:
            assert np.array_equal(getattr(columns, name), getattr(again, name), equal_nan=True), name
        return len(columns)

    assert compare() == 5
    ingest(store, x, [msg("one1", text="Hello again", author="oneoff", minutes=60 * DAY_MINUTES)])
    assert compare() == 4
    gc.disable()
    try:
        assert compare() == 4 and not gc.isenabled()
    finally:
        gc.enable()
    assert gc.isenabled()
    with store.session() as session:  # without the triggers nothing stored is trusted: everyone is folded
        drop = "DROP TRIGGER relationship_inputs_triage_up"
        session.execute(text(drop + (" ON triage" if store.dialect == "postgresql" else "")))
        columns, others = stored_columns(session, ws)
        assert len(columns) == 0 and others == stored_figures(session, ws)[1] and len(others) >= 5
        session.rollback()
