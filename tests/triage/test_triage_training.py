"""Retraining API on a tiny corpus (needs scikit-learn, the optional training dependency)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from goodwill.triage.classifier import classify_batch
from goodwill.triage.features import EMOJI_VALENCE
from goodwill.triage.model import TriageModel
from goodwill.triage.training import HEAD_SPECS, Corpus, Example, add_examples, addressed, fit

pytest.importorskip("sklearn")


def _tiny_corpora() -> dict[str, Corpus]:
    bad = ["worst service ever", "my order never arrived", "still waiting for my refund", "broken again, awful"]
    good = ["thanks a lot", "love the new app", "great job team", "what time do you open"]
    corpora = {name: Corpus() for name in HEAD_SPECS}
    for t in bad * 3:
        corpora["complaint"].add(t, 1)
        corpora["severity"].add(t, 3)
        corpora["sentiment"].add(t, 0)
        corpora["valence"].add(t, -0.6)
        corpora["spam"].add(t, 0)
        corpora["question"].add(t, 0)
    for t in good * 3:
        corpora["complaint"].add(t, 0)
        corpora["severity"].add(t, 0)
        corpora["sentiment"].add(t, 2)
        corpora["valence"].add(t, 0.6)
        corpora["spam"].add(t, 1 if t == "great job team" else 0)
        corpora["question"].add(t, 1 if "what" in t else 0)
    return corpora


def test_fit_save_load_round_trip(tmp_path: Path) -> None:
    lexicon = dict(EMOJI_VALENCE, awful=-2.0, great=3.0)
    model = fit(_tiny_corpora(), lexicon, min_df_w=1, min_df_c=1, version="tiny-test")
    texts = ["worst service, still waiting", "love it, thanks", "", "ñ"]
    before = [r.as_dict() for r in classify_batch(texts, model)]
    assert before[0]["complaint"] and not before[1]["complaint"]
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = TriageModel.load(path)
    after = [r.as_dict() for r in classify_batch(texts, loaded)]
    for a, b in zip(before, after, strict=True):  # float16 weights: same labels, near-equal scores
        assert a["complaint"] == b["complaint"] and a["sentiment"] == b["sentiment"] and a["intent"] == b["intent"]
        assert abs(a["complaint_probability"] - b["complaint_probability"]) < 0.01
    assert loaded.version == "tiny-test"


def test_severity_cue_weights_are_learned_and_saved(tmp_path: Path) -> None:
    corpora = _tiny_corpora()
    corpora["severity"] = Corpus()
    for t, sev in [
        ("my parcel is late, can you check", 0),
        ("so disappointed with the delivery", 1),
        ("you charged me twice for one order", 2),
        ("useless company, shame on you, never again", 3),
    ] * 3:
        corpora["severity"].add(t, sev)
    model = fit(corpora, dict(EMOJI_VALENCE), min_df_w=1, min_df_c=1, version="tiny-cues")
    assert model.severity_cue_weights is not None and model.severity_cue_weights.shape == (3, 4)
    # the blame family pushes toward severity 4 more than toward 1
    assert model.severity_cue_weights[2, 3] > model.severity_cue_weights[2, 0]
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = TriageModel.load(path)
    assert loaded.severity_cue_weights is not None
    assert abs(loaded.severity_cue_weights - model.severity_cue_weights).max() < 1e-6
    assert loaded.severity_cue_names("useless, never again, you charged me twice") == ["accusation", "blame"]


def test_corrections_are_added_to_the_heads_they_inform() -> None:
    corpora = _tiny_corpora()
    n_before = {k: len(c.texts) for k, c in corpora.items()}
    used = add_examples(
        corpora,
        [
            Example("the app logs me out every day", complaint=True, severity=2, sentiment="negative"),
            Example("buy cheap followers now", intent="spam"),
            Example("", complaint=True),
        ],
    )
    assert used == 2
    assert len(corpora["complaint"].texts) == n_before["complaint"] + 2
    assert len(corpora["severity"].texts) == n_before["severity"] + 1
    assert corpora["spam"].labels[-1] == 1
    assert corpora["complaint"].sources["corrections"] == 2


def test_evaluate_reports_agreement_per_label() -> None:
    from goodwill.triage.classifier import get_model
    from goodwill.triage.training import evaluate

    held_back = [
        Example("@acme worst service ever, my order never arrived", complaint=True, sentiment="negative"),
        Example("thank you so much, love it!", complaint=False, sentiment="positive", intent="praise"),
        Example("", complaint=True),
    ]
    figures = evaluate(get_model(), held_back)
    assert figures["complaint"]["n"] == 2
    assert figures["complaint"]["accuracy"] == 1.0
    assert figures["complaint"]["macro_f1"] == 1.0
    assert figures["sentiment"]["accuracy"] == 1.0
    assert figures["intent"]["n"] == 1
    assert evaluate(get_model(), []) == {}


def test_every_other_request_is_written_to_an_invented_account() -> None:
    rng = random.Random(1)
    texts = [addressed(f"can I change my card {i}?", rng) for i in range(400)]
    with_handle = [t for t in texts if t.startswith("@")]
    assert 150 < len(with_handle) < 250  # about half
    handles = {t.split(" ", 1)[0] for t in with_handle}
    assert len(handles) > 0.9 * len(with_handle)  # invented one by one: only the fact of a mention is learned
    assert all(t.split(" ", 1)[1].startswith("can I change my card") for t in with_handle)
    again = random.Random(1)
    assert texts == [addressed(f"can I change my card {i}?", again) for i in range(400)]  # reproducible
