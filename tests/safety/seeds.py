"""Small valid files of every importer's format, to mutate: goodwill's JSONL and CSV (the test world), the
first records of the real Kaggle TWCS sample and of the real IBM customer-care threads."""

from __future__ import annotations

import csv
import io
import json
from functools import cache

from goodwill.connectors.files.generic import FIELDS
from tests.conftest import shared_file
from tests.safety.world import WORLD


@cache
def seed(fmt: str) -> bytes:
    if fmt == "jsonl":
        return "".join(json.dumps(r) + "\n" for r in WORLD).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(FIELDS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(WORLD)
        return out.getvalue().encode()
    if fmt == "twcs":
        with shared_file("data/twcs/twcs_head5000.csv").open(newline="", encoding="utf-8") as handle:
            rows = [row for _, row in zip(range(31), csv.reader(handle), strict=False)]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode()
    if fmt == "ibm-customer-care":
        threads = json.loads(shared_file("data/customer-care/ibm_dev.json").read_text())[:4]
        return json.dumps(threads, indent=4).encode()
    raise ValueError(fmt)


def records(fmt: str) -> list[object]:
    """The seed's records as values, for structural mutations (None for the CSV formats)."""
    data = seed(fmt)
    if fmt == "jsonl":
        return [json.loads(line) for line in data.splitlines()]
    if fmt == "ibm-customer-care":
        return list(json.loads(data))
    return list(csv.reader(io.StringIO(data.decode())))
