"""What the Project page draws around a projection: colours, axis titles, the focused word and its neighbours.

Example:
    >>> from explorer.mapview import colour_by
    >>> colour_by("groups", ["refund", "fee", "box"], groups_text="billing: refund, fee\\nshipping: parcel").labels
    ['billing', 'billing', 'other']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from explorer.clustering import cluster_names, group_labels, parse_groups
from explorer.errors import GroupsError
from explorer.neighbours import crowded_note, nearest_neighbours
from explorer.projection import Projection
from explorer.settings import Settings
from explorer.vectors import WordVectors

COLOURINGS = {"cluster": "k-means clusters", "groups": "my word groups", "none": "one colour"}
MAX_NEIGHBOUR_WORDS = 20  # words whose neighbours a box or lasso selection lists
# Where a set larger than the page's cap goes: the map job lays out every word, the Map page draws them all.
WHOLE_SET_HINT = "For the whole set, build a map (`python -m explorer.map build`) and open it on the **Map** page."


def whole_set_hint(settings: Settings) -> str:
    """:data:`WHOLE_SET_HINT` worded for who reads it: a hosted visitor cannot run a command or build a map here,
    so is told only where whole sets are shown; a local server builds maps from the Map page itself."""
    if settings.hosted:
        return "The **Map** page shows whole vocabularies on maps built for this server."
    if settings.map_dir:
        return "For the whole set, build a map of it on the **Map** page (*Build a new map from a vector set*)."
    return WHOLE_SET_HINT


@dataclass(frozen=True)
class MapColours:
    """One colour label per point (None: one colour), words of the groups that are not on the map, and a note."""

    labels: list[str] | None
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None


def colour_by(
    mode: str,
    keys: Sequence[str],
    *,
    clusters: np.ndarray | None = None,
    groups_text: str = "",
    vectors: np.ndarray | None = None,
) -> MapColours:
    """Colour labels for ``mode``: "cluster" (from ``clusters``, one id per key), "groups" (typed) or "none".

    Clusters are named by their most central words when the ``vectors`` (one row per key) are
    given ("paris, berlin, rome"), else numbered.
    """
    if mode == "cluster" and clusters is not None:
        if vectors is None:
            return MapColours([f"cluster {int(c) + 1}" for c in clusters])
        names = cluster_names(vectors, clusters, keys)
        return MapColours([names[int(c)] for c in clusters])
    if mode != "groups":
        return MapColours(None)
    try:
        groups = parse_groups(groups_text)
    except GroupsError as exc:
        return MapColours(None, error=f"The word groups could not be read: {exc}")
    if not groups:
        hint = (
            None
            if groups_text.strip()
            else "Type word groups (one per line, like `billing: refund, invoice, fee`) to colour by them."
        )
        return MapColours(None, hint=hint)
    on_map = set(keys)
    missing = [w for ws in groups.values() for w in ws if w not in on_map]
    return MapColours(group_labels(keys, groups), missing=missing)


def group_words(mode: str, groups_text: str) -> list[str]:
    """The words of the typed groups when colouring by groups (so they join the map), else none.

    >>> group_words("groups", "billing: refund, fee\\nshipping: parcel"), group_words("cluster", "a: b")
    (['refund', 'fee', 'parcel'], [])
    """
    if mode != "groups":
        return []
    try:
        return list(dict.fromkeys(w for ws in parse_groups(groups_text).values() for w in ws))
    except GroupsError:
        return []  # colour_by says what is wrong with the text


def axis_titles(method: str, result: Projection, pairs: Sequence[tuple[str, str]]) -> list[str] | None:
    """Axis titles: the semantic axes' end words, or each principal component's share of variance."""
    if method == "axes":
        return [f"{a} → {b}" for a, b in pairs]
    if method == "pca" and result.explained_variance:
        return [f"PC{i + 1} ({v:.0%} of variance)" for i, v in enumerate(result.explained_variance)]
    return None


@dataclass(frozen=True)
class Focus:
    """The word whose neighbours the map highlights (picked or clicked), its neighbours, and the selection."""

    word: str | None
    neighbours: list[tuple[str, float]]
    highlighted: list[int]  # rows of the map: the word first, then its neighbours on the map
    selected: list[str]  # words selected on the map (box, lasso or click)
    selected_neighbours: dict[str, list[tuple[str, float]]]  # for a selection of several words
    note: str | None = None  # every cosine listed is near 1: the set looks barely trained


def focus_view(
    wv: WordVectors, keys: Sequence[str], selected: Sequence[str], picked: str | None, topn: int, only_on_map: bool
) -> Focus:
    """Neighbours (on the original vectors) of the one selected or picked word, or of the first selected words."""
    among = list(keys) if only_on_map else None
    word = selected[0] if len(selected) == 1 else (picked if picked in set(keys) else None)
    rows = nearest_neighbours(wv, [word], topn=topn, among=among).get(word, []) if word else []
    index_of = {w: i for i, w in enumerate(keys)}
    highlighted = [index_of[word], *(index_of[w] for w, _ in rows if w in index_of)] if word else []
    several = (
        nearest_neighbours(wv, list(selected[:MAX_NEIGHBOUR_WORDS]), topn=topn, among=among)
        if len(selected) > 1
        else {}
    )
    note = crowded_note(several or ({word: rows} if word else {}))
    return Focus(word, rows, highlighted, list(selected), several, note)
