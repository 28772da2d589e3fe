"""What a Compare page shows from a ``Comparison``: neighbours side by side, aligned rows for a
joint map, CSV texts, and one benchmark table for both sets.

Example:
    >>> from explorer.compare.core import _example
    >>> c = _example()
    >>> rows = side_by_side(c, "w3", k=3)
    >>> [sorted(r) for r in rows[:1]]
    [['a_cosine', 'a_in_b', 'a_word', 'b_cosine', 'b_in_a', 'b_word', 'rank']]
    >>> aligned_rows(c, ["moved", "w1"]).stacked().shape
    (4, 6)
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from explorer.compare.core import Comparison, _missing_message, shared_vocabulary
from explorer.errors import CompareError
from explorer.linalg import centre_unit_rows, pca, readonly, top_k
from explorer.wording import count

if TYPE_CHECKING:
    from explorer.vectors import WordVectors

Source = str | Path | IO[bytes] | bytes
_METHOD_LABELS = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}


# ----- neighbours side by side ------------------------------------------------------------------------
def side_by_side(
    comparison_or_sets: Comparison | tuple[WordVectors, WordVectors], word: str, k: int | None = None
) -> list[dict[str, object]]:
    """The ``k`` nearest neighbours of ``word`` in A and in B, one row per rank, shared ones marked.

    Neighbours are taken among the words both sets have (as for ``Comparison.overlap``), by
    cosine on each set's own vectors, the word itself excluded; equal cosines keep word order.
    Each row: rank, a_word, a_cosine, a_in_b (that neighbour is among B's k too), b_word,
    b_cosine, b_in_a. ``k`` defaults to the comparison's k (10 for a pair of sets); with a
    ``Comparison`` and that k, the lists are the ones its overlap counted.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> a = WordVectors(["cat", "dog", "car", "bus"], np.array([[1, 0], [0.9, 0.2], [0, 1], [0.1, 0.9]]))
    >>> b = WordVectors(["cat", "dog", "car", "bus"], np.array([[1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9]]))
    >>> [(r["a_word"], r["a_in_b"], r["b_word"], r["b_in_a"]) for r in side_by_side((a, b), "cat", k=2)]
    [('dog', False, 'car', False), ('bus', True, 'bus', True)]
    """
    if isinstance(comparison_or_sets, Comparison):
        c = comparison_or_sets
        i = c.position(word)
        kk = c.k if k is None else _check_k(k, len(c))
        if kk == c.k:
            lists = (c.neighbours_a[i], c.neighbours_b[i])
        else:
            lists = (_one_word_neighbours(c.a, c.rows_a, i, kk), _one_word_neighbours(c.b, c.rows_b, i, kk))
        words, sets, rows = c.words, (c.a, c.b), (c.rows_a, c.rows_b)
        words_b = c.words_b  # the B partner of each row (the same words unless aligned by a dictionary)
    else:
        a, b = comparison_or_sets
        words, rows_a, rows_b = shared_vocabulary(a, b)
        position = {w: j for j, w in enumerate(words)}
        if word not in position:
            raise CompareError(_missing_message(word, a, b))
        i = position[word]
        kk = _check_k(10 if k is None else k, len(words))
        lists = (_one_word_neighbours(a, rows_a, i, kk), _one_word_neighbours(b, rows_b, i, kk))
        sets, rows = (a, b), (rows_a, rows_b)
        words_b = words
    in_b, in_a = set(lists[1].tolist()), set(lists[0].tolist())
    own = [wv.unit_vectors[r[i]] for wv, r in zip(sets, rows, strict=True)]  # the word's (and its partner's) unit row
    out: list[dict[str, object]] = []
    for rank, (ja, jb) in enumerate(zip(lists[0], lists[1], strict=True), start=1):
        out.append(
            {
                "rank": rank,
                "a_word": words[ja],
                "a_cosine": float(sets[0].unit_vectors[rows[0][ja]] @ own[0]),
                "a_in_b": int(ja) in in_b,
                "b_word": words_b[jb],
                "b_cosine": float(sets[1].unit_vectors[rows[1][jb]] @ own[1]),
                "b_in_a": int(jb) in in_a,
            }
        )
    return out


def _check_k(k: int, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise CompareError(f"k (neighbours per word) must be a whole number of at least 1; got {k!r}.")
    return int(min(k, n - 1))


def _one_word_neighbours(wv: WordVectors, rows: np.ndarray, i: int, k: int) -> np.ndarray:
    """Positions (in the shared words) of the k nearest shared words to shared word i, in set ``wv``."""
    units = wv.unit_vectors  # (n_set, d)
    scores = (units @ units[rows[i]])[rows]  # (n_shared,) cosines, one product over the set
    return top_k(scores, k, exclude={i})


# ----- aligned rows for a joint map ----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class AlignedRows:
    """Chosen words' rows of A and of B in one space: A's centred unit rows and B's rotated onto them.

    ``a`` and ``b`` are (m, d) float32, read-only, aligned with ``words``. ``words_b``: B's word of
    each row when the sets were aligned by a dictionary (None: the same words).
    """

    words: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    name_a: str
    name_b: str
    words_b: tuple[str, ...] | None = None

    def stacked(self) -> np.ndarray:
        """(2m, d) rows, A's then B's: the input of a joint 2-D / 3-D projection (PCA, t-SNE, UMAP)."""
        return np.vstack([self.a, self.b])

    def labels(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(word, set name) of each row of ``stacked()``."""
        words_b = self.words if self.words_b is None else self.words_b
        return self.words + words_b, (self.name_a,) * len(self.words) + (self.name_b,) * len(self.words)

    def pca(self, n_components: int = 2) -> np.ndarray:
        """(2m, n_components) joint PCA coordinates of ``stacked()`` (fixed signs).

        >>> from explorer.compare.core import _example
        >>> aligned_rows(_example()).pca(3).shape
        (60, 3)
        """
        if n_components not in (2, 3):
            raise CompareError(f"A joint map has 2 or 3 dimensions; got {n_components}.")
        return pca(self.stacked(), n_components)[0]

    def shifts(self) -> np.ndarray:
        """(m,) cosine between each word's row in A and its aligned row in B (as ``Comparison.cosine``)."""
        from explorer.linalg import row_cosines

        return row_cosines(self.a, self.b)


def aligned_rows(comparison: Comparison, words: Sequence[str] | None = None) -> AlignedRows:
    """Rows of ``words`` (default: all shared words) in A's prepared space, from A and from B.

    A's rows are its centred unit rows (centred on the shared words' mean, as in the
    alignment); B's are its centred unit rows times ``comparison.rotation``. Both sets' rows of a
    word coincide when the spaces agree on it. Raises CompareError when the sets could not be
    aligned (different dimensions) or a word is not shared.

    >>> from explorer.compare.core import _example
    >>> rows = aligned_rows(_example(), ["w1", "moved"])
    >>> rows.words, bool(rows.shifts()[0] > 0.9), bool(rows.shifts()[1] < 0.9)
    (('w1', 'moved'), True, True)
    """
    c = comparison
    if c.rotation is None:
        raise CompareError(
            f"{c.name_a!r} ({c.a.vector_size} dimensions) and {c.name_b!r} ({c.b.vector_size}) cannot be aligned, "
            "so they cannot share one map; compare their neighbours side by side instead."
        )
    chosen = tuple(c.words) if words is None else tuple(dict.fromkeys(words))
    missing = [w for w in chosen if w not in c]
    if missing:
        raise CompareError(_missing_message(missing[0], c.a, c.b) + _more(missing))
    at = np.fromiter((c.position(w) for w in chosen), dtype=np.int64, count=len(chosen))
    rows_a, _ = centre_unit_rows(c.a.vectors[c.rows_a[at]], mean=c.mean_a)  # (m, d)
    rows_b, _ = centre_unit_rows(c.b.vectors[c.rows_b[at]], mean=c.mean_b)  # (m, d)
    rotated = (rows_b @ c.rotation).astype(np.float32)
    words_b = None if c.dictionary is None else tuple(c.words_b[i] for i in at)
    return AlignedRows(chosen, readonly(rows_a, np.float32), readonly(rotated), c.name_a, c.name_b, words_b)


def _more(missing: Sequence[str]) -> str:
    if len(missing) < 2:
        return ""
    return f" ({count(len(missing) - 1, 'more word')} {'is' if len(missing) == 2 else 'are'} not shared either.)"


# ----- CSV texts ---------------------------------------------------------------------------------------
def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6g}"


def agreement_csv(
    comparison: Comparison, changed: bool = True, min_count: int | None = None, by: str = "overlap"
) -> str:
    """CSV text of every shared word's agreement, most changed first (or most stable, ``changed=False``).

    Columns: rank, word, overlap, cosine (empty when the sets could not be aligned), and
    count_a, count_b when the sets have counts; word_b and held_out (1 or 0) after a dictionary alignment.

    >>> from explorer.compare.core import _example
    >>> agreement_csv(_example()).splitlines()[0]
    'rank,word,overlap,cosine'
    """
    rows = comparison.table(None, changed, min_count, by)
    headers = ["rank", "word", "overlap", "cosine"]
    headers += [h for h in ("count_a", "count_b", "word_b", "held_out") if rows and h in rows[0]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        cells = [row["rank"], row["word"], _cell(row["overlap"]), _cell(row["cosine"])]
        writer.writerow(cells + [int(row[h]) if isinstance(row[h], bool) else row[h] for h in headers[4:]])
    return buf.getvalue()


def aligned_csv(aligned: AlignedRows, coords: np.ndarray | None = None) -> str:
    """CSV text of aligned rows: word, set, then x, y(, z) of ``coords`` (rows as in ``stacked()``)
    or, without ``coords``, every dimension (dim_0, dim_1, ...).

    >>> from explorer.compare.core import _example
    >>> rows = aligned_rows(_example(), ["w1"])
    >>> aligned_csv(rows, rows.pca(2)).splitlines()[0]
    'word,set,x,y'
    """
    words, sets = aligned.labels()
    values = aligned.stacked() if coords is None else np.asarray(coords)
    if values.ndim != 2 or len(values) != len(words):
        raise CompareError(f"coords must have one row per stacked row ({len(words)}); got shape {values.shape}.")
    if coords is None:
        names = [f"dim_{j}" for j in range(values.shape[1])]
    elif values.shape[1] in (2, 3):
        names = ["x", "y", "z"][: values.shape[1]]
    else:
        raise CompareError(f"coords must have 2 or 3 columns; got {values.shape[1]}.")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["word", "set", *names])
    for word, name, row in zip(words, sets, values, strict=True):
        writer.writerow([word, name, *(f"{v:.6g}" for v in row)])
    return buf.getvalue()


# ----- one benchmark table for both sets ---------------------------------------------------------------
def benchmark_table(
    a: WordVectors,
    b: WordVectors,
    analogies: Mapping[str, Source] | None = None,
    word_pairs: Mapping[str, Source] | None = None,
    methods: Sequence[str] = ("3cosadd",),
    restrict_vocab: int = 30000,
    shared_only: bool = False,
    max_bytes: int | None = None,
    sections: bool = False,
) -> list[dict[str, object]]:
    """Rows (benchmark, metric, a, b, a_used, b_used, note) scoring both sets on the same files.

    ``analogies`` and ``word_pairs`` map a display name to a file (path, upload or bytes), read
    once. Scores come from ``explorer.evaluation``: analogy accuracy (gensim's rules, first
    ``restrict_vocab`` words) for each of ``methods``, and Spearman ρ for word pairs. With
    ``shared_only`` both sets are restricted to their shared words first, so neither scores on
    words the other lacks. ``max_bytes`` is the upload limit of each file (None: no limit). A
    file that cannot be read, or that a set cannot be scored on, gives NaN and the reason in ``note``.
    With ``sections`` each analogy row is followed by one row per ``: section`` of the file
    (benchmark ``"<name> · <section>"``).

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> words = ["man", "woman", "king", "queen", "apple"]
    >>> a = WordVectors(words, np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3], [5, 5, -5]]), name="A")
    >>> b = WordVectors(words, np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [3, 1, 0], [0, 1, 3]]), name="B")
    >>> row = benchmark_table(a, b, analogies={"royal": b": royal\\nman woman king queen\\n"})[0]
    >>> row["metric"], row["a"], row["b"]
    ('accuracy (3CosAdd)', 1.0, 0.0)
    >>> rows = benchmark_table(a, b, analogies={"royal": b": royal\\nman woman king queen\\n"}, sections=True)
    >>> [r["benchmark"] for r in rows]
    ['royal', 'royal · royal']
    """
    from explorer import evaluation

    if shared_only:
        words = shared_vocabulary(a, b)[0]
        a, b = a.subset(words), b.subset(words)
    rows: list[dict[str, object]] = []
    for name, source in (analogies or {}).items():
        try:
            questions = evaluation.read_analogies(_readable(source, max_bytes), max_bytes=max_bytes)
        except ValueError as exc:
            rows.append(_row(name, "accuracy", [(None, str(exc))], _analogy_cells))
            continue
        for method in methods:
            results = [
                _score(evaluation.evaluate_analogies, wv, questions, restrict_vocab=restrict_vocab, method=method)
                for wv in (a, b)
            ]
            label = _METHOD_LABELS.get(method.lower(), method)
            rows.append(_row(name, f"accuracy ({label})", results, _analogy_cells))
            if sections:
                rows.extend(_section_rows(name, f"accuracy ({label})", results))
    for name, source in (word_pairs or {}).items():
        try:
            data = _readable(source, max_bytes)
        except ValueError as exc:
            rows.append(_row(name, "Spearman ρ", [(None, str(exc))], _pair_cells))
            continue
        results = [_score(evaluation.evaluate_word_pairs, wv, data, max_bytes=max_bytes) for wv in (a, b)]
        rows.append(_row(name, "Spearman ρ", results, _pair_cells))
    return rows


def _readable(source: Source, max_bytes: int | None) -> Source:
    """An upload (file-like) read into bytes within the limit, so both sets can read it."""
    from explorer.sources import read_bytes

    return read_bytes(source, max_bytes, error=CompareError) if hasattr(source, "read") else source


def _score(evaluate: Callable[..., Any], wv: WordVectors, *args: Any, **kwargs: Any) -> tuple[Any, str]:
    """(result, "") or (None, the reason) when the set cannot be scored on the file."""
    try:
        return evaluate(wv, *args, **kwargs), ""
    except ValueError as exc:  # the library's input errors: no question or pair in the vocabulary
        return None, str(exc)


def _section_rows(name: str, metric: str, results: Sequence[tuple[Any, str]]) -> list[dict[str, object]]:
    """One row per section of an analogy file; a set that could not be scored gets NaN there."""
    scored = [r for r, _ in results if r is not None]
    if not scored:
        return []
    titles = [s.section for s in scored[0].sections]
    by_set = [{s.section: s for s in r.sections} if r is not None else {} for r, _ in results]
    out = []
    for title in titles:
        cells = [(by.get(title), "") for by in by_set]
        out.append(_row(f"{name} · {title}", metric, cells, _section_cells))
    return out


def _section_cells(result: Any) -> tuple[float, str]:
    return float(result.accuracy), f"{result.total:,} of {result.total + result.skipped:,} questions"


def _analogy_cells(result: Any) -> tuple[float, str]:
    return float(result.accuracy), f"{result.total:,} of {result.questions:,} questions"


def _pair_cells(result: Any) -> tuple[float, str]:
    return float(result.spearman), f"{result.pairs_used:,} of {result.pairs_used + result.oov_pairs:,} pairs"


def _row(
    name: str, metric: str, results: Sequence[tuple[Any, str]], cells: Callable[[Any], tuple[float, str]]
) -> dict[str, object]:
    """One table row; a single failed result (the file itself unreadable) fills both columns."""
    if len(results) == 1:
        results = [results[0], (None, "")]
        notes = results[0][1]
    else:
        notes = " ".join(f"{label}: {err}" for label, (_, err) in zip("AB", results, strict=True) if err)
    (ra, _), (rb, _) = results
    a_value, a_used = (math.nan, "") if ra is None else cells(ra)
    b_value, b_used = (math.nan, "") if rb is None else cells(rb)
    return {
        "benchmark": name,
        "metric": metric,
        "a": a_value,
        "b": b_value,
        "a_used": a_used,
        "b_used": b_used,
        "note": notes,
    }
