"""The classifier's figures in docs/publishing.md are the ones benchmarks/mix_eval.py computes now."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import shared_file

ROOT = Path(__file__).resolve().parents[2]


def _eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mix_eval", ROOT / "benchmarks" / "mix_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mix_eval"] = module
    spec.loader.exec_module(module)
    return module


def test_the_documented_figures_hold() -> None:
    mix_eval = _eval()
    data = shared_file("data/twcs/twcs_head5000.csv").parents[1]
    sample = mix_eval.evaluate_sample(mix_eval.load_sample(data))
    demo = mix_eval.evaluate_demo()
    broadcast = sample["broadcast"]
    assert (broadcast["n"], broadcast["category_accuracy"], broadcast["kind_accuracy"]) == (21, 0.571, 0.619)
    assert (broadcast["promotional"]["true_positives"], broadcast["promotional"]["false_positives"]) == (1, 1)
    assert sample["reply"]["promotional"]["false_positives"] == 0
    assert (demo["n"], demo["category_accuracy"], demo["promotional"]["recall"]) == (212, 0.976, 1.0)
    docs = (ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")
    for figure in ("57.1%", "61.9%", "97.6%", "4.8%", "47.6%"):
        assert figure in docs
