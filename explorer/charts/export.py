"""Figures as files that look like the page: standalone HTML (plotly.js inlined, works offline), and
the numbers behind any figure as CSV (``figure_csv``); PNG and SVG are in ``explorer.charts.image``.

In the app, Streamlit's theme gives every axis room for its tick labels; a figure written as it
is gets the figure's own tight margins, so labels are cut off. ``standalone`` turns on automatic
margins for every axis and a plain white template before the figure leaves the app.

Example:
    >>> import plotly.graph_objects as go
    >>> from explorer.charts.export import figure_html, standalone
    >>> fig = go.Figure(go.Heatmap(z=[[1, 0], [0, 1]], x=["first sentence", "second"], y=["first sentence", "second"]))
    >>> standalone(fig).layout.yaxis.automargin
    True
    >>> html = figure_html(fig)
    >>> "first sentence" in html and 'src="https://cdn.plot.ly' not in html
    True
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import plotly.graph_objects as go

from explorer.charts.titles import title_layout


def standalone(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` with room for every axis's labels and the white template (the original is untouched)."""
    out = go.Figure(fig)
    out.update_layout(template="plotly_white")
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    return out


EXPORT_TITLE_WIDTH_PX = 1000  # an exported figure's width (image.DEFAULT_WIDTH) less its margins


def with_title(fig: go.Figure, title: str | None) -> go.Figure:
    """``fig`` itself, or, when it shows no title, a copy that carries ``title`` (wrapped, with room above).

    A file is looked at away from the page that said what the chart is, so an exported map names
    its vector set and method even where the page shows it without a title.

    >>> with_title(go.Figure(), "PCA of reference vectors").layout.title.text
    'PCA of reference vectors'
    >>> with_title(go.Figure(layout={"title": {"text": "Own"}}), "Other").layout.title.text
    'Own'
    """
    if not title or str(fig.layout.title.text or "").strip():
        return fig
    out = go.Figure(fig)
    heading, top = title_layout(title, EXPORT_TITLE_WIDTH_PX)
    out.update_layout(title=heading, margin={"t": max(top, int(fig.layout.margin.t or 0))})
    return out


def figure_html(fig: go.Figure, title: str | None = None) -> str:
    """The figure as one standalone HTML file (plotly.js inlined, no network needed to open it).

    ``title``: given to a figure that has none (``with_title``)."""
    return standalone(with_title(fig, title)).to_html(include_plotlyjs=True, full_html=True)


def _cells(values) -> list:
    if values is None:
        return []
    return [v.item() if hasattr(v, "item") else v for v in np.asarray(values, dtype=object).ravel()]


def figure_csv(fig: go.Figure) -> str:
    """The numbers behind ``fig`` as CSV, for charts that have no table of their own.

    Heatmaps give one block per trace (a header row of column labels, then each row's label and
    values); every other trace gives long rows: trace, label (its text or hover text), x, y (and
    z for 3-D). Line breaks in labels become spaces.

    Example:
        >>> fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], text=["a", "b"], name="words"))
        >>> print(figure_csv(fig).strip())
        trace,label,x,y
        words,a,1,3
        words,b,2,4
        >>> print(figure_csv(go.Figure(go.Heatmap(z=[[1, 0.5], [0.5, 1]], x=["p", "q"], y=["p", "q"]))).strip())
        heatmap,p,q
        p,1.0,0.5
        q,0.5,1.0
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    long_rows: list[list] = []
    three_d = any(getattr(t, "z", None) is not None and t.type != "heatmap" for t in fig.data)
    for i, trace in enumerate(fig.data):
        name = _plain(trace.name or f"trace {i + 1}")
        if trace.type == "heatmap":
            z = np.asarray(trace.z, dtype=np.float64)
            if z.ndim != 2:
                continue
            cols = _cells(trace.x) or list(range(z.shape[1]))
            rows = _cells(trace.y) or list(range(z.shape[0]))
            writer.writerow([name if trace.name else "heatmap", *(_plain(c) for c in cols)])
            for label, values in zip(rows, z, strict=False):
                writer.writerow([_plain(label), *(float(v) for v in values)])
            writer.writerow([])
            continue
        xs, ys = _cells(getattr(trace, "x", None)), _cells(getattr(trace, "y", None))
        zs = _cells(getattr(trace, "z", None)) if three_d else []
        labels = _cells(getattr(trace, "text", None)) or _cells(getattr(trace, "hovertext", None))
        for j in range(max(len(xs), len(ys))):
            x = xs[j] if j < len(xs) else None
            y = ys[j] if j < len(ys) else None
            if x is None and y is None:
                continue  # the gap between two line segments
            label = _plain(labels[j]) if len(labels) == max(len(xs), len(ys)) else ""
            long_rows.append([name, label, x, y, *([zs[j] if j < len(zs) else None] if three_d else [])])
    if long_rows:
        writer.writerow(["trace", "label", "x", "y", *(["z"] if three_d else [])])
        writer.writerows(long_rows)
    return out.getvalue()


def _plain(value: object) -> str:
    """A label without HTML line breaks or tags (hover texts use <br> and <b>)."""
    text = str(value).replace("<br>", " ")
    return re.sub(r"</?[a-z]+>", "", text)
