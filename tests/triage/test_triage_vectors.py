"""The package's own word vectors (PPMI + SVD, trained at training time) and the severity head's vector inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from goodwill.triage import training
from goodwill.triage.features import EMOJI_VALENCE, message_features, norm_tokens
from goodwill.triage.model import TriageModel
from goodwill.triage.vectors import WordVectors, train_vectors

pytest.importorskip("sklearn")


def test_words_in_the_same_contexts_get_close_vectors() -> None:
    rng = np.random.default_rng(0)
    pets, money = ["cat", "dog", "hamster", "rabbit"], ["refund", "charge", "fee", "payment"]
    texts = []
    for _ in range(400):
        texts.append(["my", str(rng.choice(pets)), "is", "sleeping", "on", "the", "sofa", "again"])
        texts.append(["the", "bank", "took", "a", str(rng.choice(money)), "from", "my", "account"])
    words, vec = train_vectors(texts, 4)
    idx = {w: i for i, w in enumerate(words)}
    assert vec.shape == (len(words), 4)
    assert np.allclose(np.linalg.norm(vec, axis=1), 1.0, atol=1e-5)
    assert vec[idx["cat"]] @ vec[idx["dog"]] > vec[idx["cat"]] @ vec[idx["refund"]] + 0.5
    assert vec[idx["fee"]] @ vec[idx["payment"]] > vec[idx["fee"]] @ vec[idx["hamster"]] + 0.5


def test_too_few_words_give_no_vectors() -> None:
    words, vec = train_vectors([["a", "b"]] * 5, 50)
    assert words == [] and vec.shape == (0, 50)


def test_message_vectors_are_unit_means_and_zero_when_nothing_is_known() -> None:
    wv = WordVectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    out = wv.message_vectors([["a", "b", "zzz"], ["zzz"], [], ["b", "b"]])
    assert np.allclose(out, [[0.70710677, 0.70710677], [0, 0], [0, 0], [0, 1]])


def test_norm_tokens_are_the_feature_tokens() -> None:
    texts = ["@Acme I've been WAITING soooo long!!! #fail 😡 http://x.co/a", "", "ñ 123,4 don't ... ?? <3", "A" * 3000]
    cache: dict[str, str] = {}
    for t in texts:
        assert norm_tokens(t, cache) == message_features(t, {})[2]


def test_severity_vectors_are_learned_saved_and_used_at_run_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(training, "SEVERITY_VECTOR_DIM", 3)
    corpora = {name: training.Corpus() for name in training.HEAD_SPECS}
    corpora[training.UNLABELLED] = training.Corpus()
    rows = [
        ("my parcel is late can you check", 0),
        ("so disappointed with the late parcel", 1),
        ("you lost my parcel and charged me twice", 2),
        ("useless company you lost my parcel shame", 3),
    ]
    for t, sev in rows * 4:
        corpora["severity"].add(t, sev)
        corpora["complaint"].add(t, 1)
        corpora["complaint"].add("what a lovely day with the family " + t.split()[-1], 0)
    for t in ["the parcel was late again", "you lost my order", "so disappointed and useless"] * 4:
        corpora[training.UNLABELLED].add(t, 0.0, 0.0)
    model = training.fit(
        corpora, dict(EMOJI_VALENCE), heads=["complaint", "severity"], min_df_w=1, min_df_c=1, version="tiny-vectors"
    )
    assert model.severity_vectors is not None and model.severity_vector_weights is not None
    assert model.severity_vector_weights.shape == (3, 4)
    assert "useless" in model.severity_vectors.index  # a word of the unlabelled texts has a vector
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = TriageModel.load(path)
    assert loaded.severity_vectors is not None and loaded.severity_vector_weights is not None
    assert loaded.severity_vectors.words == model.severity_vectors.words
    texts = [t for t, _ in rows]
    # run time (complaints only): the tokens of the encoded batch give the training-time message vectors
    s = loaded.score(texts)
    batch_tokens = [s.batch.tokens(i) for i in range(len(texts))]
    assert batch_tokens == [norm_tokens(t) for t in texts]
    without = TriageModel.load(path)
    without.severity_vectors = None
    s0 = without.score(texts)
    h = loaded.heads["severity"]
    complaint = s.logits[:, loaded.heads["complaint"].start] > 0
    assert complaint.any()
    expected = loaded.severity_vectors.message_vectors(batch_tokens) @ loaded.severity_vector_weights
    diff = s.logits[:, h.start : h.stop] - s0.logits[:, h.start : h.stop]
    assert np.allclose(diff[complaint], expected[complaint], atol=1e-4)
    assert np.allclose(diff[~complaint], 0.0)


def test_shipped_model_run_time_vectors_match_the_training_definition() -> None:
    model = TriageModel.load()
    assert model.severity_vectors is not None and model.severity_vector_weights is not None
    texts = [
        "@acme you lost my parcel AGAIN, useless!!! 😡",
        "",
        "still waiting on my refund… http://x.co/1",
        "qzxvj wkpfz",
        "disappointed disappointed disappointed",
    ]
    s = model.score(texts)
    ends = np.append(s.batch.coff[1:], s.batch.cflat.size)
    rows = np.arange(len(texts))
    got = model.severity_vectors.segment_vectors(s.batch.vrows, s.batch.coff[rows], ends[rows])
    want = model.severity_vectors.message_vectors([norm_tokens(t) for t in texts])
    assert np.allclose(got, want, atol=1e-6)
    assert np.abs(got[0]).sum() > 0 and np.abs(got[1]).sum() == 0 and np.abs(got[3]).sum() == 0
