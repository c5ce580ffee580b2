"""The run-time encoder: a batch of texts -> the word-block and character-block feature ids of every message.

It produces exactly the features of `features.message_features` (the reference definition; a test checks the
two agree), but with Python touching each *token* once (a dictionary lookup in the token cache) and everything
else done for the whole batch at once with numpy:

- each distinct raw token is featurised once (`features.token_info`) and gets a row in the token table: its
  unigram ids (plain and negated), bigram key, flags, lexicon valence, counts, cue-word bits, and the sum of
  its character n-gram weight rows (so a message's character block is a sum of token rows);
- negation scopes, bigrams, lexicon sums and the ``x:`` cue buckets are array operations over the batch.

The token table is per model and per process, bounded (`CACHE_LIMIT` distinct tokens), and guarded by one lock:
`TokenTable.encode` holds it for the whole batch, so concurrent threads never see a half-filled table.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from goodwill.triage.features import normalise, raw_tokens, token_info, trigger_bits
from goodwill.triage.language import EN_STOPWORDS, FOREIGN_STOPWORDS

if TYPE_CHECKING:
    from goodwill.triage.model import TriageModel

CACHE_LIMIT = 150_000  # distinct tokens remembered (~400 bytes each); emptied between batches beyond that
_BIGRAM_SHIFT = 20  # bigram key: norm id of the first token << 20 | norm id of the second
# columns of the integer token table
_UNI, _NEG, _NID, _FLAGS, _TRIG, _WORD, _KNOWN, _EN, _FOREIGN, _VEC = range(10)
_HAS_VALENCE, _NEGATION, _SCOPE_END, _SHOUT, _MENTION = 1, 2, 4, 8, 16


@dataclass(slots=True)
class Batch:
    """The encoded batch. ``*flat`` arrays hold every message's ids, each message led by the padding id 0."""

    wflat: np.ndarray  # word-block feature ids
    woff: np.ndarray  # where each message starts in wflat
    cflat: np.ndarray  # token-table rows (each a token's character block)
    coff: np.ndarray
    norms: list[str]  # normalised tokens of the whole batch, message after message
    toff: np.ndarray  # (n + 1,) where each message's tokens start in ``norms``
    n_words: np.ndarray  # alphabetic tokens (any script)
    n_known: np.ndarray  # of which the vocabulary knows
    en_hits: np.ndarray  # English function words
    foreign_hits: np.ndarray  # function words of the other languages language.py knows (and not English)
    n_valenced: np.ndarray  # tokens with a lexicon valence (words, emoji, emoticons)
    triggers: np.ndarray  # OR of `features.trigger_bits` over the tokens: cue-word families present
    vrows: np.ndarray  # aligned with cflat: each token's row in the model's severity word vectors (0: none)

    def tokens(self, i: int) -> list[str]:
        return self.norms[int(self.toff[i]) : int(self.toff[i + 1])]


class TokenTable:
    """Per-token features of every distinct raw token seen, plus the model's bigram and cue lookup tables."""

    def __init__(self, model: TriageModel) -> None:
        self.model = model
        k = model.bias.shape[0]
        self._k = k
        self.lock = threading.RLock()
        # bigrams by integer key, as a sorted array for a vectorised lookup (np.searchsorted)
        self.norm_ids: dict[str, int] = {"<s>": 1, "</s>": 2}
        keys: list[int] = []
        vals: list[int] = []
        for f, fid in model.vocab_w.items():
            if f.startswith("b:"):
                a, _, b = f[2:].partition(" ")
                ia = self.norm_ids.setdefault(a, len(self.norm_ids) + 1)
                ib = self.norm_ids.setdefault(b, len(self.norm_ids) + 1)
                keys.append(ia << _BIGRAM_SHIFT | ib)
                vals.append(fid)
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self._bkeys = np.array(keys, dtype=np.int64)[order] if keys else np.array([-1], dtype=np.int64)
        self._bvals = np.array(vals, dtype=np.int64)[order] if keys else np.array([0], dtype=np.int64)
        x = model.vocab_w
        self._x_pos = np.array([x.get(f"x:lexpos{i}", 0) for i in range(7)], dtype=np.int64)
        self._x_neg = np.array([x.get(f"x:lexneg{i}", 0) for i in range(7)], dtype=np.int64)
        self._x_diff = np.array([x.get(f"x:lexdiff{i}", 0) for i in range(-4, 5)], dtype=np.int64)
        self._x_caps = np.array([0] + [x.get(f"x:caps{i}", 0) for i in range(1, 4)], dtype=np.int64)
        lens = ["0" if n == 0 else "1" if n < 5 else "2" if n < 12 else "3" if n < 25 else "4" for n in range(26)]
        self._x_len = np.array([x.get("x:len" + s, 0) for s in lens], dtype=np.int64)
        self._x_mention = np.array([0, x.get("x:startmention", 0)], dtype=np.int64)
        self.clear()

    def clear(self) -> None:
        """Forget every token (row 0 stays the padding row of zeros)."""
        with self.lock:
            self.cache: dict[str, int] = {}
            self.norms: list[str] = [""]
            self.ints = np.zeros((4096, 10), dtype=np.int32)
            self.vals = np.zeros(4096, dtype=np.float64)
            self.rows = np.zeros((4096, self._k), dtype=np.float32)  # sum of the token's character weight rows
            self.idf2 = np.zeros(4096, dtype=np.float32)  # and of their squared idf
            self.n = 1
            self.pending: list[tuple[int, list[int]]] = []

    def _add(self, raw: str) -> int:
        """Featurise a new raw token into the next row (its character sums are filled by `_flush`)."""
        m = self.model
        ti = token_info(raw, m.lexicon)
        if self.n == self.ints.shape[0]:
            grow = self.ints.shape[0]
            self.ints = np.concatenate([self.ints, np.zeros_like(self.ints[:grow])])
            self.vals = np.concatenate([self.vals, np.zeros_like(self.vals[:grow])])
            self.rows = np.concatenate([self.rows, np.zeros_like(self.rows[:grow])])
            self.idf2 = np.concatenate([self.idf2, np.zeros_like(self.idf2[:grow])])
        row = self.n
        self.n += 1
        norm = ti.norm
        vw = m.vocab_w
        is_word = norm.isalpha() and norm != "xurl"
        vectors = m.severity_vectors
        flags = (
            int(bool(ti.valence)) * _HAS_VALENCE
            | int(ti.negation) * _NEGATION
            | int(ti.scope_end) * _SCOPE_END
            | int(ti.shout) * _SHOUT
            | int(norm == "@user") * _MENTION
        )
        self.ints[row] = (
            vw.get("w:" + norm, 0),
            vw.get("w:~" + norm, 0),
            self.norm_ids.get(norm, 0),
            flags,
            trigger_bits(norm),
            int(is_word),
            int(is_word and ("w:" + norm) in vw),
            int(norm in EN_STOPWORDS),
            int(norm in FOREIGN_STOPWORDS),
            vectors.index.get(norm, 0) if vectors is not None else 0,
        )
        self.vals[row] = ti.valence
        self.norms.append(norm)
        self.pending.append((row, [i for i in map(m.vocab_c.get, ti.chars) if i]))
        self.cache[raw] = row
        return row

    def _flush(self) -> None:
        """Fill the character sums of the rows added since the last call (one vectorised pass)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        rows = np.fromiter((r for r, _ in pending), dtype=np.int64, count=len(pending))
        flat, offsets = flatten([ids for _, ids in pending])
        m = self.model
        self.rows[rows] = np.add.reduceat(m.weights_c[flat], offsets, axis=0)
        self.idf2[rows] = np.add.reduceat(m.idf2_c[flat], offsets)

    def encode(self, texts: Sequence[str]) -> Batch:
        """Encode a batch; the table rows it refers to stay valid until the next call."""
        with self.lock:
            if self.n >= CACHE_LIMIT:
                self.clear()
            raws = [raw_tokens(normalise(t)) for t in texts]
            flat_raw = list(chain.from_iterable(raws))
            ids = list(map(self.cache.get, flat_raw))
            if None in ids:
                get, add = self.cache.get, self._add
                ids = [i if i is not None else (get(r) or add(r)) for i, r in zip(ids, flat_raw, strict=True)]
            self._flush()
            return self._assemble(raws, ids)

    def _assemble(self, raws: list[list[str]], ids: list[int | None]) -> Batch:
        n = len(raws)
        lengths = np.fromiter(map(len, raws), dtype=np.int64, count=n)
        toff = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=toff[1:])
        tid = np.fromiter(ids, dtype=np.int64, count=len(ids))
        seg = np.repeat(np.arange(n), lengths)
        t = self.ints[tid]
        flags = t[:, _FLAGS].astype(np.int64)
        negated = _negation_scope(flags, seg)
        uni = np.where(negated, t[:, _NEG], t[:, _UNI]).astype(np.int64)
        # bigrams: each token with the one before it (<s> first), and the last token with </s>
        nid = t[:, _NID].astype(np.int64)
        has = lengths > 0
        starts, lasts = toff[:-1][has], toff[1:][has] - 1
        prev = np.empty_like(nid)
        prev[1:] = nid[:-1]
        prev[starts] = 1
        keys = np.concatenate([prev << _BIGRAM_SHIFT | nid, nid[lasts] << _BIGRAM_SHIFT | 2])
        pos = np.searchsorted(self._bkeys, keys).clip(max=self._bkeys.size - 1)
        big = np.where(self._bkeys[pos] == keys, self._bvals[pos], 0)
        # lexicon sums (a negated word counts -0.5 times), shouting, length, leading mention
        v = self.vals[tid] * np.where(negated, -0.5, 1.0)
        p = np.bincount(seg, weights=np.maximum(v, 0.0), minlength=n)
        q = np.bincount(seg, weights=np.maximum(-v, 0.0), minlength=n)
        caps = np.bincount(seg, weights=(flags & _SHOUT) > 0, minlength=n).astype(np.int64)
        first_mention = np.zeros(n, dtype=np.int64)
        first_mention[has] = (flags[starts] & _MENTION) > 0
        x = [
            self._x_pos[np.minimum(p.astype(np.int64), 6)],
            self._x_neg[np.minimum(q.astype(np.int64), 6)],
            self._x_diff[np.clip(np.floor((p - q) / 1.5), -4, 4).astype(np.int64) + 4],
            self._x_caps[np.minimum(caps, 3)],
            self._x_len[np.minimum(lengths, 25)],
            self._x_mention[first_mention],
        ]
        msg = np.arange(n)
        all_ids = np.concatenate([np.zeros(n, dtype=np.int64), uni, big, *x])
        all_seg = np.concatenate([msg, seg, seg, seg[lasts], *([msg] * len(x))])
        keep = all_ids != 0
        keep[:n] = True  # the padding leads each message
        all_ids, all_seg = all_ids[keep], all_seg[keep]
        wflat = all_ids[np.argsort(all_seg, kind="stable")]
        woff = np.zeros(n, dtype=np.int64)
        np.cumsum(np.bincount(all_seg, minlength=n)[:-1], out=woff[1:])
        cflat = np.insert(tid, toff[:-1], 0)
        coff = toff[:-1] + msg
        per_token = self.ints[cflat]
        counts = np.add.reduceat(per_token[:, _WORD:_VEC], coff, axis=0)
        return Batch(
            wflat=wflat,
            woff=woff,
            cflat=cflat,
            coff=coff,
            norms=list(map(self.norms.__getitem__, ids)),  # type: ignore[arg-type]
            toff=toff,
            n_words=counts[:, 0],
            n_known=counts[:, 1],
            en_hits=counts[:, 2],
            foreign_hits=counts[:, 3],
            n_valenced=np.bincount(seg, weights=(flags & _HAS_VALENCE) > 0, minlength=n).astype(np.int64),
            triggers=np.bitwise_or.reduceat(per_token[:, _TRIG], coff),
            vrows=per_token[:, _VEC],
        )


def _negation_scope(flags: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Whether each token is in a negation scope: one of the 3 tokens before it in its message is a negation
    word, with no scope end ("but", "!", "?"...) after that word up to and including this token."""
    negated = np.zeros(flags.shape[0], dtype=bool)
    is_neg = (flags & _NEGATION) > 0
    if not is_neg.any():
        return negated
    ends = np.cumsum((flags & _SCOPE_END) > 0)
    for k in (1, 2, 3):
        if flags.shape[0] <= k:
            break
        a, b = slice(None, -k), slice(k, None)
        negated[b] |= is_neg[a] & (seg[a] == seg[b]) & (ends[a] == ends[b])
    return negated


def flatten(id_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate id lists, each led by the padding id 0 so that no segment is empty (reduceat needs it)."""
    lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(id_lists)) + 1
    offsets = np.zeros(len(id_lists), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    total = int(lengths.sum())
    flat = np.zeros(total, dtype=np.int64)
    inner = list(chain.from_iterable(id_lists))
    if inner:
        mask = np.ones(total, dtype=bool)
        mask[offsets] = False
        flat[mask] = inner
    return flat, offsets
