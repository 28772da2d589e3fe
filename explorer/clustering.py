"""Colouring words on a map: k-means clusters of their directions, or groups the user types.

Example:
    >>> parse_groups("billing: refund, invoice\\nshipping: box")
    {'billing': ['refund', 'invoice'], 'shipping': ['box']}
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from explorer.errors import GroupsError
from explorer.linalg import unit_rows
from explorer.stopwords import content_first

OTHER = "other"


def kmeans_labels(X: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Cluster labels (0..k-1) of the rows of X by k-means on unit vectors (cosine geometry), seeded.

    >>> X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> labels = kmeans_labels(X, 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans

    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of points ({n}); got {k}.")
    unit = unit_rows(X)
    if n > 10_000:
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048)
    else:
        model = KMeans(n_clusters=k, random_state=seed, n_init=3)
    return model.fit_predict(unit).astype(np.int64)


def cluster_names(
    X: np.ndarray,
    labels: np.ndarray,
    keys: Sequence[str],
    n_words: int = 3,
    weights: np.ndarray | None = None,
    sep: str = ", ",
    unit: bool = False,
) -> list[str]:
    """A name per cluster id (0..max label): its ``n_words`` most central words, content words first.

    Central: the highest cosine to the mean of the cluster's unit vectors, times the word's
    ``weights`` entry when given (the map job favours frequent words this way). Stopwords come
    only when a cluster has too few other words; a name two clusters would share gets its cluster
    number, so every name stays distinct. The words are joined with ``sep``. ``unit``: the rows of X
    are unit length already, so they are used as they are (no normalised copy of a large set).

    >>> X = np.array([[1, 0], [0.9, 0.2], [0.8, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> cluster_names(X, np.array([0, 0, 0, 1, 1]), ["the", "paris", "rome", "cat", "dog"], n_words=2)
    ['rome, paris', 'cat, dog']
    >>> w = np.array([1.0, 1.0, 0.5, 1.0, 1.0])
    >>> cluster_names(X, np.array([0, 0, 0, 1, 1]), ["the", "paris", "rome", "cat", "dog"], 2, w, " · ")
    ['paris · rome', 'cat · dog']
    """
    # float32 unit rows for the whole set; each cluster's scores in float64 (a million-word map
    # would need 8 bytes a value for nothing otherwise), a block of members at a time.
    rows_of = np.asarray(X, dtype=np.float32) if unit else unit_rows(np.asarray(X, dtype=np.float32))
    labels = np.asarray(labels, dtype=np.int64)
    order = np.argsort(labels, kind="stable")  # members of each cluster, in row order
    bounds = np.searchsorted(labels[order], np.arange(int(labels.max()) + 2 if len(labels) else 1))
    names: list[str] = []
    for c in range(len(bounds) - 1):
        members = order[bounds[c] : bounds[c + 1]]
        if len(members) == 0:
            names.append(f"cluster {c + 1}")
            continue
        scores = _central_scores(rows_of, members)
        if weights is not None:
            scores = scores * np.asarray(weights, dtype=np.float64)[members]
        ranked = members[np.argsort(-scores, kind="stable")]
        words = [keys[i] for i in ranked]
        name = sep.join(words[i] for i in content_first(words)[: max(1, n_words)])
        names.append(name if name not in names else f"{name} ({c + 1})")
    return names


NAME_BLOCK_ROWS = 65_536  # members scored at once in float64


def _central_scores(unit: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Cosine-like centrality of each member: its row times the members' mean row, in float64,
    a block of members at a time (a cluster of 500,000 rows would otherwise copy 1.2 GB to float64)."""
    if len(members) <= NAME_BLOCK_ROWS:
        rows = unit[members].astype(np.float64)
        return rows @ rows.mean(axis=0)
    total = np.zeros(unit.shape[1])
    for start in range(0, len(members), NAME_BLOCK_ROWS):
        total += unit[members[start : start + NAME_BLOCK_ROWS]].sum(axis=0, dtype=np.float64)
    mean = total / len(members)
    return np.concatenate(
        [
            unit[members[start : start + NAME_BLOCK_ROWS]].astype(np.float64) @ mean
            for start in range(0, len(members), NAME_BLOCK_ROWS)
        ]
    )


def parse_groups(text: str) -> dict[str, list[str]]:
    """Read lines like ``billing: refund, invoice, fee`` into {group: [words]}.

    Blank lines and lines starting with # are ignored. Raises GroupsError on a line without a
    colon, an empty name or an empty word list.

    >>> parse_groups("# colours\\nwarm: red, orange\\nwarm: red, yellow")
    {'warm': ['red', 'orange', 'yellow']}
    """
    groups: dict[str, list[str]] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        name = name.strip()
        if not sep or not name:
            raise GroupsError(f"Line {number} ({line!r}) needs the form 'group: word, word, …'.")
        words = [w for w in re.split(r"[\s,;]+", rest) if w]
        if not words:
            raise GroupsError(f"Line {number}: the group {name!r} lists no words.")
        groups.setdefault(name, []).extend(w for w in words if w not in groups.get(name, []))
    return groups


def group_labels(keys: Sequence[str], groups: dict[str, list[str]]) -> list[str]:
    """The group of each key (the first group that lists it), or "other".

    >>> group_labels(["refund", "cat"], {"billing": ["refund"]})
    ['billing', 'other']
    """
    owner: dict[str, str] = {}
    for name, words in groups.items():
        for w in words:
            owner.setdefault(w, name)
    return [owner.get(k, OTHER) for k in keys]
