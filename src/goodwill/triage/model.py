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
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.triage.features import normalise, raw_tokens, token_info, trigger_bits
from goodwill.triage.language import EN_STOPWORDS, FOREIGN_STOPWORDS

DEFAULT_MODEL_PATH = Path(__file__).with_name("triage_model.npz")
# per distinct token: norm, unigram id, negated-unigram id, token-table row, bigram prefix,
# flags (1: has valence, 2: negation, 4: ends a negation scope, 8: shouted), valence, is-negation, ends-scope, shouted,
# packed counts (word | known word << 12 | English function word << 24 | other languages' << 36), trigger bits,
# norm id for bigram keys (0: in no known bigram)
_Entry = tuple[str, int, int, int, str, int, float, bool, bool, bool, int, int, int]
_X_FEATURES = [
    *(f"x:lexpos{i}" for i in range(7)),
    *(f"x:lexneg{i}" for i in range(7)),
    *(f"x:lexdiff{i}" for i in range(-4, 5)),
    *(f"x:caps{i}" for i in range(1, 4)),
    *(f"x:len{i}" for i in range(5)),
    "x:startmention",
]
_CACHE_LIMIT = 200_000  # distinct tokens whose character n-gram ids are remembered


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
    raw: list[str]
    n_words: int  # alphabetic tokens (any script)
    n_known_words: int  # of which the vocabulary knows
    en_hits: int = 0  # English function words
    foreign_hits: int = 0  # function words of the other languages language.py knows (and not English)
    triggers: int = 0  # OR of `features.trigger_bits` over the tokens: cue-word families present


@dataclass(slots=True)
class Scores:
    """Raw head scores of a batch (one row per text) plus the encodings, for evidence and rules."""

    logits: np.ndarray  # (n, K) float32
    encoded: list[Encoded]
    winv: np.ndarray  # (n,) 1 / L2 norm of each message's word block (0 when empty)
    cinv: np.ndarray
    wflat: np.ndarray  # word-block ids of the whole batch, each message led by the padding id 0
    woff: np.ndarray  # where each message starts in wflat


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
        self.lexicon = lexicon
        self.meta = meta
        self.version = str(meta.get("version", "unknown"))
        # bigrams by integer key (norm id of the first token << 20 | norm id of the second): hashing two ints is
        # much cheaper than building and hashing the "b:first second" string for every pair
        self._norm_ids: dict[str, int] = {"<s>": 1, "</s>": 2}
        self._bigrams: dict[int, int] = {}
        for fid, f in enumerate(vocab_w, start=1):
            if f.startswith("b:"):
                a, _, b = f[2:].partition(" ")
                ia = self._norm_ids.setdefault(a, len(self._norm_ids) + 1)
                ib = self._norm_ids.setdefault(b, len(self._norm_ids) + 1)
                self._bigrams[ia << 20 | ib] = fid
        self._cache: dict[str, _Entry] = {}
        self._x_ids = {f[2:]: self.vocab_w.get(f, 0) for f in _X_FEATURES}
        self._x_neutral = [self._x_ids["lexpos0"], self._x_ids["lexneg0"], self._x_ids["lexdiff0"]]
        self._x_len = [
            self._x_ids["len" + ("0" if n == 0 else "1" if n < 5 else "2" if n < 12 else "3" if n < 25 else "4")]
            for n in range(26)
        ]
        self._lock = threading.RLock()
        # one row per distinct token seen: the sum of its character n-gram weight rows (row 0: padding)
        self._tok_rows = np.zeros((4096, k), dtype=np.float32)
        self._tok_idf2 = np.zeros(4096, dtype=np.float32)
        self._n_rows = 1
        self._pending: list[tuple[int, list[int]]] = []  # new token rows whose sums are not computed yet
        # what a person reads as evidence for each word-block feature; "silent" ones are never shown
        self.readable_names = [_readable(f) for f in self.names_w]
        self._silent = np.array([r is None for r in self.readable_names], dtype=bool)
        self._silent[0] = True

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
        )

    # ------------------------------------------------------------------ features
    def _token_entry(self, raw: str) -> _Entry:
        ti = token_info(raw, self.lexicon)
        vw, vc = self.vocab_w, self.vocab_c
        char_ids = [i for i in map(vc.get, ti.chars) if i]
        with self._lock:
            if self._n_rows == self._tok_rows.shape[0]:
                grow = self._tok_rows.shape[0]
                self._tok_rows = np.concatenate([self._tok_rows, np.zeros_like(self._tok_rows[:grow])])
                self._tok_idf2 = np.concatenate([self._tok_idf2, np.zeros_like(self._tok_idf2[:grow])])
            row = self._n_rows
            self._n_rows += 1
            # the token's whole character block is summed once, for all new tokens of a batch together
            self._pending.append((row, char_ids))
        norm = ti.norm
        is_word = norm.isalpha() and norm != "xurl"
        packed = (
            int(is_word)
            | int(is_word and ("w:" + norm) in vw) << 12
            | int(norm in EN_STOPWORDS) << 24
            | int(norm in FOREIGN_STOPWORDS) << 36
        )
        entry = (
            norm,
            vw.get("w:" + norm, 0),
            vw.get("w:~" + norm, 0),
            row,
            "b:" + norm + " ",
            int(bool(ti.valence)) | int(ti.negation) << 1 | int(ti.scope_end) << 2 | int(ti.shout) << 3,
            ti.valence,
            ti.negation,
            ti.scope_end,
            ti.shout,
            packed,
            trigger_bits(norm),
            self._norm_ids.get(norm, 0),
        )
        self._cache[raw] = entry
        return entry

    def encode(self, text: str) -> Encoded:
        """Feature ids of one text: the same features as `features.message_features`, from a token cache."""
        raws = raw_tokens(normalise(text))
        get_b = self._bigrams.get
        cache_get = self._cache.get
        entries = [cache_get(r) or self._token_entry(r) for r in raws]
        toks = [e[0] for e in entries]
        cids = [e[3] for e in entries]
        packed = sum([e[10] for e in entries])
        flags = 0
        triggers = 0
        for e in entries:
            flags |= e[5]
            triggers |= e[11]
        pos = neg = 0.0
        n_caps = 0
        if flags & 2:
            # negation scopes: the 3 tokens after "not", "never", "don't"... (cut by "but", "!", "?")
            scope: list[int] = []
            negated = 0
            for e in entries:
                f = e[5]
                if f & 4:
                    negated = 0
                scope.append(negated)
                if f & 2:
                    negated = 3
                elif negated:
                    negated -= 1
            wids = [i for i in [e[2] if sc else e[1] for e, sc in zip(entries, scope, strict=True)] if i]
        else:
            scope = []
            wids = [e[1] for e in entries if e[1]]
        if entries:
            nids = [e[12] for e in entries]
            firsts = [1, *nids]
            nids.append(2)
            wids += [b for b in map(get_b, [a << 20 | b for a, b in zip(firsts, nids, strict=True)]) if b]
        if flags & 9:
            for j, e in enumerate(entries):
                f = e[5]
                if f & 1:
                    v = e[6]
                    if scope and scope[j]:
                        v = -0.5 * v
                    if v > 0:
                        pos += v
                    else:
                        neg -= v
                if f & 8:
                    n_caps += 1
        xi = self._x_ids
        if pos or neg:
            wids.append(xi["lexpos" + str(min(int(pos), 6))])
            wids.append(xi["lexneg" + str(min(int(neg), 6))])
            wids.append(xi["lexdiff" + str(max(-4, min(4, math.floor((pos - neg) / 1.5))))])
        else:
            wids += self._x_neutral
        if n_caps:
            wids.append(xi["caps" + str(min(n_caps, 3))])
        n = len(raws)
        wids.append(self._x_len[n if n < 25 else 25])
        if toks and toks[0] == "@user":
            wids.append(xi["startmention"])
        if 0 in wids[-6:]:
            wids = [w for w in wids if w]
        mask = 0xFFF
        return Encoded(
            wids, cids, toks, raws, packed & mask, packed >> 12 & mask, packed >> 24 & mask, packed >> 36, triggers
        )

    def flush_tokens(self) -> None:
        """Fill the token-table rows of tokens first seen since the last call (one vectorised pass)."""
        if not self._pending:
            return
        with self._lock:
            pending, self._pending = self._pending, []
            if not pending:
                return
            rows = np.fromiter((r for r, _ in pending), dtype=np.int64, count=len(pending))
            flat, offsets = self._flatten([ids for _, ids in pending])
            self._tok_rows[rows] = np.add.reduceat(self.weights_c[flat], offsets, axis=0)
            self._tok_idf2[rows] = np.add.reduceat(self.idf2_c[flat], offsets)

    # ------------------------------------------------------------------ scoring
    def score(self, texts: Sequence[str]) -> Scores:
        if len(self._cache) >= _CACHE_LIMIT:
            # forget the token cache between batches (never inside one: its rows are in use until scored)
            with self._lock:
                self._cache.clear()
                self._pending = []
                self._n_rows = 1
        encoded = [self.encode(t) for t in texts]
        self.flush_tokens()
        n = len(encoded)
        k = self.bias.shape[0]
        if n == 0:
            empty = np.zeros(0, dtype=np.float32)
            return Scores(np.zeros((0, k), dtype=np.float32), [], empty, empty, np.zeros(0, np.int64), empty)
        wflat, woff = self._flatten([e.wids for e in encoded])
        cflat, coff = self._flatten([e.cids for e in encoded])
        wsum = np.add.reduceat(self.weights_w[wflat], woff, axis=0)
        wnorm = np.sqrt(np.add.reduceat(self.idf2_w[wflat], woff))
        tok_rows, tok_idf2 = self._tok_rows, self._tok_idf2  # read once: a concurrent grow replaces them
        csum = np.add.reduceat(tok_rows[cflat], coff, axis=0)
        cnorm = np.sqrt(np.add.reduceat(tok_idf2[cflat], coff))
        winv = np.where(wnorm > 0, 1.0 / np.maximum(wnorm, 1e-12), 0.0).astype(np.float32)
        cinv = np.where(cnorm > 0, 1.0 / np.maximum(cnorm, 1e-12), 0.0).astype(np.float32)
        logits = (wsum * winv[:, None] + csum * cinv[:, None] + self.bias).astype(np.float32)
        return Scores(logits, encoded, winv, cinv, wflat, woff)

    @staticmethod
    def _flatten(id_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Concatenate id lists, each led by the padding id 0 so that no segment is empty (reduceat needs it)."""
        lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(id_lists)) + 1
        offsets = np.zeros(len(id_lists), dtype=np.int64)
        np.cumsum(lengths[:-1], out=offsets[1:])
        total = int(lengths.sum())
        flat = np.fromiter(chain.from_iterable(chain.from_iterable(zip(repeat((0,)), id_lists))), np.int64, total)
        return flat, offsets

    def word_contributions(
        self, scores: Scores, columns: np.ndarray, signs: np.ndarray, top: int = 3, floor: float = 0.05
    ) -> list[list[list[str]]]:
        """Cue words behind chosen scores, for several heads at once.

        ``columns`` and ``signs`` are (H, n): for head h and message i, the weight column whose score is explained
        (``-1`` to skip) and +1/-1 for the direction. Returns, per head and message, up to ``top`` readable cues
        in decreasing contribution to the logit (only features contributing more than ``floor``; features that
        explain nothing to a person, such as length buckets, are left out).
        """
        n = len(scores.encoded)
        n_heads = columns.shape[0]
        empty: list[str] = []
        out: list[list[list[str]]] = [[empty] * n for _ in range(n_heads)]
        flat = scores.wflat
        if n == 0 or flat.size == 0:
            return out
        lengths = np.diff(np.append(scores.woff, flat.size))
        width = int(lengths.max())
        seg = np.repeat(np.arange(n), lengths)
        pos = np.arange(flat.size) - scores.woff[seg]
        cols = np.maximum(columns, 0)[:, seg]  # (H, F)
        contrib = self.weights_w[flat[None, :], cols] * (signs[:, seg] * scores.winv[seg][None, :])
        contrib[:, self._silent[flat]] = -np.inf
        contrib[columns[:, seg] < 0] = -np.inf
        grid = np.full((n_heads, n, width), -np.inf, dtype=np.float32)
        grid[:, seg, pos] = contrib
        k = min(top, width)
        part = np.argpartition(-grid, k - 1, axis=2)[:, :, :k] if width > k else np.argsort(-grid, axis=2)[:, :, :k]
        vals = np.take_along_axis(grid, part, axis=2)
        order = np.argsort(-vals, axis=2)
        part = np.take_along_axis(part, order, axis=2)
        vals = np.take_along_axis(vals, order, axis=2)
        ids = flat[(scores.woff[None, :, None] + part).clip(max=flat.size - 1)]
        hh, ii, jj = np.nonzero(vals > floor)
        names = self.readable_names
        for h, i, fid in zip(hh.tolist(), ii.tolist(), ids[hh, ii, jj].tolist(), strict=True):
            lst = out[h][i]
            if lst is empty:
                lst = out[h][i] = []
            name = names[fid]
            if name is not None and len(lst) < top and name not in lst:
                lst.append(name)
        return out


def _readable(feature: str) -> str | None:
    """A feature as a person would read it ('w:~like' -> 'not like'); None when it explains nothing."""
    if not feature:
        return None
    kind, _, body = feature.partition(":")
    if kind == "w":
        return "not " + body[1:] if body.startswith("~") else body
    if kind == "b":
        return body.replace("<s> ", "^").replace(" </s>", "$")
    if body.startswith("len") or body in ("lexpos0", "lexneg0", "lexdiff0", "lexdiff-1"):
        return None
    if body.startswith("lexneg"):
        return f"negative words (lexicon level {body[6:]})"
    if body.startswith("lexpos"):
        return f"positive words (lexicon level {body[6:]})"
    if body.startswith("lexdiff"):
        return f"lexicon balance {body[7:]}"
    if body.startswith("caps"):
        return "SHOUTING"
    if body == "startmention":
        return "addressed to an account"
    return body
