"""Train the shipped triage model, reproducibly, from the openly licensed public sets in ../shared/data.

    .venv/bin/python scripts/train_triage.py [--data ../shared/data] [--out src/goodwill/triage/triage_model.npz]

Needs scikit-learn and scipy (training only; the shipped model needs numpy alone). Deterministic: the same
data and library versions give the same weights (fixed seed for the one sampled set, lbfgs solvers).
Never reads the evaluation-only sets (airline, twcs: CC BY-NC-SA) nor TweetEval (per-task licences).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goodwill.triage.training import train  # noqa: E402

DEFAULT_VERSION = "linear-1.4"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared/data folder")
    ap.add_argument("--out", default=str(ROOT / "src" / "goodwill" / "triage" / "triage_model.npz"))
    ap.add_argument("--version", default=DEFAULT_VERSION)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    model = train(args.data, out_path=args.out, version=args.version, seed=args.seed)
    size = Path(args.out).stat().st_size
    print(
        json.dumps(
            {"version": model.version, "vocab": model.meta["vocab"], "training": model.meta["training"]}, indent=2
        )
    )
    print(f"wrote {args.out} ({size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
