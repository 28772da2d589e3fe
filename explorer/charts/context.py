"""Figures of the Context page: the occurrence heatmap beside its static version, the per-layer
sense separation, the 2D map of occurrences and the encoder vs causal visibility mask.

Example:
    >>> import numpy as np
    >>> from explorer.charts.context import heatmap_pair
    >>> fig = heatmap_pair(np.eye(2), np.ones((2, 2)), ["#1 a", "#2 b"], ["a", "b"], layer=3)
    >>> len(fig.data)
    2
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.charts.labels import add_map_labels

MAX_LABEL_CHARS = 30  # an axis label's text after its number
NUMBERS_ONLY_ABOVE = 16  # more occurrences than this: the x axis shows only "#3", the y axis the words too
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def short_label(number: str, sentence: str, span: tuple[int, int], before: int = 1, after: int = 2) -> str:
    """A short axis label: "#" and the sentence number, then the word with a few words around it.

    Example:
        >>> short_label("1", "Yesterday the bank approved my loan.", (14, 18))
        '#1 …the bank approved my…'
    """
    head, tail = sentence[: span[0]], sentence[span[1] :]
    words_before = head.split()
    words_after = tail.split()
    left = " ".join(words_before[-before:]) if before else ""
    right = " ".join(words_after[:after]) if after else ""
    word = sentence[span[0] : span[1]]
    # Punctuation touching the word stays attached to it ("bank." not "bank .").
    text = left + (" " if left and head[-1:].isspace() else "") + word
    text += (" " if right and tail[:1].isspace() else "") + right
    prefix = "…" if len(words_before) > before else ""
    suffix = "…" if len(words_after) > after else ""
    text = f"{prefix}{text}{suffix}"
    if len(text) > MAX_LABEL_CHARS:
        text = text[: MAX_LABEL_CHARS - 1] + "…"
    return f"#{number} {text}"


def label_number(label: str) -> str:
    """The "#3" (or "#3a") that starts an occurrence label.

    >>> label_number("#12b …the bank")
    '#12b'
    """
    return label.split(" ", 1)[0]


def occurrence_labels(
    sentence_index: Sequence[int], sentences: Sequence[str], spans: Sequence[tuple[int, int]]
) -> list[str]:
    """Unique short labels; a sentence with several occurrences gets "#3a", "#3b"...

    Example:
        >>> occurrence_labels([0, 0], ["bank by the bank"] * 2, [(0, 4), (12, 16)])
        ['#1a bank by the…', '#1b …the bank']
    """
    counts: dict[int, int] = {}
    for si in sentence_index:
        counts[si] = counts.get(si, 0) + 1
    seen: dict[int, int] = {}
    labels = []
    for si, sentence, span in zip(sentence_index, sentences, spans, strict=True):
        k = seen.get(si, 0)
        seen[si] = k + 1
        number = f"{si + 1}{chr(ord('a') + k % 26)}" if counts[si] > 1 else str(si + 1)
        labels.append(short_label(number, sentence, span))
    return labels


def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


MANY_PANEL_SHARE = 0.8  # past NUMBERS_ONLY_ABOVE occurrences: the contextual panel's share of the width
MATRIX_PANEL_PX = 650.0  # that panel's width on a wide page (a little under, to be safe)
X_LABEL_FONT_PX = 10  # rotated column numbers: each needs about 1.2 x this across
X_LABEL_ROOM_PX = 1.2 * X_LABEL_FONT_PX


def x_label_step(n: int, panel_px: float = MATRIX_PANEL_PX) -> int:
    """Every how many columns a rotated number fits: 1 while a column is at least a line of text wide.

    >>> x_label_step(50), x_label_step(60), x_label_step(150)
    (1, 2, 3)
    """
    return max(1, math.ceil(X_LABEL_ROOM_PX / (panel_px / max(n, 1))))


def heatmap_pair(
    matrix: np.ndarray,
    static_matrix: np.ndarray,
    labels: Sequence[str],
    hover: Sequence[str],
    layer: int,
    centered: bool = False,
    word: str = "",
    order: Sequence[int] | None = None,
    clickable: bool = False,
) -> go.Figure:
    """The contextual cosine matrix beside the static-lookup matrix, on one colour scale.

    ``clickable`` lays an invisible marker on each cell of the contextual panel (on its diagonal
    past ``CLICK_GRID_MAX`` occurrences), since a click on a heatmap selects nothing in Plotly:
    clicking a cell selects the marker, whose ``y`` names the row's occurrence.

    The figure grows with the number of occurrences (about 20 px per row), so labels stay
    readable; past ``NUMBERS_ONLY_ABOVE`` occurrences the x axis shows only each label's number
    (rotated, at a size that reads, every second or third one when the columns get narrower than a
    line of text: ``x_label_step``) and the static panel narrows. Hovering a cell shows both full sentences. ``order`` (a
    permutation, e.g. a seriation) sets the order of rows and columns.

    Example:
        >>> fig = heatmap_pair(np.eye(3), np.ones((3, 3)), ["#1", "#2", "#3"], ["a", "b", "c"], layer=0, order=[2, 0, 1])
        >>> float(fig.data[1].z.min()), list(fig.data[0].y)
        (1.0, ['#3', '#1', '#2'])
    """
    m = np.asarray(matrix, dtype=float)
    n = m.shape[0]
    rows = np.arange(n) if order is None else np.asarray(order, dtype=np.int64)
    m = m[np.ix_(rows, rows)]
    static = np.asarray(static_matrix, dtype=float)[np.ix_(rows, rows)]
    labels = [labels[i] for i in rows]
    hover = [hover[i] for i in rows]
    # Every cell carries both sentences for its hover box, so long texts are cut on big matrices.
    limit = 240 if n <= 40 else 120
    wrapped = [_wrap(h if len(h) <= limit else h[: limit - 1] + "…") for h in hover]
    custom = np.empty((n, n, 2), dtype=object)
    for i in range(n):
        for j in range(n):
            custom[i, j, 0] = wrapped[i]
            custom[i, j, 1] = wrapped[j]
    if centered:
        zmin, zmax, scale = -1.0, 1.0, "RdBu_r"
    else:
        low = float(np.min(m)) if n else 0.0
        zmin, zmax, scale = min(0.5, math.floor(low * 10) / 10), 1.0, "Viridis"
    layer_name = "embedding layer (0)" if layer == 0 else f"layer {layer}"
    many = n > NUMBERS_ONLY_ABOVE
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12 if not many else 0.06,
        column_widths=[MANY_PANEL_SHARE, 1 - MANY_PANEL_SHARE] if many else [0.5, 0.5],
        subplot_titles=(
            f"Contextual: each occurrence, {layer_name}{', centered' if centered else ''}",
            "Static lookup: one row per word",
        ),
    )
    templates = {
        1: "<b>row</b> %{customdata[0]}<br><b>column</b> %{customdata[1]}<br>cosine %{z:.3f}<extra></extra>",
        2: "%{y} · %{x}<br>cosine %{z:.3f}: the lookup table has one row per word<extra></extra>",
    }
    for col, z in ((1, m), (2, static)):
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=list(labels),
                y=list(labels),
                customdata=custom if col == 1 else None,
                hovertemplate=templates[col],
                coloraxis="coloraxis",
                xgap=1 if n <= 60 else 0,
                ygap=1 if n <= 60 else 0,
            ),
            row=1,
            col=col,
        )
    if clickable:
        _add_click_targets(fig, m, list(labels), wrapped)
    fig.update_layout(
        coloraxis={"colorscale": scale, "cmin": zmin, "cmax": zmax, "colorbar": {"title": {"text": "cosine"}}},
        height=max(430, 190 + (20 if n <= 60 else 16) * n),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        title={"text": f"How similar is “{word}” to itself across sentences?" if word else None, "x": 0.0},
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": 11 if n <= 60 else 10})
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    if many:  # the columns are too narrow for words: the numbers name them, the rows carry the words
        step = x_label_step(n)
        shown = list(labels)[::step]
        short = [label_number(label) for label in shown]
        fig.update_xaxes(tickvals=shown, ticktext=short, tickangle=-90, tickfont={"size": X_LABEL_FONT_PX})
        fig.update_xaxes(showticklabels=False, row=1, col=2)  # every column of the static panel reads the same
    else:
        fig.update_xaxes(tickangle=-45, tickfont={"size": 10})
    return fig


CLICK_GRID_MAX = 60  # up to this many occurrences every cell is clickable; past it, the diagonal


def _add_click_targets(fig: go.Figure, m: np.ndarray, labels: list[str], hover: list[str]) -> None:
    """Invisible markers over the contextual panel's cells that a click selects (shown once selected)."""
    n = len(labels)
    cells = [(i, j) for i in range(n) for j in range(n)] if n <= CLICK_GRID_MAX else [(i, i) for i in range(n)]
    fig.add_trace(
        go.Scatter(
            x=[labels[j] for _i, j in cells], y=[labels[i] for i, _j in cells], mode="markers",
            marker={"size": max(6, min(18, 600 // max(n, 1))), "symbol": "square-open", "color": "rgba(0,0,0,0)"},
            selected={"marker": {"color": "#ff2d55", "opacity": 0.55}}, unselected={"marker": {"opacity": 0.0}},
            customdata=[[hover[i], hover[j], float(m[i, j])] for i, j in cells],
            hovertemplate="<b>row</b> %{customdata[0]}<br><b>column</b> %{customdata[1]}<br>"
            "cosine %{customdata[2]:.3f}<br><i>click: this row's nearest occurrences</i><extra></extra>",
            showlegend=False, name="pick",
        ),
        row=1, col=1,
    )  # fmt: skip


def separation_chart(
    same: Sequence[float], cross: Sequence[float], current_layer: int | None = None, centered: bool = False
) -> go.Figure:
    """Mean same-sense and cross-sense cosine at every layer, with the gap between them.

    Example:
        >>> separation_chart([0.9, 0.8], [0.9, 0.5]).data[2].y[1]
        0.30000000000000004
    """
    layers = list(range(len(same)))
    gap = [s - c for s, c in zip(same, cross, strict=True)]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=layers, y=list(same), mode="lines+markers", name="same sense", line={"color": PALETTE[0]})
    )
    fig.add_trace(
        go.Scatter(x=layers, y=list(cross), mode="lines+markers", name="different sense", line={"color": PALETTE[1]})
    )
    fig.add_trace(
        go.Scatter(
            x=layers,
            y=gap,
            mode="lines+markers",
            name="separation (same − different)",
            line={"color": PALETTE[2], "dash": "dash"},
        )
    )
    if current_layer is not None:
        fig.add_vline(x=current_layer, line={"color": "#888", "dash": "dot"}, annotation_text="shown")
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": "Where do the senses split?" + (" (centered)" if centered else ""), "x": 0.0},
        xaxis={"title": {"text": "layer (0 = embedding output)"}, "dtick": 1},
        yaxis={"title": {"text": "mean cosine"}},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


MAP_PLOT_PX = (380.0, 300.0)  # the occurrence map's plot area in a half-width column (a little under)


def occurrence_map(
    coords: np.ndarray, groups: Sequence[str], labels: Sequence[str], hover: Sequence[str], share: Sequence[float]
) -> go.Figure:
    """2D PCA of the occurrence vectors, coloured by sense (or suggested group).

    Example:
        >>> occurrence_map(np.zeros((2, 2)), ["a", "b"], ["1", "2"], ["x", "y"], [0.6, 0.3]).layout.height
        460
    """
    fig = go.Figure()
    xy = np.asarray(coords, dtype=float)
    for k, group in enumerate(dict.fromkeys(groups)):
        rows = [i for i, g in enumerate(groups) if g == group]
        fig.add_trace(
            go.Scatter(
                x=xy[rows, 0],
                y=xy[rows, 1],
                mode="markers",
                name=str(group),
                text=[label_number(labels[i]) for i in rows],
                customdata=[_wrap(hover[i]) for i in rows],
                hovertemplate="%{customdata}<extra>" + str(group) + "</extra>",
                marker={"size": 12, "color": PALETTE[k % len(PALETTE)], "line": {"width": 1, "color": "white"}},
            )
        )
    fig.update_layout(
        height=460,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": "Occurrences on a 2D map (PCA)", "x": 0.0},
        xaxis={"title": {"text": f"PC1 ({share[0]:.0%} of variance)"}, "zeroline": False},
        yaxis={"title": {"text": f"PC2 ({share[1]:.0%} of variance)"}, "zeroline": False},
        legend={"title": {"text": "sense"}, "orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
    )
    colour_of = {group: PALETTE[k % len(PALETTE)] for k, group in enumerate(dict.fromkeys(groups))}
    add_map_labels(
        fig, xy, [label_number(label) for label in labels], range(len(labels)), MAP_PLOT_PX,
        colours=[colour_of[g] for g in groups], font_size=10, marker_px=7,
    )  # fmt: skip
    return fig


def visibility_chart(
    tokens: Sequence[str], target: Sequence[int], encoder: np.ndarray, causal: np.ndarray
) -> go.Figure:
    """Two rows over the tokens: what the target's state sees in an encoder and in a causal decoder.

    Example:
        >>> fig = visibility_chart(["[CLS]", "bank", "[SEP]"], [1], np.ones(3, bool), np.array([1, 1, 0], bool))
        >>> fig.data[0].z.shape
        (2, 3)
    """
    rows = ["Encoder (BERT-style): both sides", "Decoder (GPT-style): left only"]
    z = np.vstack([np.asarray(encoder, dtype=float), np.asarray(causal, dtype=float)])
    target_set = set(target)
    for t in target_set:
        z[:, t] = 2.0
    x = [f"{i}:{tok}" for i, tok in enumerate(tokens)]
    text = [
        ["target" if j in target_set else ("sees" if z[r, j] else "hidden") for j in range(len(x))] for r in range(2)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=rows,
            text=text,
            hovertemplate="%{y}<br>token %{x}: %{text}<extra></extra>",
            colorscale=[
                [0.0, "#eeeeee"],
                [0.33, "#eeeeee"],
                [0.34, "#9ecae1"],
                [0.66, "#9ecae1"],
                [0.67, "#d62728"],
                [1.0, "#d62728"],
            ],
            zmin=0,
            zmax=2,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    fig.update_layout(
        height=230,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": "What the word's state can see (red: the word, blue: visible, grey: hidden)", "x": 0.0},
        yaxis={"autorange": "reversed"},
        xaxis={"tickangle": -45, "tickfont": {"size": 11}},
    )
    return fig
