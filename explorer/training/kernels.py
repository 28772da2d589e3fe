"""CBOW's update on the CPU as a compiled loop (numba): one example at a time, as word2vec.c does.

CBOW has one example per centre word, so a step of 10,000 words holds only a few thousand
examples: batched as tensor operations, each minibatch is a dozen small torch calls whose Python
side holds the interpreter lock, and two worker threads run barely faster than one. Here a
worker's whole share of a step is one call that releases the lock (``nogil``), so the workers run
side by side, and each example's update is applied before the next is read (no stale minibatch
sums, which is what lets CBOW take word2vec.c's larger starting rate, 0.05).

For an example with context rows r_1..r_m, target t and noise words n_1..n_K (``sigma`` the
logistic function, ``lr`` the rate)::

    h = mean_j W[r_j]
    for (c, label) in (t, 1), (n_1, 0) .. (n_K, 0):   # a noise word equal to t is skipped
        g = lr * (label - sigma(h . C[c]))
        e += g * C[c];   C[c] += g * h
    W[r_j] += e  for every j                          # word2vec.c's CBOW with cbow_mean=1

Noise words come from a unigram**0.75 table (``noise_lookup``) through a 64-bit linear
congruential generator seeded once per call; ``group`` consecutive examples share one draw of K
noise words (the ``shared_negatives`` setting), which keeps those K rows in cache. The loss,
``-log sigma(h . C_t) - sum_k log sigma(-h . C_nk)``, is summed in float64.
"""

from __future__ import annotations

import math

import numba
import numpy as np

NOISE_TABLE_SIZE = 1 << 20  # entries; a word with noise probability p gets about p * 2^20 of them


def noise_lookup(cumulative: np.ndarray, size: int = NOISE_TABLE_SIZE) -> np.ndarray:
    """A table of word ids (int32, ``size`` a power of two) in which each word fills a share of the
    entries equal to its noise probability, from the cumulative distribution ``cumulative``.

    >>> noise_lookup(np.array([0.25, 1.0]), size=8).tolist()
    [0, 0, 1, 1, 1, 1, 1, 1]
    """
    if size & (size - 1):
        raise ValueError(f"the noise table's size must be a power of two (got {size})")
    points = (np.arange(size) + 0.5) / size
    return np.minimum(np.searchsorted(cumulative, points, side="right"), len(cumulative) - 1).astype(np.int32)


@numba.njit(cache=True, nogil=True, fastmath=True, boundscheck=False)
def cbow_update(w_in, w_out, rows, ptr, targets, noise, seed, lr, negative, group):  # pragma: no cover
    """Train CBOW on the examples ``targets`` (B,) with context rows ``rows[ptr[i]:ptr[i+1]]``, in
    place on ``w_in`` (V, d) and ``w_out`` (V, d) float32; returns the summed loss.

    ``noise``: a ``noise_lookup`` table; ``seed``: this call's generator seed; ``group``: examples
    that share one draw of ``negative`` noise words.
    """
    d = w_in.shape[1]
    mask = np.uint64(noise.shape[0] - 1)
    state = np.uint64(seed) | np.uint64(1)
    h = np.empty(d, dtype=np.float32)
    e = np.empty(d, dtype=np.float32)
    drawn = np.empty(negative, dtype=np.int32)
    rate = np.float32(lr)
    loss = 0.0
    for i in range(targets.shape[0]):
        if i % group == 0:
            for k in range(negative):
                state = state * np.uint64(6364136223846793005) + np.uint64(1442695040888963407)
                drawn[k] = noise[(state >> np.uint64(30)) & mask]
        a, b = ptr[i], ptr[i + 1]
        if b <= a:
            continue
        h[:] = 0.0
        e[:] = 0.0
        for m in range(a, b):
            r = rows[m]
            for j in range(d):
                h[j] += w_in[r, j]
        inv = np.float32(1.0 / (b - a))
        for j in range(d):
            h[j] *= inv
        target = targets[i]
        for k in range(negative + 1):
            c = target if k == 0 else drawn[k - 1]
            if k > 0 and c == target:
                continue
            f = np.float32(0.0)
            for j in range(d):
                f += h[j] * w_out[c, j]
            s = 1.0 / (1.0 + math.exp(-max(min(f, 30.0), -30.0)))
            if k == 0:
                g = np.float32(1.0 - s) * rate
                loss -= math.log(max(s, 1e-30))
            else:
                g = np.float32(-s) * rate
                loss -= math.log(max(1.0 - s, 1e-30))
            for j in range(d):
                e[j] += g * w_out[c, j]
            for j in range(d):
                w_out[c, j] += g * h[j]
        for m in range(a, b):
            r = rows[m]
            for j in range(d):
                w_in[r, j] += e[j]
    return loss
