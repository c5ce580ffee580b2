"""Training of the linear triage heads (needs the optional ``scikit-learn`` and ``scipy``; inference does not).

Only data whose licence allows shipping a model derived from it is read here (see docs/model-card.md):

| head      | data (licence)                                                                                     |
|-----------|----------------------------------------------------------------------------------------------------|
| complaint | complaints/xci.csv (MIT)                                                                           |
| severity  | xci.csv complaints, Severity 1-4 (MIT)                                                             |
| sentiment | xci.csv sentiment (MIT); VADER ground-truth tweets and snippets, mean rating banded (MIT)          |
| valence   | VADER ground-truth tweets and snippets, mean rating / 4 (MIT)                                      |
| spam      | sms-spam (CC BY 4.0) against ham from sms-spam, xci, VADER tweets, banking77, bitext              |
| question  | banking77 (CC BY 4.0), bitext (CDLA-Sharing-1.0), half with an invented handle in front (`addressed`), |
|           | xci brand rows with "?" against statements                                                         |

The severity head's word vectors (`vectors`, PPMI + SVD) are trained here too, from texts alone: xci, the VADER
tweets, CESAMARD reviews (MIT) and the customer messages of the IBM customer-care threads (Apache-2.0).

The airline and twcs sets (CC BY-NC-SA) and the TweetEval sets (licence per SemEval task, some "do not
redistribute") are never read here: they are for evaluation only.

Corrections made by a teammate are extra labelled examples (`Example`) added to the heads they inform.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.triage.features import SEVERITY_CUES, load_lexicon, message_features, norm_tokens, severity_cues
from goodwill.triage.model import Head, TriageModel
from goodwill.triage.vectors import WordVectors, train_vectors

SENTIMENT_LABELS = ["negative", "neutral", "positive"]
SEVERITY_LABELS = ["1", "2", "3", "4"]  # 1 no explicit reproach, 2 disapproval, 3 accusation, 4 blame

# head name -> (kind, labels, regularisation); kind: binary logistic, multi logistic or ridge regression
HEAD_SPECS: dict[str, tuple[str, list[str], float]] = {
    "complaint": ("binary", ["complaint"], 10.0),
    "severity": ("multi", SEVERITY_LABELS, 0.3),
    "sentiment": ("multi", SENTIMENT_LABELS, 1.0),
    "valence": ("ridge", ["valence"], 1.0),
    "spam": ("binary", ["spam"], 10.0),
    "question": ("binary", ["question"], 3.0),
}
# heads fitted on the word block alone (their character-block weights stay 0): severity is about what is said
# (reproach, accusation, blame), and character n-grams (handles, spellings) only let it overfit its ~860 complaints
WORD_ONLY_HEADS = frozenset({"severity"})
# heads that also get the severity cue families of `features.severity_cues` as inputs
CUE_HEADS = frozenset({"severity"})
# the severity head's word-vector inputs (`vectors`): PPMI-SVD dimensions, and the scale of the unit message vector
# beside the L2-normalised word block (0 dimensions: no vectors). Chosen by nested cross-validation (model card).
SEVERITY_VECTOR_DIM = 50
SEVERITY_VECTOR_SCALE = 0.5
UNLABELLED = "unlabelled"  # corpora key of the texts used only to train the word vectors (no labels, no head)
VADER_NEUTRAL_BAND = 0.5  # |mean rating| < 0.5 on the -4..4 scale counts as neutral


@dataclass(slots=True)
class Corpus:
    """Training examples for one head: texts, labels (class index, or a float for ridge) and weights."""

    texts: list[str] = field(default_factory=list)
    labels: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)

    def add(self, text: str, label: float, weight: float = 1.0, source: str = "") -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.weights.append(weight)
        self.sources[source] += 1


@dataclass(slots=True)
class Example:
    """One labelled message, e.g. a teammate's correction. Leave unknown labels as None."""

    text: str
    complaint: bool | None = None
    severity: int | None = None  # 1-4 when a complaint
    sentiment: str | None = None  # negative / neutral / positive
    intent: str | None = None  # an Intent value


# ---------------------------------------------------------------------------------------------- data loading
def read_xci(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "complaints" / "xci.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_vader(data_dir: Path, name: str) -> list[tuple[str, float]]:
    out = []
    with open(data_dir / "vader" / name, encoding="latin-1") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                out.append((parts[2], float(parts[1])))
    return out


def read_lexicon(data_dir: Path) -> dict[str, float]:
    with open(data_dir / "vader" / "vader_sentiment_lexicon.txt", encoding="latin-1") as f:
        return load_lexicon(f)


def read_sms(data_dir: Path) -> list[tuple[str, int]]:
    out = []
    with open(data_dir / "sms-spam" / "SMSSpamCollection.tsv", encoding="utf-8", errors="replace") as f:
        next(f)
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            if label in ("ham", "spam"):
                out.append((text, int(label == "spam")))
    return out


def read_banking(data_dir: Path) -> list[str]:
    with open(data_dir / "banking77" / "train.csv", encoding="utf-8", newline="") as f:
        return [r["text"] for r in csv.DictReader(f)]


def read_bitext(data_dir: Path) -> list[tuple[str, str]]:
    with open(data_dir / "bitext" / "bitext_4514.csv", encoding="utf-8", newline="") as f:
        return [(r["instruction"], r["intent"]) for r in csv.DictReader(f)]


def read_unlabelled(data_dir: Path) -> list[str]:
    """Texts read only to train the word vectors, besides xci and the VADER tweets: CESAMARD review titles and
    texts (MIT) and the customer messages of the IBM customer-care threads (Apache-2.0). Missing files are skipped.
    """
    out: list[str] = []
    path = data_dir / "complaints" / "cesamard_aspect.csv"
    if path.exists():
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                out.append((r.get("Title") or "") + " . " + (r.get("Review_S") or "").replace("\\n", " "))
    path = data_dir / "customer-care" / "ibm_dev.json"
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for thread in json.load(f):
                out += [d["message"] for d in thread.get("dialogContent", []) if d.get("message")]
    return out


def sentiment_class(mean: float) -> int:
    return 0 if mean <= -VADER_NEUTRAL_BAND else 2 if mean >= VADER_NEUTRAL_BAND else 1


def is_brand_directed(row: dict[str, str]) -> bool:
    return not row["domain"].startswith("random")


def build_corpora(
    data_dir: Path,
    *,
    xci_rows: Sequence[dict[str, str]] | None = None,
    vader_tweets: Sequence[tuple[str, float]] | None = None,
    seed: int = 0,
) -> dict[str, Corpus]:
    """The shipped training data per head. ``xci_rows`` / ``vader_tweets`` override the full sets (for CV)."""
    rng = random.Random(seed)
    xci = list(xci_rows) if xci_rows is not None else read_xci(data_dir)
    tweets = list(vader_tweets) if vader_tweets is not None else read_vader(data_dir, "tweets_GroundTruth.txt")
    snippets = []
    for name in (
        "amazonReviewSnippets_GroundTruth.txt",
        "movieReviewSnippets_GroundTruth.txt",
        "nytEditorialSnippets_GroundTruth.txt",
    ):
        snippets += read_vader(data_dir, name)
    sms = read_sms(data_dir)
    banking = read_banking(data_dir)
    bitext = read_bitext(data_dir)

    c: dict[str, Corpus] = {name: Corpus() for name in HEAD_SPECS}
    # the word vectors' texts besides xci: tweets and complaints only (vectors from all the training texts, which
    # are mostly reviews, editorials, bank requests and SMS, did not help severity; see the model card)
    c[UNLABELLED] = Corpus()
    for text in [t for t, _ in tweets] + read_unlabelled(data_dir):
        c[UNLABELLED].add(text, 0.0, 0.0, "unlabelled")
    smap = {"negative": 0, "neutral": 1, "positive": 2}
    for r in xci:
        text = r["tweet"]
        c["complaint"].add(text, int(r["label"]), 1.0, "xci")
        if r["label"] == "1" and r["Severity"] in ("1", "2", "3", "4"):
            c["severity"].add(text, int(r["Severity"]) - 1, 1.0, "xci")
        s = r["sentiment"].strip().lower()
        if s in smap:
            c["sentiment"].add(text, smap[s], 1.0, "xci")
        c["spam"].add(text, 0, 1.0, "xci")
        has_q = "?" in text
        if is_brand_directed(r) and r["label"] == "0" and has_q:
            c["question"].add(text, 1, 1.0, "xci")
        elif not has_q:
            c["question"].add(text, 0, 1.0, "xci")
    for text, mean in tweets:
        c["sentiment"].add(text, sentiment_class(mean), 1.0, "vader-tweets")
        c["valence"].add(text, max(-1.0, min(1.0, mean / 4.0)), 1.0, "vader-tweets")
        c["spam"].add(text, 0, 0.5, "vader-tweets")
        if "?" not in text:
            c["question"].add(text, 0, 0.5, "vader-tweets")
    for text, mean in snippets:
        c["sentiment"].add(text, sentiment_class(mean), 0.5, "vader-snippets")
        c["valence"].add(text, max(-1.0, min(1.0, mean / 4.0)), 0.5, "vader-snippets")
    for text, spam in sms:
        c["spam"].add(text, spam, 1.0, "sms-spam")
        if not spam and "?" not in text:
            c["question"].add(text, 0, 0.3, "sms-spam")
    handles = random.Random(seed + 1)
    for text in rng.sample(banking, min(2500, len(banking))):
        c["question"].add(addressed(text, handles), 1, 0.5, "banking77")
        c["spam"].add(text, 0, 0.3, "banking77")
    for text, intent in bitext:
        c["spam"].add(text, 0, 0.3, "bitext")
        if intent not in ("complaint", "review"):
            c["question"].add(addressed(text, handles), 1, 0.5, "bitext")
    return c


_HANDLE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def addressed(text: str, rng: random.Random) -> str:
    """Every other request written to an account, as a post to a brand is: an invented handle in front.

    The question head's requests (banking77, bitext) name no account, while most of its statements (xci, VADER
    tweets) do, so it had learned a mention as "not a question": with a handle in front, held-out banking77
    requests were called questions 86 % of the time against 98 % (docs/model-card.md, "Changes in linear-1.4").
    The handles are random letters, so only the fact of a mention is learned, not a name."""
    if rng.random() < 0.5:
        return text
    handle = "".join(rng.choice(_HANDLE_CHARS) for _ in range(rng.randint(4, 12)))
    return f"@{handle} {text}"


def add_examples(corpora: dict[str, Corpus], examples: Iterable[Example], weight: float = 3.0) -> int:
    """Add labelled examples (corrections) to the heads they inform; returns how many were used."""
    smap = {"negative": 0, "neutral": 1, "positive": 2}
    used = 0
    for ex in examples:
        if not isinstance(ex.text, str) or not ex.text.strip():
            continue
        used += 1
        if ex.complaint is not None:
            corpora["complaint"].add(ex.text, int(ex.complaint), weight, "corrections")
            if ex.complaint and ex.severity in (1, 2, 3, 4):
                corpora["severity"].add(ex.text, ex.severity - 1, weight, "corrections")
        if ex.sentiment in smap:
            corpora["sentiment"].add(ex.text, smap[ex.sentiment], weight, "corrections")
        if ex.intent is not None:
            corpora["spam"].add(ex.text, int(ex.intent == "spam"), weight, "corrections")
            if ex.intent == "question":
                corpora["question"].add(ex.text, 1, weight, "corrections")
            elif ex.intent in ("praise", "chatter", "spam"):
                corpora["question"].add(ex.text, 0, weight, "corrections")
            if ex.complaint is None and ex.intent == "complaint":
                corpora["complaint"].add(ex.text, 1, weight, "corrections")
            elif ex.complaint is None and ex.intent in ("praise", "question", "lead", "spam", "chatter"):
                corpora["complaint"].add(ex.text, 0, weight, "corrections")
    return used


# ---------------------------------------------------------------------------------------------- fitting
def feature_names(text: str, lexicon: dict[str, float]) -> tuple[list[str], list[str]]:
    """Word-block and character-block feature names of one text, one entry per occurrence."""
    wf, cf, _ = message_features(text, lexicon)
    return wf, cf


def fit(
    corpora: dict[str, Corpus],
    lexicon: dict[str, float],
    *,
    heads: Sequence[str] | None = None,
    min_df_w: int = 2,
    min_df_c: int = 3,
    version: str | None = None,
    meta: dict[str, Any] | None = None,
    vocab_heads: Sequence[str] | None = None,
    feature_cache: dict[str, tuple[list[str], list[str]]] | None = None,
) -> TriageModel:
    """Fit the linear heads on ``corpora`` and return a ready TriageModel.

    Heads not in ``heads`` (default: all) get zero weights, which keeps cross-validation cheap; the vocabulary and
    idf still come from the texts of ``vocab_heads`` (default: all heads), as in the full model.
    ``feature_cache`` (text -> feature names) may be shared between calls with the same lexicon, e.g. across
    cross-validation folds.
    """
    import scipy.sparse as sp  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression, Ridge  # type: ignore[import-untyped]

    heads = list(heads) if heads is not None else list(HEAD_SPECS)
    texts: dict[str, int] = {}
    for name in vocab_heads if vocab_heads is not None else HEAD_SPECS:
        for t in corpora[name].texts:
            texts.setdefault(t, len(texts))
    if feature_cache is None:
        feature_cache = {}
    names = []
    for t in texts:
        f = feature_cache.get(t)
        if f is None:
            f = feature_cache[t] = feature_names(t, lexicon)
        names.append(f)
    df_w: Counter[str] = Counter()
    df_c: Counter[str] = Counter()
    for wf, cf in names:
        df_w.update(set(wf))
        df_c.update(set(cf))
    vocab_w = sorted(f for f, n in df_w.items() if n >= min_df_w or f.startswith("x:"))
    vocab_c = sorted(f for f, n in df_c.items() if n >= min_df_c)
    iw = {f: i for i, f in enumerate(vocab_w)}
    ic = {f: i for i, f in enumerate(vocab_c)}
    n_docs = len(texts)
    idf_w = np.array([np.log((1 + n_docs) / (1 + df_w[f])) + 1 for f in vocab_w], dtype=np.float64)
    idf_c = np.array([np.log((1 + n_docs) / (1 + df_c[f])) + 1 for f in vocab_c], dtype=np.float64)

    def block(rows: list[list[int]], idf: np.ndarray, width: int) -> Any:
        # one entry per occurrence; the norm is sqrt(sum of idf^2 over occurrences), as TriageModel.score does
        ind: list[int] = []
        ptr = [0]
        dat: list[float] = []
        for ids in rows:
            v = idf[ids]
            norm = float(np.sqrt((v**2).sum())) if ids else 1.0
            ind.extend(ids)
            dat.extend((v / norm).tolist())
            ptr.append(len(ind))
        m = sp.csr_matrix((dat, ind, ptr), shape=(len(rows), width))
        m.sum_duplicates()
        return m

    rows_w = [[iw[f] for f in wf if f in iw] for wf, _ in names]
    rows_c = [[ic[f] for f in cf if f in ic] for _, cf in names]
    xw = block(rows_w, idf_w, len(vocab_w))
    xc = block(rows_c, idf_c, len(vocab_c))
    full = sp.hstack([xw, xc]).tocsr()

    vectors: WordVectors | None = None
    if SEVERITY_VECTOR_DIM and "severity" in heads and corpora["severity"].texts:
        # the package's own word vectors, from the complaint head's texts (xci) and the unlabelled ones (tweets,
        # complaints) of this fit
        vec_texts = [*corpora["complaint"].texts, *corpora.get(UNLABELLED, Corpus()).texts]
        cache: dict[str, str] = {}
        words, vecs = train_vectors([norm_tokens(t, cache) for t in vec_texts], SEVERITY_VECTOR_DIM)
        vectors = WordVectors(words, vecs) if words else None

    head_list: list[Head] = []
    k = 0
    for name, (_kind, labels, _) in HEAD_SPECS.items():
        head_list.append(Head(name, k, k + len(labels), labels))
        k += len(labels)
    weights = np.zeros((len(vocab_w) + len(vocab_c), k), dtype=np.float64)
    bias = np.zeros(k, dtype=np.float64)
    cue_weights: np.ndarray | None = None
    vector_weights: np.ndarray | None = None
    report: dict[str, Any] = {}
    for h in head_list:
        if h.name not in heads:
            continue
        kind, labels, reg = HEAD_SPECS[h.name]
        corp = corpora[h.name]
        idx = np.array([texts[t] for t in corp.texts], dtype=np.int64)
        x = xw[idx] if h.name in WORD_ONLY_HEADS else full[idx]
        feature_rows = slice(0, x.shape[1])
        n_cues = n_vec = 0
        if h.name in CUE_HEADS:
            n_cues = len(SEVERITY_CUES)
            extra_inputs = [np.array([severity_cues(t) for t in corp.texts])]
            if vectors is not None:
                n_vec = vectors.dim
                tok_cache: dict[str, str] = {}
                toks = [norm_tokens(t, tok_cache) for t in corp.texts]
                extra_inputs.append(SEVERITY_VECTOR_SCALE * vectors.message_vectors(toks))
            x = sp.hstack([x, sp.csr_matrix(np.hstack(extra_inputs))]).tocsr()
        y = np.asarray(corp.labels)
        sw = np.asarray(corp.weights, dtype=np.float64)
        if kind == "ridge":
            m = Ridge(alpha=reg).fit(x, y, sample_weight=sw)
            weights[feature_rows, h.start] = m.coef_
            bias[h.start] = m.intercept_
        else:
            y = y.astype(int)
            # balanced class weights, folded into the sample weights
            counts = np.bincount(y, minlength=max(2, len(labels)))
            cw = len(y) / (len(counts) * np.maximum(counts, 1))
            m = LogisticRegression(C=reg, max_iter=5000).fit(x, y, sample_weight=sw * cw[y])
            coef = m.coef_.T  # (features [+ cues], 1 or classes)
            if n_cues:
                n_feat = coef.shape[0] - n_cues - n_vec
                if coef.shape[1] == len(labels):  # not when a tiny corpus lacks classes (one-vs-rest column)
                    cue_weights = coef[n_feat : n_feat + n_cues]
                    if n_vec:  # the scale folded in: run time multiplies the unit message vector
                        vector_weights = SEVERITY_VECTOR_SCALE * coef[n_feat + n_cues :]
                coef = coef[:n_feat]
            if kind == "binary":
                weights[feature_rows, h.start] = coef[:, 0]
                bias[h.start] = m.intercept_[0]
            else:
                weights[feature_rows, h.start : h.stop] = coef
                bias[h.start : h.stop] = m.intercept_
        report[h.name] = {"examples": len(y), "sources": dict(corp.sources)}

    info = dict(meta or {})
    info.setdefault("version", version or "linear-" + dt.datetime.now(dt.UTC).strftime("%Y%m%d"))
    info["training"] = report
    info["vocab"] = {"word": len(vocab_w), "char": len(vocab_c)}
    if vectors is not None and vector_weights is not None:
        info["severity_vectors"] = {"words": len(vectors.words), "dim": vectors.dim, "scale": SEVERITY_VECTOR_SCALE}
    return TriageModel(
        vocab_w=vocab_w,
        vocab_c=vocab_c,
        idf_w=idf_w,
        idf_c=idf_c,
        weights_w=weights[: len(vocab_w)],
        weights_c=weights[len(vocab_w) :],
        bias=bias,
        heads=head_list,
        lexicon=lexicon,
        meta=info,
        severity_cue_weights=cue_weights,
        severity_vectors=vectors,
        severity_vector_weights=vector_weights,
    )


def train(
    data_dir: str | Path,
    *,
    examples: Iterable[Example] = (),
    example_weight: float = 3.0,
    out_path: str | Path | None = None,
    version: str | None = None,
    seed: int = 0,
) -> TriageModel:
    """Train the full model from the shipped base data plus ``examples`` (e.g. a workspace's corrections).

    Writes it to ``out_path`` when given. ``goodwill train`` calls this.
    """
    data_dir = Path(data_dir)
    corpora = build_corpora(data_dir, seed=seed)
    n_extra = add_examples(corpora, examples, example_weight)
    lexicon = read_lexicon(data_dir)
    model = fit(corpora, lexicon, version=version, meta={"corrections": n_extra, "seed": seed})
    if out_path is not None:
        model.save(out_path)
    return model


def evaluate(model: TriageModel, examples: Sequence[Example]) -> dict[str, dict[str, float]]:
    """How well ``model`` agrees with labelled examples (e.g. corrections held back from training).

    Returns, per label that the examples carry (complaint, severity, sentiment, intent): ``n`` and ``accuracy``,
    plus ``macro_f1`` for complaint. Use it for the before/after figures of a retrain.
    """
    from goodwill.triage.classifier import classify_batch

    usable = [ex for ex in examples if isinstance(ex.text, str) and ex.text.strip()]
    results = classify_batch([ex.text for ex in usable], model) if usable else []
    pairs: dict[str, list[tuple[object, object]]] = {"complaint": [], "severity": [], "sentiment": [], "intent": []}
    for ex, r in zip(usable, results, strict=True):
        if ex.complaint is not None:
            pairs["complaint"].append((bool(ex.complaint), r.complaint))
        if ex.severity is not None:
            pairs["severity"].append((ex.severity, r.severity))
        if ex.sentiment is not None:
            pairs["sentiment"].append((ex.sentiment, r.sentiment.value))
        if ex.intent is not None:
            pairs["intent"].append((ex.intent, r.intent.value))
    out: dict[str, dict[str, float]] = {}
    for label, ps in pairs.items():
        if not ps:
            continue
        out[label] = {"n": float(len(ps)), "accuracy": sum(a == b for a, b in ps) / len(ps)}
        if label == "complaint":
            f1s = []
            for cls in (True, False):
                tp = sum(1 for a, b in ps if a == cls and b == cls)
                fp = sum(1 for a, b in ps if a != cls and b == cls)
                fn = sum(1 for a, b in ps if a == cls and b != cls)
                f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
            out[label]["macro_f1"] = sum(f1s) / 2
    return out
