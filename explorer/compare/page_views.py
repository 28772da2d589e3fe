"""What the Compare page draws from a ``Comparison``: the joint map, the ranked tables, the
neighbours of one word side by side, the benchmark files, and what a link can carry.

Everything here is plain Python (no Streamlit), so the page stays a list of widgets and calls.

Example:
    >>> from explorer.compare.core import _example
    >>> c = _example()
    >>> chosen = map_words(c, n_words=10, joined=c.most_changed(3), focus="w20")
    >>> len(chosen.words), chosen.words[chosen.focus], [chosen.words[i] for i in chosen.joined][:1]
    (12, 'w20', ['moved'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer import knnengine, vectorsets
from explorer.compare.core import Comparison
from explorer.compare.views import AlignedRows, aligned_rows, benchmark_table, side_by_side
from explorer.errors import CompareError, LinkError

MAP_METHODS = ("pca", "tsne", "umap")
MAP_METHOD_LABELS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
ORDER_LABELS = {"overlap": "Neighbour overlap", "cosine": "Aligned cosine"}
DEFAULT_MAP_WORDS = 300
DEFAULT_MIN_COUNT = 10  # rare words have noisy neighbourhoods; rank words seen this often (when counts are known)
MAX_MAP_WORDS = 5000  # words per set on one map (twice as many points)
MAX_WORD_OPTIONS = 5000  # words offered in the word picker besides the ranked ones
BENCHMARK_METHODS = ("3cosadd", "3cosmul")


# ----- the words on the map -----------------------------------------------------------------------
@dataclass(frozen=True)
class MapWords:
    """Words on the joint map: the most frequent shared ones plus the joined and the focused word.

    ``joined``: positions in ``words`` whose two points (A and B) get a line; ``focus``: the
    chosen word's position, or None.
    """

    words: tuple[str, ...]
    joined: tuple[int, ...]
    focus: int | None


def map_words(c: Comparison, n_words: int, joined: Sequence[str], focus: str | None = None) -> MapWords:
    """The first ``n_words`` shared words (A's order) plus ``joined`` and ``focus``, each once.

    >>> from explorer.compare.core import _example
    >>> map_words(_example(), 2, ["moved"]).joined
    (0,)
    """
    extra = [w for w in (*joined, focus) if w is not None and w in c]
    words = tuple(dict.fromkeys([*c.words[: max(0, n_words)], *extra]))
    at = {w: i for i, w in enumerate(words)}
    join = tuple(dict.fromkeys(at[w] for w in (*joined, *([focus] if focus else [])) if w in at))
    return MapWords(words, join, at.get(focus) if focus else None)


def ranked_words(c: Comparison, n: int, min_count: int | None, by: str) -> tuple[str, ...]:
    """The ``n`` most changed words (those seen at least ``min_count`` times when counts are known)."""
    return c.most_changed(n, min_count=effective_min_count(c, min_count), by=by)


def effective_min_count(c: Comparison, min_count: int | None) -> int | None:
    """``min_count`` when both sets know their counts and it filters something (above 1); else None.

    >>> from explorer.compare.core import _example
    >>> effective_min_count(_example(), 5) is None  # the example has no counts
    True
    """
    return int(min_count) if c.has_counts and min_count is not None and min_count > 1 else None


@dataclass(frozen=True, eq=False)
class JointMap:
    """Both sets' rows of the chosen words on one projection.

    ``coords`` is (2m, dims): A's rows then B's, as ``rows.stacked()``; ``projection`` is what
    the project function returned (its ``knn_overlap`` and ``trustworthiness`` say how faithful
    the map is).
    """

    chosen: MapWords
    rows: AlignedRows
    coords: np.ndarray
    projection: Any

    @property
    def coords_a(self) -> np.ndarray:
        return self.coords[: len(self.chosen.words)]

    @property
    def coords_b(self) -> np.ndarray:
        return self.coords[len(self.chosen.words) :]

    def moves(self) -> np.ndarray:
        """(m,) distance on the map between each word's A point and its B point."""
        return np.linalg.norm(self.coords_a - self.coords_b, axis=1)


def joint_map(c: Comparison, chosen: MapWords, project: Callable[[np.ndarray], Any]) -> JointMap:
    """Project the aligned rows of ``chosen`` (A's, then B's rotated onto A) with ``project``.

    ``project`` takes the (2m, d) stacked rows and returns an object with ``coords`` (a
    ``projection.Projection``, as ``cache.get_projection`` gives). Raises CompareError when the
    sets cannot be aligned (different dimensions) or there are fewer than 3 points.

    >>> from explorer.compare.core import _example
    >>> from explorer.projection import project
    >>> c = _example()
    >>> m = joint_map(c, map_words(c, 30, ["moved"]), lambda x: project(x, "pca"))
    >>> m.coords.shape, int(np.argmax(m.moves())) == m.chosen.words.index("moved")
    ((60, 2), True)
    """
    if len(chosen.words) < 2:
        raise CompareError("A joint map needs at least 2 shared words; raise the number of words.")
    rows = aligned_rows(c, chosen.words)
    projection = project(rows.stacked())
    return JointMap(chosen, rows, np.asarray(projection.coords), projection)


# ----- tables ---------------------------------------------------------------------------------------
def _round(value: float, digits: int = 3) -> float | None:
    return None if math.isnan(value) else round(value, digits)


def ranking_rows(c: Comparison, n: int, changed: bool, min_count: int | None, by: str) -> list[dict[str, object]]:
    """Display rows of the most changed (or stable) words: rank, word, overlap, cosine, counts.

    >>> from explorer.compare.core import _example
    >>> ranking_rows(_example(), 1, True, None, "overlap")[0]["word"]
    'moved'
    """
    rows = c.table(n, changed, effective_min_count(c, min_count), by)
    for row in rows:
        row["overlap"] = _round(float(row["overlap"]))  # type: ignore[arg-type]
        row["cosine"] = _round(float(row["cosine"]))  # type: ignore[arg-type]
        if "word_b" in row:  # aligned by a dictionary: the partner in B, and whether the pair was held out
            row["B word"] = row.pop("word_b")
            row["held out"] = row.pop("held_out")
    return rows


def neighbour_rows(c: Comparison, word: str, k: int | None = None) -> list[dict[str, object]]:
    """The word's neighbours in A and in B side by side; "in both" marks the neighbours the two lists share.

    >>> from explorer.compare.core import _example
    >>> rows = neighbour_rows(_example(), "w3")
    >>> list(rows[0])
    ['rank', 'A neighbour', 'A cosine', 'A: in both', 'B neighbour', 'B cosine', 'B: in both']
    """
    return [
        {
            "rank": r["rank"],
            "A neighbour": r["a_word"],
            "A cosine": round(float(r["a_cosine"]), 3),  # type: ignore[arg-type]
            "A: in both": r["a_in_b"],
            "B neighbour": r["b_word"],
            "B cosine": round(float(r["b_cosine"]), 3),  # type: ignore[arg-type]
            "B: in both": r["b_in_a"],
        }
        for r in side_by_side(c, word, k)
    ]


def word_line(c: Comparison, word: str, min_count: int | None = None, by: str = "overlap") -> str:
    """One sentence on a word: its overlap, its aligned cosine and its rank among the changed words
    (ranked as the tables are: by ``by``, among words seen at least ``min_count`` times).

    >>> from explorer.compare.core import _example
    >>> word_line(_example(), "moved")
    '**moved**: 0 of 5 neighbours in common; cosine between its two aligned vectors 0.11; number 1 of 30 most changed.'
    """
    i = c.position(word)
    shared = int(round(c.overlap[i] * c.k))
    order = c.ranking(True, effective_min_count(c, min_count), by)
    at = np.flatnonzero(order == i)
    rank = f"number {int(at[0]) + 1:,} of {len(order):,} most changed" if len(at) else "rarer than the ranked words"
    cosine = "" if math.isnan(c.cosine[i]) else f"; cosine between its two aligned vectors {c.cosine[i]:.2f}"
    return f"**{word}**: {shared} of {c.k} neighbours in common{cosine}; {rank}."


def clicked_word(chart_state: Any, c: Comparison) -> str | None:
    """The shared word of the first point clicked on the joint map (its ``customdata``), or None.

    ``chart_state`` is what Streamlit keeps under the chart's key; ``customdata`` arrives as a
    list, a scalar or a dict keyed "0" depending on the trace type.

    >>> from explorer.compare.core import _example
    >>> clicked_word({"selection": {"points": [{"customdata": ["w3"]}]}}, _example())
    'w3'
    >>> clicked_word({"selection": {"points": [{"customdata": {"0": "nope"}}]}}, _example()) is None
    True
    """
    selection = chart_state.get("selection", {}) if hasattr(chart_state, "get") else {}
    for point in (selection or {}).get("points", []) or []:
        data = point.get("customdata") if hasattr(point, "get") else None
        if isinstance(data, dict):
            data = data.get("0", data.get(0))
        elif isinstance(data, list | tuple):
            data = data[0] if data else None
        if isinstance(data, str) and data in c:
            return data
    return None


def word_options(c: Comparison, first: Sequence[str], current: str | None) -> list[str]:
    """Words the word picker offers: ``first`` (the ranked ones), the current one, then the shared words in order."""
    head = [w for w in (*first, current) if w is not None and w in c]
    return list(dict.fromkeys([*head, *c.words[:MAX_WORD_OPTIONS]]))


def summary_line(c: Comparison) -> str:
    """The headline: shared words, words in one set only, k, mean overlap and the alignment residual.

    >>> from explorer.compare.core import _example
    >>> summary_line(_example()).split(";")[0]
    '**30** shared words (0 only in A, 0 only in B)'
    """
    s = c.summary()
    text = f"**{s['shared']:,}** shared words ({s['only_a']:,} only in A, {s['only_b']:,} only in B); "
    text += f"on average **{s['mean_overlap']:.0%}** of each word's {s['k']} nearest neighbours are the same in both"
    if c.aligned:
        text += (
            f"; after rotating B onto A the mean cosine is **{s['mean_cosine']:.2f}** and the residual "
            f"**{s['residual']:.2f}** (0: same shape, about 1.41: unrelated)"
        )
    return text + "."


def search_line(c: Comparison) -> str:
    """How the neighbours behind the overlap were found: exact, or approximate with each set's recall@k.

    >>> from explorer.compare.core import _example
    >>> search_line(_example())
    'Neighbours: exact, among the 30 shared words of each set.'
    """
    a, b = c.search_a, c.search_b
    among = "paired words" if c.dictionary is not None else "shared words"
    if a.exact and b.exact:
        return f"Neighbours: exact, among the {len(c):,} {among} of each set."
    if not a.exact and not b.exact and a.sample == b.sample:
        return (
            f"Neighbours: {knnengine.ENGINE_LABELS[a.engine]}, recall@{c.k} {a.recall:.2f} in A and "
            f"{b.recall:.2f} in B on {a.sample:,} sampled words each (the share of their exact {c.k} nearest "
            f"neighbours found); exact up to {knnengine.EXACT_MAX_ROWS:,} {among}."
        )
    return f"Neighbours: A {a.describe()}; B {b.describe()}."


# ----- what travels in a link ---------------------------------------------------------------------------
def link_note(id_a: str, id_b: str) -> str | None:
    """None when a link rebuilds both sets; else which set cannot travel, and why.

    >>> link_note("reference", "reference") is None
    True
    >>> print(link_note("trained:sgns:builtin:mixed@step20", "reference"))
    A link to this comparison names set A, but cannot rebuild it: trained vectors stay in the session that trained them until shared (press Share under the set). Set B (the transformer's input table) travels.
    """
    reasons = {
        "trained": "trained vectors stay in the session that trained them until shared (press Share under the set)",
        "upload": "uploaded files stay in the session that uploaded them until shared (press Share under the set)",
    }
    stuck: list[str] = []
    why: list[str] = []
    for label, set_id in (("A", id_a), ("B", id_b)):
        try:
            parsed = vectorsets.parse_id(set_id)
        except LinkError:
            stuck.append(label)
            why.append("it was uploaded on this page (pick it from the list once kept)")
            continue
        if not parsed.travels:
            stuck.append(label)
            why.append(reasons.get(parsed.kind, "it exists only in this session"))
    if not stuck:
        return None
    sets = "set " + stuck[0] if len(stuck) == 1 else "sets A and B"
    text = f"A link to this comparison names {sets}, but cannot rebuild {'it' if len(stuck) == 1 else 'them'}: "
    text += "; ".join(dict.fromkeys(why)) + "."
    if len(stuck) == 1:
        other = "B" if stuck[0] == "A" else "A"
        kind = vectorsets.parse_id(id_b if other == "B" else id_a).kind
        what = {
            "reference": "the transformer's input table",
            "library": "a file of this server's library",
            "shared": "a shared set",
        }.get(kind, "an index of this server")
        text += f" Set {other} ({what}) travels."
    return text


# ----- benchmark files ----------------------------------------------------------------------------------
def benchmark_choices() -> dict[str, str]:
    """Built-in evaluation files by short name -> title (analogy files first).

    >>> list(benchmark_choices())
    ['world', 'support', 'pairs']
    """
    from explorer.evaluation import BUILTIN_ANALOGY_FILES, BUILTIN_PAIR_FILES

    return {name: title for name, (title, _) in {**BUILTIN_ANALOGY_FILES, **BUILTIN_PAIR_FILES}.items()}


def parse_benchmarks(raw: str) -> list[str]:
    """Link parser of the chosen built-in files: known short names, comma separated.

    >>> parse_benchmarks("pairs,world"), parse_benchmarks("")
    (['pairs', 'world'], [])
    """
    names = [n.strip() for n in str(raw).split(",") if n.strip()]
    known = benchmark_choices()
    bad = [n for n in names if n not in known]
    if bad:
        raise LinkError(f"{bad[0][:40]!r} is not a built-in evaluation file ({', '.join(known)}).")
    return list(dict.fromkeys(names))


def benchmark_files(
    names: Sequence[str], upload: tuple[str, str, bytes] | None = None
) -> tuple[tuple[str, str, bytes], ...]:
    """(title, "analogies" or "pairs", bytes) of the chosen built-in files and an uploaded one.

    Bytes, so the result can key a cache and be read once per set. ``upload``: (name, kind, bytes).

    >>> [(t[:14], k) for t, k, _ in benchmark_files(["pairs"], ("mine.txt", "analogies", b": x\\na b c d\\n"))]
    [('Word relatedne', 'pairs'), ('mine.txt', 'analogies')]
    """
    from explorer.evaluation import BUILTIN_PAIR_FILES, builtin_path

    titles = benchmark_choices()
    files = [
        (titles[n], "pairs" if n in BUILTIN_PAIR_FILES else "analogies", builtin_path(n).read_bytes()) for n in names
    ]
    if upload is not None:
        name, kind, data = upload
        if kind not in ("analogies", "pairs"):
            raise CompareError(f"An evaluation file is 'analogies' or 'pairs', not {kind!r}.")
        files.append((name, kind, data))
    return tuple(files)


def score_benchmarks(
    a: Any, b: Any, files: Sequence[tuple[str, str, bytes]], sections: bool, shared_only: bool, max_bytes: int | None
) -> list[dict[str, object]]:
    """``benchmark_table`` of both sets on ``files`` (as ``benchmark_files`` gives), with both analogy methods.

    >>> from explorer.compare.core import _example
    >>> c = _example()
    >>> rows = score_benchmarks(c.a, c.b, benchmark_files(["pairs"]), False, False, None)
    >>> rows[0]["metric"], rows[0]["note"][:2]
    ('Spearman ρ', 'A:')
    """
    analogies = {title: data for title, kind, data in files if kind == "analogies"}
    pairs = {title: data for title, kind, data in files if kind == "pairs"}
    return benchmark_table(
        a,
        b,
        analogies,
        pairs,
        methods=BENCHMARK_METHODS,
        shared_only=shared_only,
        max_bytes=max_bytes,
        sections=sections,
    )


def benchmark_rows(rows: Sequence[dict[str, object]], name_a: str, name_b: str) -> list[dict[str, object]]:
    """``benchmark_table`` rows for display: scores rounded, columns named after the sets.

    >>> benchmark_rows([{"benchmark": "x", "metric": "m", "a": 0.5, "b": float("nan"), "a_used": "1 of 2",
    ...                  "b_used": "", "note": ""}], "A", "B")[0]["B"] is None
    True
    """
    out = []
    for r in rows:
        out.append(
            {
                "benchmark": r["benchmark"],
                "metric": r["metric"],
                "A": _round(float(r["a"])),  # type: ignore[arg-type]
                "B": _round(float(r["b"])),  # type: ignore[arg-type]
                f"A used ({name_a})": r["a_used"],
                f"B used ({name_b})": r["b_used"],
                "note": r["note"],
            }
        )
    return out
