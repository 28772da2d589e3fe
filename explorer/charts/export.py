"""Figures as files that look like the page: standalone HTML (plotly.js inlined, works offline).

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

import plotly.graph_objects as go


def standalone(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` with room for every axis's labels and the white template (the original is untouched)."""
    out = go.Figure(fig)
    out.update_layout(template="plotly_white")
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    return out


def figure_html(fig: go.Figure) -> str:
    """The figure as one standalone HTML file (plotly.js inlined, no network needed to open it)."""
    return standalone(fig).to_html(include_plotlyjs=True, full_html=True)
