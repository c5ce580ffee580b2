"""Coverage-guided fuzzing (atheris, libFuzzer) of every file importer's reader, for a fixed time each.

The property: a reader turns any bytes into records and BadRecords (each naming its file and line) and never
raises; every record it yields passes the model's contract (`NormalisedMessage.validate`). Seeds are small
valid files of each format (goodwill's JSONL and CSV, the first records of the real TWCS and IBM files in
../shared/data). The bounded hypothesis tests in tests/safety run on every test run; this runs longer.

    .venv/bin/pip install atheris                                   # the `fuzz` extra
    nice -n 10 .venv/bin/python scripts/fuzz_importers.py --seconds 60           # every format, 60 s each
    .venv/bin/python scripts/fuzz_importers.py --format twcs --seconds 600       # one format, longer

Prints, per format: executions, coverage (libFuzzer's cov/ft), crashes (saved under --artifacts).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FORMATS = ("jsonl", "csv", "twcs", "ibm-customer-care")
SHARED = Path(os.environ.get("GOODWILL_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))


def seed(fmt: str) -> bytes:
    record = {
        "network": "x",
        "channel": "acme",
        "id": "m1",
        "direction": "in",
        "author_id": "100",
        "author_handle": "bob",
        "created_at": "2026-03-01T10:01:00Z",
        "text": "@acme my order never came",
    }
    reply = {**record, "id": "m2", "direction": "out", "author_id": "1", "parent_id": "m1", "text": "@bob sorry"}
    dm = {**record, "id": "m3", "dm_conversation_id": "dm-1", "author_followers": "12", "text": "hi"}
    if fmt == "jsonl":
        return "".join(json.dumps(r) + "\n" for r in (record, reply, dm)).encode()
    if fmt == "csv":
        out = io.StringIO()
        fields = [*record, "parent_id", "dm_conversation_id", "author_followers"]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows([record, reply, dm])
        return out.getvalue().encode()
    if fmt == "twcs":
        with (SHARED / "data/twcs/twcs_head5000.csv").open(newline="", encoding="utf-8") as handle:
            rows = [row for _, row in zip(range(21), csv.reader(handle), strict=False)]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode()
    threads = json.loads((SHARED / "data/customer-care/ibm_dev.json").read_text())[:3]
    return json.dumps(threads, indent=2).encode()


def fuzz_one(fmt: str) -> None:
    """Run inside the libFuzzer process (never returns)."""
    import atheris

    with atheris.instrument_imports():
        from goodwill.connectors.files import base, generic, ibm, twcs  # noqa: F401
        from goodwill.domain import message  # noqa: F401
    from goodwill.connectors.files.base import BadRecord, Record
    from goodwill.connectors.files.importer import _reader

    reader = _reader(fmt)
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - mkdtemp makes a private folder in it
    path = Path(tempfile.mkdtemp(dir=shm)) / "input"

    def one_input(data: bytes) -> None:
        path.write_bytes(data)
        for item in reader(path):
            if isinstance(item, BadRecord):
                assert item.path == str(path) and item.line >= 1 and f"line {item.line}" in str(item), item
            else:
                assert isinstance(item, Record)
                item.message.validate()

    atheris.Setup(sys.argv[:1] + sys.argv[sys.argv.index("--libfuzzer") + 1 :], one_input)
    atheris.Fuzz()


def campaign(formats: list[str], seconds: int, artifacts: Path) -> int:
    artifacts.mkdir(parents=True, exist_ok=True)
    failed = 0
    print(f"{'format':<20} {'seconds':>7} {'executions':>11} {'exec/s':>7} {'cov':>6} {'ft':>6}  crashes")
    for fmt in formats:
        corpus = Path(tempfile.mkdtemp(prefix=f"corpus-{fmt}-"))
        (corpus / "seed").write_bytes(seed(fmt))
        argv = [sys.executable, __file__, "--format", fmt, "--libfuzzer", str(corpus)]
        argv += [f"-max_total_time={seconds}", "-print_final_stats=1", f"-artifact_prefix={artifacts}/{fmt}-"]
        argv += ["-max_len=8192", "-rss_limit_mb=2048"]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
        log = done.stderr
        executed = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
        cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
        crashed = done.returncode != 0
        failed += crashed
        runs = int(executed.group(1)) if executed else 0
        last = cov[-1] if cov else ("?", "?")
        print(
            f"{fmt:<20} {seconds:>7} {runs:>11} {runs // max(seconds, 1):>7} {last[0]:>6} {last[1]:>6}  "
            f"{'YES: see ' + str(artifacts) if crashed else 'none'}"
        )
        if crashed:
            print("\n".join(log.splitlines()[-40:]))
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=FORMATS, action="append", help="A format to fuzz (default: all).")
    parser.add_argument("--seconds", type=int, default=60, help="Time per format.")
    parser.add_argument("--artifacts", type=Path, default=Path("fuzz-artifacts"), help="Where crashes are saved.")
    parser.add_argument("--libfuzzer", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.libfuzzer:
        fuzz_one(args.format[0])
    sys.exit(campaign(args.format or list(FORMATS), args.seconds, args.artifacts))


if __name__ == "__main__":
    main()
