"""Running top-k lists, the step every compiled k-nearest-neighbour fold shares.

A list is one row of ``best_v`` (scores, best first) and ``best_i`` (their candidates), both (n, k);
``insert_sorted`` puts a score that beats the row's last one into its place, and ``rescore_rows``
scores the candidates found again in float64, so ties and rounding rank the same in every search.

Example:
    >>> import numpy as np
    >>> best_v, best_i = np.array([[0.9, 0.5, 0.1]]), np.array([[4, 2, 7]])
    >>> float(insert_sorted(best_v, best_i, 0, 0.6, 3)), best_i.tolist()
    (0.5, [[4, 3, 2]])
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def insert_sorted(best_v, best_i, r, s, index):  # pragma: no cover - compiled
    # Put score s of candidate index into row r's list (best first), which s beats at its last place;
    # returns the row's new last (threshold) score. An equal score stays ahead (smaller index first).
    k = best_v.shape[1]
    p = k - 1
    while p > 0 and best_v[r, p - 1] < s:
        best_v[r, p] = best_v[r, p - 1]
        best_i[r, p] = best_i[r, p - 1]
        p -= 1
    best_v[r, p] = s
    best_i[r, p] = index
    return best_v[r, k - 1]


@numba.njit(cache=True, nogil=True)
def rescore_rows(units, candidates, out, start, stop):  # pragma: no cover - compiled
    # out[i, j] = units[i] . units[candidates[i, j]] for rows start:stop, float64, summed in dimension order.
    for i in range(start, stop):
        for j in range(candidates.shape[1]):
            c = candidates[i, j]
            total = 0.0
            for d in range(units.shape[1]):
                total += np.float64(units[i, d]) * np.float64(units[c, d])
            out[i, j] = total
