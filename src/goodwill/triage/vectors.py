"""Word vectors the package trains itself, at training time, from the openly licensed training texts.

PPMI + truncated SVD (Levy, Goldberg & Dagan 2015): co-occurrence counts of the normalised tokens of
``features`` within a symmetric window, positive pointwise mutual information with context-distribution
smoothing (alpha 0.75), then the top singular vectors, each word's row scaled by the singular values to the power
0.5 and normalised to unit length. Nothing pretrained, nothing fetched: the shipped model stores the vectors of
the words it needs (float16).

A message's vector is the mean of its known words' vectors, normalised to unit length (zero when no word is
known). The severity head gets it, times ``scale``, as extra inputs beside its word block; it is computed only
for messages the complaint head calls complaints (severity is shown for those alone).

Training needs scipy and scikit-learn; run time needs numpy only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

WINDOW = 4  # tokens either side
MIN_COUNT = 3  # a word needs this many occurrences in the training texts
ALPHA = 0.75  # context distribution smoothing
EIG_P = 0.5  # rows = U * S^p


def train_vectors(token_lists: Sequence[Sequence[str]], dim: int, *, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Words (count >= MIN_COUNT) and their unit-length PPMI-SVD vectors, shape (words, dim), float32.

    Returns no words when the texts are too few for ``dim`` dimensions (e.g. a miniature test corpus).
    """
    import scipy.sparse as sp  # type: ignore[import-untyped]
    from sklearn.utils.extmath import randomized_svd  # type: ignore[import-untyped]

    counts = Counter(t for ts in token_lists for t in ts)
    words = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
    n = len(words)
    if n <= 2 * dim:
        return [], np.zeros((0, dim), dtype=np.float32)
    index = {w: i for i, w in enumerate(words)}
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for ts in token_lists:
        ids = np.array([index[t] for t in ts if t in index], dtype=np.int64)
        for d in range(1, WINDOW + 1):
            if ids.size > d:
                left.append(ids[:-d])
                right.append(ids[d:])
    if not left:
        return [], np.zeros((0, dim), dtype=np.float32)
    a = np.concatenate(left)
    b = np.concatenate(right)
    c = sp.coo_matrix((np.ones(2 * a.size), (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr().tocoo()
    total = c.data.sum()
    row_p = np.bincount(c.row, weights=c.data, minlength=n) / total
    col = np.bincount(c.col, weights=c.data, minlength=n) ** ALPHA
    col_p = col / col.sum()
    pmi = np.log(c.data / total) - np.log(row_p[c.row]) - np.log(col_p[c.col])
    keep = pmi > 0
    m = sp.csr_matrix((pmi[keep], (c.row[keep], c.col[keep])), shape=(n, n))
    # the leading ``dim`` of a rank-2*dim randomized SVD (oversampled: the leading vectors come out more exact)
    u, s, _ = randomized_svd(m, min(2 * dim, n - 1), n_iter=5, random_state=seed)
    vec = (u * s**EIG_P)[:, :dim]
    vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
    return words, vec.astype(np.float32)


class WordVectors:
    """Unit word vectors by normalised token; message vectors as the normalised mean of the known words'."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        self.words = list(words)
        self.index = {w: i + 1 for i, w in enumerate(self.words)}  # row 0: zeros, for unknown words
        dim = vectors.shape[1]
        self.vectors = np.concatenate([np.zeros((1, dim), np.float32), np.asarray(vectors, dtype=np.float32)])
        self.dim = dim

    def message_vectors(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """(len(token_lists), dim) float32: each message's unit mean vector (zeros when it has no known word)."""
        get = self.index.get
        ids = [0]  # each message led by the zero row, so that reduceat never sees an empty segment
        offs = []
        for ts in token_lists:
            offs.append(len(ids))
            ids.append(0)
            ids.extend(get(t, 0) for t in ts)
        if not offs:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._unit_sums(np.array(ids), np.array(offs))

    def segment_vectors(self, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Message vectors from vector rows already looked up (``rows``, 0 for unknown words): message i is
        ``rows[starts[i]:ends[i]]``; every segment must be non-empty (the run-time batch leads each with 0)."""
        if starts.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        lengths = ends - starts
        offs = np.zeros(starts.size, dtype=np.int64)
        np.cumsum(lengths[:-1], out=offs[1:])
        idx = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offs, lengths)
        return self._unit_sums(rows[idx], offs)

    def _unit_sums(self, ids: np.ndarray, offs: np.ndarray) -> np.ndarray:
        sums = np.add.reduceat(self.vectors[ids], offs, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out: np.ndarray = np.where(norms > 0, sums / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
        return out
