"""The shipped linear triage model: load the weights, turn a batch of texts into head scores and evidence.

The model is a set of linear heads over one shared sparse feature space (see ``features``):

- ``complaint`` (binary logit), ``severity`` (4 classes, among complaints), ``sentiment`` (3 classes),
  ``valence`` (regression to the VADER human mean / 4, in [-1, 1]), ``spam`` (binary), ``question`` (binary).

Each feature has an inverse-document-frequency weight; the word block and the character block of a message are
each L2-normalised, exactly as in training. Scoring a batch is one gather and one ``np.add.reduceat`` per
block; the only per-message Python is feature extraction, and the character n-grams of a token are computed
once per distinct token and cached.

Weights live in ``triage_model.npz`` next to this file (numpy only at run time; nothing is fetched).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.triage.encoding import Batch, TokenTable
from goodwill.triage.features import SEVERITY_CUES, severity_cues
from goodwill.triage.vectors import WordVectors

DEFAULT_MODEL_PATH = Path(__file__).with_name("triage_model.npz")


@dataclass(slots=True)
class Head:
    name: str
    start: int
    stop: int
    labels: list[str]


@dataclass(slots=True)
class Encoded:
    """A featurised message: feature ids of both blocks, its tokens, and how much of it the model knows."""

    wids: list[int]  # word-block feature ids, one per occurrence
    cids: list[int]  # rows of the model's token table (each token's character block), one per occurrence
    toks: list[str]
    n_words: int  # alphabetic tokens (any script)
    n_known_words: int  # of which the vocabulary knows
    en_hits: int = 0  # English function words
    foreign_hits: int = 0  # function words of the other languages language.py knows (and not English)
    triggers: int = 0  # OR of `features.trigger_bits` over the tokens: cue-word families present


@dataclass(slots=True)
class Scores:
    """Raw head scores of a batch (one row per text) plus the encodings, for evidence and rules."""

    logits: np.ndarray  # (n, K) float32
    batch: Batch  # the encoded messages: feature ids (wflat, woff for evidence), tokens, counts, cue bits
    winv: np.ndarray  # (n,) 1 / L2 norm of each message's word block (0 when empty)
    cinv: np.ndarray


class TriageModel:
    """Weights and vocabulary of the linear heads. Thread-safe for scoring (the token cache is best-effort)."""

    def __init__(
        self,
        *,
        vocab_w: list[str],
        vocab_c: list[str],
        idf_w: np.ndarray,
        idf_c: np.ndarray,
        weights_w: np.ndarray,
        weights_c: np.ndarray,
        bias: np.ndarray,
        heads: list[Head],
        lexicon: dict[str, float],
        meta: dict[str, Any],
        severity_cue_weights: np.ndarray | None = None,
        severity_vectors: WordVectors | None = None,
        severity_vector_weights: np.ndarray | None = None,
    ) -> None:
        self.vocab_w = {f: i + 1 for i, f in enumerate(vocab_w)}  # id 0 is a padding row of zeros
        self.vocab_c = {f: i + 1 for i, f in enumerate(vocab_c)}
        self.names_w = ["", *vocab_w]
        k = bias.shape[0]
        zero = np.zeros((1, k), dtype=np.float32)
        self.idf_w = np.concatenate([[0.0], idf_w]).astype(np.float32)
        self.idf_c = np.concatenate([[0.0], idf_c]).astype(np.float32)
        self.idf2_w = self.idf_w**2
        self.idf2_c = self.idf_c**2
        # rows pre-multiplied by idf: a message's score is sum(rows) / norm + bias
        self.weights_w = np.concatenate([zero, weights_w.astype(np.float32)]) * self.idf_w[:, None]
        self.weights_c = np.concatenate([zero, weights_c.astype(np.float32)]) * self.idf_c[:, None]
        self.bias = bias.astype(np.float32)
        self.heads = {h.name: h for h in heads}
        # (len(SEVERITY_CUES), severity classes): weights of the severity cue inputs (None: the model has none)
        self.severity_cue_weights = (
            None if severity_cue_weights is None else np.asarray(severity_cue_weights, dtype=np.float32)
        )
        # the package's own word vectors (`vectors`) and their (dim, severity classes) weights, scale included
        self.severity_vectors = severity_vectors if severity_vector_weights is not None else None
        self.severity_vector_weights = (
            None if severity_vector_weights is None else np.asarray(severity_vector_weights, dtype=np.float32)
        )
        self.lexicon = lexicon
        self.meta = meta
        self.version = str(meta.get("version", "unknown"))
        self.tokens = TokenTable(self)  # the run-time encoder and its per-token cache
        # what a person reads as evidence for each word-block feature; "silent" ones are never shown
        self.readable_names = [_readable(f) for f in self.names_w]
        self._silent = np.array([r is None for r in self.readable_names], dtype=bool)
        self._silent[0] = True
        self._cue_max = np.where(self._silent, 0.0, np.abs(self.weights_w).max(axis=1)).astype(np.float32)
        # evidence ranks what was said before how it was addressed (mentions, links, numbers), which a person
        # already sees: those come after the words, shown when fewer words clear the floor
        self._cue_rank = np.where([_is_structural(f) for f in self.names_w], 0.25, 1.0).astype(np.float32)

    # ------------------------------------------------------------------ I/O
    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH) -> TriageModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            heads = [Head(h["name"], h["start"], h["stop"], list(h["labels"])) for h in meta["heads"]]
            lex_words = str(z["lex_words"]).split("\n") if str(z["lex_words"]) else []
            lexicon = dict(zip(lex_words, z["lex_vals"].astype(float).tolist(), strict=True))
            return cls(
                vocab_w=str(z["vocab_w"]).split("\n"),
                vocab_c=str(z["vocab_c"]).split("\n"),
                idf_w=z["idf_w"],
                idf_c=z["idf_c"],
                weights_w=z["weights_w"],
                weights_c=z["weights_c"],
                bias=z["bias"],
                heads=heads,
                lexicon=lexicon,
                meta=meta,
                severity_cue_weights=z["sev_cue_weights"] if "sev_cue_weights" in z.files else None,
                severity_vectors=(
                    WordVectors(str(z["sev_vec_words"]).split("\n"), z["sev_vectors"])
                    if "sev_vectors" in z.files
                    else None
                ),
                severity_vector_weights=z["sev_vec_weights"] if "sev_vec_weights" in z.files else None,
            )

    def save(self, path: str | Path) -> None:
        """Write the model (weights as float16, which costs nothing measurable in accuracy)."""
        vocab_w = self.names_w[1:]
        vocab_c = [""] * (len(self.vocab_c))
        for f, i in self.vocab_c.items():
            vocab_c[i - 1] = f
        with np.errstate(divide="ignore", invalid="ignore"):
            ww = np.where(self.idf_w[:, None] > 0, self.weights_w / self.idf_w[:, None], 0.0)[1:]
            wc = np.where(self.idf_c[:, None] > 0, self.weights_c / self.idf_c[:, None], 0.0)[1:]
        meta = dict(self.meta)
        meta["heads"] = [
            {"name": h.name, "start": h.start, "stop": h.stop, "labels": h.labels} for h in self.heads.values()
        ]
        extra: dict[str, Any] = (
            {} if self.severity_cue_weights is None else {"sev_cue_weights": self.severity_cue_weights}
        )
        if self.severity_vectors is not None and self.severity_vector_weights is not None:
            extra["sev_vec_words"] = np.array("\n".join(self.severity_vectors.words))
            extra["sev_vectors"] = self.severity_vectors.vectors[1:].astype(np.float16)
            extra["sev_vec_weights"] = self.severity_vector_weights
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(meta)),
            vocab_w=np.array("\n".join(vocab_w)),
            vocab_c=np.array("\n".join(vocab_c)),
            idf_w=self.idf_w[1:].astype(np.float32),
            idf_c=self.idf_c[1:].astype(np.float32),
            weights_w=ww.astype(np.float16),
            weights_c=wc.astype(np.float16),
            bias=self.bias.astype(np.float32),
            lex_words=np.array("\n".join(self.lexicon.keys())),
            lex_vals=np.array(list(self.lexicon.values()), dtype=np.float32),
            **extra,
        )

    # ------------------------------------------------------------------ features and scoring
    def encode(self, text: str) -> Encoded:
        """Feature ids of one text (the same features as `features.message_features`); for tests and tools."""
        with self.tokens.lock:
            b = self.tokens.encode([text])
            return Encoded(
                wids=b.wflat[1:].tolist(),
                cids=b.cflat[1:].tolist(),
                toks=b.tokens(0),
                n_words=int(b.n_words[0]),
                n_known_words=int(b.n_known[0]),
                en_hits=int(b.en_hits[0]),
                foreign_hits=int(b.foreign_hits[0]),
                triggers=int(b.triggers[0]),
            )

    def char_block(self, cids: list[int]) -> np.ndarray:
        """The summed (not yet normalised) character-block weights of token-table rows ``cids``."""
        out: np.ndarray = self.tokens.rows[cids].sum(axis=0)
        return out

    def score(self, texts: Sequence[str]) -> Scores:
        k = self.bias.shape[0]
        if not texts:
            empty = np.zeros(0, dtype=np.float32)
            z = np.zeros(0, np.int64)
            batch = Batch(z, z, z, z, [], np.zeros(1, np.int64), z, z, z, z, z, z, z)
            return Scores(np.zeros((0, k), dtype=np.float32), batch, empty, empty)
        with self.tokens.lock:  # the token rows a batch refers to stay valid until it is scored
            b = self.tokens.encode(texts)
            wsum = np.add.reduceat(self.weights_w[b.wflat], b.woff, axis=0)
            wnorm = np.sqrt(np.add.reduceat(self.idf2_w[b.wflat], b.woff))
            csum = np.add.reduceat(self.tokens.rows[b.cflat], b.coff, axis=0)
            cnorm = np.sqrt(np.add.reduceat(self.tokens.idf2[b.cflat], b.coff))
        winv = np.where(wnorm > 0, 1.0 / np.maximum(wnorm, 1e-12), 0.0).astype(np.float32)
        cinv = np.where(cnorm > 0, 1.0 / np.maximum(cnorm, 1e-12), 0.0).astype(np.float32)
        logits = (wsum * winv[:, None] + csum * cinv[:, None] + self.bias).astype(np.float32)
        scores = Scores(logits, b, winv, cinv)
        if "complaint" in self.heads and "severity" in self.heads:
            # severity is only shown for complaints: its cue patterns and vectors run on those messages alone
            self.add_severity_inputs(texts, scores, np.nonzero(logits[:, self.heads["complaint"].start] > 0)[0])
        return scores

    def add_severity_inputs(self, texts: Sequence[str], scores: Scores, rows: np.ndarray) -> None:
        """Add the severity cue and word-vector inputs' contribution to the severity logits of ``rows`` (in place)."""
        if rows.size == 0:
            return
        h = self.heads["severity"]
        logits = scores.logits
        if self.severity_cue_weights is not None:
            cues = np.array([severity_cues(texts[i]) for i in rows.tolist()], dtype=np.float32)
            logits[rows, h.start : h.stop] += cues @ self.severity_cue_weights
        if self.severity_vectors is not None and self.severity_vector_weights is not None:
            b = scores.batch  # vrows: each token's vector row, looked up once per distinct token by the token table
            ends = np.append(b.coff[1:], b.cflat.size)
            vecs = self.severity_vectors.segment_vectors(b.vrows, b.coff[rows], ends[rows])
            logits[rows, h.start : h.stop] += vecs @ self.severity_vector_weights

    def severity_cue_names(self, text: str) -> list[str]:
        """The severity cue families present in ``text`` (for evidence)."""
        return [name for (name, _), v in zip(SEVERITY_CUES, severity_cues(text), strict=True) if v > 0]

    def word_contributions(
        self, scores: Scores, columns: np.ndarray, signs: np.ndarray, top: int = 3, floor: float = 0.05
    ) -> list[list[list[str]]]:
        """Cue words behind chosen scores, for several heads at once.

        ``columns`` and ``signs`` are (H, n): for head h and message i, the weight column whose score is explained
        (``-1`` to skip) and +1/-1 for the direction. Returns, per head and message, up to ``top`` readable cues
        in decreasing contribution to the logit (only features contributing more than ``floor``; features that
        explain nothing to a person, such as length buckets, are left out).
        """
        n = scores.logits.shape[0]
        n_heads = columns.shape[0]
        empty: list[str] = []
        out: list[list[list[str]]] = [[empty] * n for _ in range(n_heads)]
        flat, woff = scores.batch.wflat, scores.batch.woff
        if n == 0 or flat.size == 0:
            return out
        lengths = np.diff(np.append(woff, flat.size))
        seg = np.repeat(np.arange(n), lengths)
        # a feature can only be a cue if its largest weight, scaled by the message's norm, clears the floor
        cand = np.nonzero(self._cue_max[flat] * scores.winv[seg] > floor)[0]
        if cand.size == 0:
            return out
        fl, sg = flat[cand], seg[cand]
        cols = columns[:, sg]  # (H, C)
        contrib = self.weights_w[fl[None, :], np.maximum(cols, 0)] * (signs[:, sg] * scores.winv[sg][None, :])
        contrib[cols < 0] = -np.inf
        # sort the cues above the floor by (head, message, decreasing contribution) and keep the first few of each
        # group (a few spare for repeated words, which give the same name)
        hh, ff = np.nonzero(contrib > floor)
        if hh.size == 0:
            return out
        vals = contrib[hh, ff] * self._cue_rank[fl[ff]]
        ii = sg[ff]
        order = np.lexsort((-vals, ii, hh))
        hh, ii, ff = hh[order], ii[order], ff[order]
        group = hh * n + ii
        new = np.ones(group.size, dtype=bool)
        new[1:] = group[1:] != group[:-1]
        starts = np.nonzero(new)[0]
        rank = np.arange(group.size) - np.repeat(starts, np.diff(np.append(starts, group.size)))
        keep = rank < 2 * top
        hh, ii, ids = hh[keep], ii[keep], fl[ff[keep]]
        names = self.readable_names
        for h, i, fid in zip(hh.tolist(), ii.tolist(), ids.tolist(), strict=True):
            lst = out[h][i]
            if lst is empty:
                lst = out[h][i] = []
            name = names[fid]
            if name is not None and len(lst) < top and name not in lst:
                lst.append(name)
        return out


# the normalised placeholders (features.norm_tokens) as a person reads them, alone and inside a phrase
_PLACEHOLDERS = {"@user": ("a mention", "@mention"), "xurl": ("a link", "[link]"), "0": ("a number", "[number]")}


def _phrase_token(token: str) -> str:
    return _PLACEHOLDERS[token][1] if token in _PLACEHOLDERS else token


def _is_structural(feature: str) -> bool:
    """Whether a word-block feature says only how a message is addressed: mentions, links, numbers, boundaries."""
    kind, _, body = feature.partition(":")
    if kind == "x":
        return body == "startmention"
    if kind not in ("w", "b"):
        return False
    return all(t in _PLACEHOLDERS or t in ("<s>", "</s>") for t in body.lstrip("~").split(" "))


def _readable(feature: str) -> str | None:
    """A feature as a person would read it ('w:~like' -> 'not like'); None when it explains nothing."""
    if not feature:
        return None
    kind, _, body = feature.partition(":")
    if kind == "w":
        if body.startswith("~"):  # a word inside a negation's scope; a negated placeholder says nothing
            return None if body[1:] in _PLACEHOLDERS else "not " + body[1:]
        return _PLACEHOLDERS[body][0] if body in _PLACEHOLDERS else body
    if kind == "b":
        first, _, second = body.partition(" ")
        if first == "<s>":
            return "starts with " + (_PLACEHOLDERS[second][0] if second in _PLACEHOLDERS else f'"{second}"')
        if second == "</s>":
            return "ends with " + (_PLACEHOLDERS[first][0] if first in _PLACEHOLDERS else f'"{first}"')
        return f"{_phrase_token(first)} {_phrase_token(second)}"
    if body.startswith("len") or body in ("lexpos0", "lexneg0", "lexdiff0", "lexdiff-1"):
        return None
    if body.startswith("lexneg"):
        return f"negative words (lexicon level {body[6:]})"
    if body.startswith("lexpos"):
        return f"positive words (lexicon level {body[6:]})"
    if body.startswith("lexdiff"):
        level = int(body[7:])
        if level > 0:
            return f"more positive than negative words (level {level})"
        return f"more negative than positive words (level {-level - 1})"
    if body.startswith("caps"):
        return "SHOUTING"
    if body == "startmention":
        return "addressed to an account"
    return body
