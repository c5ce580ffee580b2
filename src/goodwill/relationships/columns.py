"""Stored relationship figures of many people as columns, and their states as of one moment, all at once.

`stored_columns` reads what `goodwill.relationships.stored.stored_figures` reads (the same people, the same
current figures) into numpy arrays, one per figure, instead of one Python list per person. `states_at(columns,
E)` gives, for every person whose stored figures hold at E (`holds`), what `classify(figures_at(...), E)`
gives: the same stage, flags and health score, element by element with the same floating-point operations in
the same order:

- integers (counts) and times are exact in float64 (times are stored as doubles; counts are far below 2**53),
  so `a / b` of two counts is the same double in numpy as in Python;
- the recent window's counts and mood are sums of 0, +1 and -1 (exact in any order), as in `figures_at`;
- `math.exp` for health's recency (numpy's own exp may differ in the last bit), one call per person;
- health's weighted parts are added as Python's `sum()` adds them: one after another before Python 3.12,
  with Neumaier's compensation from 3.12 on (`_python_sum`);
- health is rounded to one decimal by Python's `round` wherever a rounded value is read (numpy's rounding
  differs); the median of rounded values is the rounded median, as rounding never reorders.

tests/relationships/test_columns.py compares both, person by person, over randomised histories and moments.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from goodwill.domain.enums import Stage
from goodwill.relationships import stored as st
from goodwill.relationships.figures import DAY, RECENT_DAYS
from goodwill.relationships.state import (
    ACTIVE_SPAN_DAYS,
    ADVOCACY_MIN,
    COLD_MIN_DAYS,
    KNOWN_BEFORE,
    WEIGHTS,
)

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
STAGES = (Stage.ADVOCATE.value, Stage.AWARE.value, Stage.CONVERSING.value, Stage.RELATIONSHIP.value)
_ADVOCATE, _AWARE, _CONVERSING, _RELATIONSHIP = range(4)
# the positions in `stored.dump`'s list (FORMAT 1) of the figures read here
_COUNTS = {
    "inbound": 1,
    "outbound": 2,
    "conversations": 6,
    "praise": 7,
    "recommendations": 9,
    "complaints": 10,
    "their_turns": 12,
    "we_answered": 13,
    "our_turns": 14,
    "they_answered": 15,
    "newest_seen": 21,
}
_TIMES = {"first_at": 3, "last_inbound_at": 4, "last_outbound_at": 5, "mood": 18, "next_at": 20}  # None: NaN
_UNRESOLVED, _TAIL = 16, 19


@dataclass(slots=True)
class Columns:
    """One element per person; the lists (unresolved complaints, the recent tail) flattened, with their
    owner's position. Times are seconds since 1970, NaN for none."""

    person_id: Ints
    inbound: Ints
    outbound: Ints
    conversations: Ints
    praise: Ints
    recommendations: Ints
    complaints: Ints
    their_turns: Ints
    we_answered: Ints
    our_turns: Ints
    they_answered: Ints
    newest_seen: Ints
    first_at: Floats
    last_inbound_at: Floats
    last_outbound_at: Floats
    mood: Floats
    next_at: Floats
    unresolved_owner: Ints
    unresolved_at: Floats
    tail_owner: Ints
    tail_at: Floats
    tail_score: Floats
    tail_complaint: Floats

    def __len__(self) -> int:
        return len(self.person_id)

    @classmethod
    def of(cls, people: Sequence[tuple[int, list[Any]]]) -> Columns:
        """From (person, `dump`'s list) pairs of FORMAT 1 (others are the caller's to leave out)."""
        n = len(people)
        lists = [stored for _, stored in people]
        by_field = list(zip(*lists, strict=True)) if lists else [()] * st.LENGTH
        values: dict[str, Any] = {"person_id": np.fromiter((p for p, _ in people), np.int64, n)}
        for name, at in _COUNTS.items():
            values[name] = np.array(by_field[at], dtype=np.int64).reshape(n)
        for name, at in _TIMES.items():
            values[name] = np.array(by_field[at], dtype=np.float64).reshape(n)
        owners = np.arange(n, dtype=np.int64)
        unresolved = by_field[_UNRESOLVED]
        values["unresolved_owner"] = np.repeat(owners, np.fromiter(map(len, unresolved), np.int64, n))
        values["unresolved_at"] = np.fromiter(chain.from_iterable(unresolved), np.float64)
        tail = by_field[_TAIL]
        values["tail_owner"] = np.repeat(owners, np.fromiter(map(len, tail), np.int64, n))
        flat = np.fromiter(chain.from_iterable(chain.from_iterable(tail)), np.float64).reshape(-1, 3)
        values["tail_at"], values["tail_score"], values["tail_complaint"] = flat[:, 0], flat[:, 1], flat[:, 2]
        return cls(**values)

    @classmethod
    def joined(cls, parts: Sequence[Columns]) -> Columns:
        """One after the other (the owners of each part's lists moved past the people before it)."""
        if not parts:
            return cls.of([])
        offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
        values = {f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        for owner in ("unresolved_owner", "tail_owner"):
            values[owner] = np.concatenate([getattr(p, owner) + at for p, at in zip(parts, offsets, strict=True)])
        return cls(**values)

    def take(self, keep: Bools) -> Columns:
        """Only the people where `keep` is true (the flattened lists follow their owners)."""
        position = np.cumsum(keep) - 1  # the new position of each kept person
        values: dict[str, Any] = {}
        for f in fields(self):
            name = f.name
            column = getattr(self, name)
            if name.startswith(("unresolved_", "tail_")):
                owner = getattr(self, name.split("_")[0] + "_owner")
                kept = keep[owner]
                values[name] = position[owner[kept]] if name.endswith("_owner") else column[kept]
            else:
                values[name] = column[keep]
        return Columns(**values)


def stored_columns(session: Session, workspace_id: int) -> tuple[Columns, set[int]]:
    """`stored.stored_figures` as columns: the current stored figures (of FORMAT 1), and every other person
    who may have messages (to be folded from them)."""
    people = st.everyone(session, workspace_id)
    if not st.counting(session):
        return Columns.of([]), people

    def keep(batch: list[tuple[int, list[Any]]]) -> Columns:
        return Columns.of([(p, stored) for p, stored in batch if stored[0] == st.FORMAT])

    columns = Columns.joined(list(st.current_batches(session, workspace_id, keep)))
    ids = columns.person_id.tolist()
    newer = st.written_since(session, dict(zip(ids, columns.newest_seen.tolist(), strict=True)))
    if newer:
        columns = columns.take(~np.isin(columns.person_id, np.fromiter(newer, np.int64, len(newer))))
        ids = columns.person_id.tolist()
    people.update(ids)
    return columns, people - set(ids)


@dataclass(slots=True)
class States:
    """The states as of one moment, one element per person of the Columns (read only where `holds`)."""

    holds: Bools  # the stored figures give the fold's as of the moment (else: fold the person)
    spoken: Bools  # a message up to the moment (else no stage, health or flag: `classify` says stranger)
    stage: Ints  # an index into STAGES
    score: Floats  # health before rounding: round(float(score), 1) is classify's health
    is_advocate: Bools
    at_risk: Bools
    is_cold: Bools

    def health(self, index: int) -> float:
        return round(float(self.score[index]), 1)


def states_at(c: Columns, now: float) -> States:
    """The state of each person as of `now` (see the module doc), and whether their stored figures hold then:
    no message of theirs between the recompute and `now` (`stored.figures_at`)."""
    n = len(c)
    holds = ~(c.next_at <= now) & ~(c.last_inbound_at > now) & ~(c.last_outbound_at > now)  # NaN: none
    recent_from = now - RECENT_DAYS * DAY
    in_window = c.tail_at >= recent_from
    owner = c.tail_owner[in_window]
    said_recent = np.bincount(owner, minlength=n).astype(np.int64)
    mood_recent = np.bincount(owner, weights=c.tail_score[in_window], minlength=n)
    recent_complaints = np.bincount(owner, weights=c.tail_complaint[in_window], minlength=n)
    mood_before = c.mood - mood_recent
    said_before = c.inbound - said_recent
    open_recent = np.bincount(c.unresolved_owner[c.unresolved_at >= recent_from], minlength=n)
    unresolved = np.bincount(c.unresolved_owner, minlength=n)

    advocate = (c.recommendations >= 1) & (c.praise >= ADVOCACY_MIN) & (c.praise >= 2 * c.complaints)

    # _risk: sentiment of the last 30 days below the one before, for someone known before them
    recent = _ratio(mood_recent, said_recent, 0.0)
    before = _ratio(mood_before, said_before, 0.0)
    at_risk = (
        (recent_complaints > 0)
        & (said_recent > 0)
        & (said_before > 0)
        & (recent < before)
        & (said_before >= KNOWN_BEFORE)
        & ((open_recent > 0) | (recent_complaints >= 2) | (recent <= before - 0.5))
    )

    # _cold and _stage: the span of their messages, in days
    span = (c.last_inbound_at - c.first_at) / DAY  # NaN without an inbound message
    gap = span / np.maximum(c.conversations - 1, 1)
    silent = (now - c.last_inbound_at) / DAY
    cold = (c.conversations >= 3) & (c.we_answered != 0) & (span >= ACTIVE_SPAN_DAYS)
    cold &= ~(silent < np.maximum(float(COLD_MIN_DAYS), 3 * gap))
    relationship = (c.conversations >= 3) & (c.we_answered >= 2) & (span >= 14)
    stage = np.where(relationship, _RELATIONSHIP, _CONVERSING)
    stage = np.where((c.inbound == 0) | (c.outbound == 0), _AWARE, stage)
    stage = np.where(advocate, _ADVOCATE, stage)

    # _health: the parts in WEIGHTS' order
    last = np.fmax(c.last_inbound_at, c.last_outbound_at)
    since = np.maximum(0.0, (now - last) / DAY)
    exp = math.exp
    recency = np.fromiter((0.0 if x != x else exp(x) for x in (-since / 30.0).tolist()), np.float64, n)
    said = said_recent + said_before
    parts = {
        "recency": recency,
        "frequency": np.minimum(1.0, said_recent / 4.0),
        "we_answer": _ratio(c.we_answered, c.their_turns, 0.5),
        "they_answer": _ratio(c.they_answered, c.our_turns, 0.5),
        "sentiment": (_ratio(mood_recent + mood_before, said, 0.0) + 1.0) / 2.0,
        "no_open_complaints": np.where(unresolved > 0, 0.0, 1.0),
    }
    score = _python_sum([WEIGHTS[k] * v for k, v in parts.items()])
    spoken = (c.inbound > 0) | (c.outbound > 0)
    return States(holds, spoken, stage.astype(np.int64), score, advocate, at_risk, cold)


def _ratio(top: NDArray[Any], bottom: NDArray[Any], otherwise: float) -> Floats:
    """top / bottom where bottom is not 0, else `otherwise` (Python's `a / b if b else otherwise`)."""
    out = np.full(len(top), otherwise, dtype=np.float64)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


def _python_sum(terms: Sequence[Floats]) -> Floats:
    """Python's `sum()` of the terms (non-negative floats, one array per term), element by element."""
    total = terms[0].copy()
    if sys.version_info < (3, 12):
        for x in terms[1:]:
            total += x
        return total
    compensation = np.zeros_like(total)  # 3.12 on: Neumaier's compensated sum, then the compensation added
    for x in terms[1:]:
        t = total + x
        compensation += np.where(np.abs(total) >= np.abs(x), (total - t) + x, (x - t) + total)
        total = t
    return total + compensation
