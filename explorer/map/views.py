"""What the Map page shows besides the chart: a searched word, a word's neighbours, a selection's table.

Plain Python over ``explorer.map.reader.MapData``, testable without Streamlit.

Example:
    >>> selected_rows([{"curve_number": 0, "point_index": 4}, {"curve_number": 1, "point_index": 0},
    ...                {"curve_number": 0, "point_index": 4}, {"point_index": 2},
    ...                {"curve_number": 3, "point_index": 0, "customdata": 1}], 5)
    [4, 2, 1]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from explorer.map.reader import MapData
from explorer.stopwords import content_words
from explorer.wordhints import missing_word_hint

MAX_LISTED = 2_000  # rows of a selection shown in the table (the CSV holds them all)


@dataclass(frozen=True)
class Found:
    """A search: the word's row on the map (None when absent) and, when absent, what to say."""

    row: int | None
    hint: str = ""


def find_word(data: MapData, text: str) -> Found:
    """The row of ``text`` on the map: exact, then in another letter case; else near spellings as a hint."""
    word = str(text).strip()
    if not word:
        return Found(None)
    if word in data.row_of:
        return Found(data.row_of[word])
    lower = word.lower()
    if lower in data.row_of:
        return Found(data.row_of[lower])
    return Found(None, missing_word_hint(word, data.words, f"the map {data.info.name}"))


def neighbours(data: MapData, row: int) -> list[tuple[int, float]]:
    """Word ``row``'s nearest words in the original space, from ``neighbors.parquet``: (row, cosine), nearest first."""
    rows, cosines = data.neighbor_rows[row], data.neighbor_cosines[row]
    return [(int(r), float(c)) for r, c in zip(rows, cosines, strict=True) if r >= 0]


def neighbour_table(data: MapData, row: int) -> list[dict[str, object]]:
    """Rows for a table: rank, neighbour, cosine, and its coarse region."""
    coarse = data.labels[0]
    return [
        {
            "rank": i,
            "neighbour": data.words[r],
            "cosine": round(c, 4),
            "region": coarse.name_of(int(data.clusters[0][r])),
        }
        for i, (r, c) in enumerate(neighbours(data, row), start=1)
    ]


def chart_points(chart_state: object) -> list[dict]:
    """The selected points of a ``st.plotly_chart(..., on_select="rerun")`` state (none when nothing is selected).

    >>> chart_points({"selection": {"points": [{"point_index": 3}]}}), chart_points(None)
    ([{'point_index': 3}], [])
    """
    selection = chart_state.get("selection", {}) if hasattr(chart_state, "get") else {}
    points = selection.get("points", []) if hasattr(selection, "get") else []
    return list(points or [])


def selected_rows(points: Iterable[dict], n: int) -> list[int]:
    """Rows of the map's points a chart selection returned, in order, deduplicated.

    Streamlit gives each selected point its ``curve_number`` (the trace) and ``point_index``. On
    trace 0 (every word) the index is the row; the highlight traces drawn over it (a clicked or
    searched word, its neighbours) carry their rows as ``customdata``; the lines carry none.
    """
    rows: dict[int, None] = {}
    for pt in points or []:
        if not hasattr(pt, "get"):
            continue
        value = (
            pt.get("point_index", pt.get("point_number")) if pt.get("curve_number", 0) == 0 else pt.get("customdata")
        )
        if isinstance(value, dict):
            value = value.get("0", value.get(0))
        elif isinstance(value, list | tuple):
            value = value[0] if value else None
        try:
            row = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if 0 <= row < n:
            rows.setdefault(row, None)
    return list(rows)


def selection_table(data: MapData, rows: list[int], limit: int = MAX_LISTED) -> list[dict[str, object]]:
    """The first ``limit`` selected words with their place and coarse region."""
    coarse = data.labels[0]
    return [
        {
            "word": data.words[r],
            "x": round(float(data.coords[r, 0]), 4),
            "y": round(float(data.coords[r, 1]), 4),
            "region": coarse.name_of(int(data.clusters[0][r])),
        }
        for r in rows[:limit]
    ]


def selection_csv(data: MapData, rows: list[int]) -> str:
    """Every selected word as CSV: word, x, y, one cluster column per level."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["word", "x", "y", *(f"cluster_{i}" for i in range(len(data.clusters)))])
    for r in rows:
        writer.writerow(
            [data.words[r], f"{data.coords[r, 0]:.6g}", f"{data.coords[r, 1]:.6g}", *(int(c[r]) for c in data.clusters)]
        )
    return out.getvalue()


def example_word(data: MapData) -> str:
    """A word of this map to show as an example in the search box: its first content word (frequent, a real
    word), so the example is one the map holds."""
    found = content_words(data.words[:2_000], 1)
    return found[0] if found else (data.words[0] if data.words else "")
