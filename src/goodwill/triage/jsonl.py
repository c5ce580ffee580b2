"""Triage of JSON Lines files (`goodwill triage --in IN.jsonl --out OUT.jsonl`), streamed in batches.

Each input line is a JSON object with ``id`` (a string or an integer) and ``text`` (a string); its other
fields are kept. The output line is the same object with the labels added (`TriageResult.as_dict`:
complaint, complaint_probability, intent, sentiment, sentiment_score, severity, needs_reply, priority,
language, evidence, and the reason, confidence flag and model version). Optional author facts on a line
(``followers``, ``vip``, ``at_risk``, ``advocate``, ``waited_minutes``) raise its priority as in the inbox
(`prioritise`), with the points of each part in ``evidence["priority"]``. Blank lines are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

import orjson

from goodwill.domain.triage import TriageResult
from goodwill.triage.classifier import prioritise

BATCH = 500
AUTHOR_FIELDS = ("followers", "vip", "at_risk", "advocate", "waited_minutes")
Classifier = Callable[[Sequence[str]], list[TriageResult]]


class BadLine(ValueError):
    """One input line that cannot be triaged; says where and why."""

    def __init__(self, name: str, line: int, problem: str) -> None:
        super().__init__(f"{name}, line {line}: {problem}")
        self.name = name
        self.line = line
        self.problem = problem

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.name, "line": self.line, "problem": self.problem}


@dataclass(slots=True)
class Line:
    number: int
    record: dict[str, Any]


def _check(name: str, number: int, raw: bytes) -> Line | BadLine:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return BadLine(name, number, f"not valid JSON ({exc})")
    if not isinstance(record, dict):
        return BadLine(name, number, 'each line must be a JSON object with "id" and "text"')
    if "id" not in record:
        return BadLine(name, number, 'field "id" is missing')
    if not isinstance(record["id"], str | int) or isinstance(record["id"], bool) or record["id"] == "":
        return BadLine(name, number, 'field "id" must be a non-empty string or an integer')
    if not isinstance(record.get("text"), str):
        return BadLine(name, number, 'field "text" is missing or not a string')
    for key in ("followers", "waited_minutes"):
        value = record.get(key)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
            return BadLine(name, number, f'field "{key}" must be a number >= 0')
    for key in ("vip", "at_risk", "advocate"):
        if record.get(key) is not None and not isinstance(record[key], bool):
            return BadLine(name, number, f'field "{key}" must be true or false')
    return Line(number, record)


def read_lines(handle: IO[bytes], name: str) -> Iterator[Line | BadLine]:
    """Each non-blank line of ``handle``, parsed and checked, or the reason it cannot be taken."""
    for number, raw in enumerate(handle, start=1):
        if raw.strip():
            yield _check(name, number, raw)


def label_lines(lines: Iterable[Line], classify: Classifier, *, batch_size: int = BATCH) -> Iterator[bytes]:
    """The output lines (JSON, with a newline), one per input line, in order, classified a batch at a time."""
    iterator = iter(lines)
    while batch := list(islice(iterator, batch_size)):
        results = classify([line.record["text"] for line in batch])
        for line, result in zip(batch, results, strict=True):
            labels = result.as_dict()
            record = line.record
            if any(record.get(key) is not None for key in AUTHOR_FIELDS):
                labels["priority"], labels["evidence"]["priority"] = prioritise(
                    result,
                    followers=record.get("followers"),
                    vip=bool(record.get("vip")),
                    at_risk=bool(record.get("at_risk")),
                    advocate=bool(record.get("advocate")),
                    waited_minutes=float(record.get("waited_minutes") or 0.0),
                )
            yield orjson.dumps({**record, **labels}) + b"\n"
