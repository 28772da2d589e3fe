"""Every chart of the app through one call: the figure, then a compact row of downloads under it.

``chart(fig, key=..., file_stem=...)`` draws ``fig`` with ``st.plotly_chart`` and offers PNG, SVG,
standalone HTML and the data as CSV. Each file is made only when its button is clicked
(``data=lambda: ...``; the click does not rerun the page). The CSV is the page's own table when
it passes ``data``, else the numbers read off the figure (``explorer.charts.export.figure_csv``).
Where image rendering cannot work on this server, the PNG and SVG buttons are disabled and their
help says why.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from explorer.charts.export import figure_csv, figure_html
from explorer.charts.image import FORMATS, figure_image, image_export_problem

CsvData = str | bytes | Callable[[], str | bytes] | None


@functools.cache
def _image_problem() -> str | None:
    """Checked once per process: kaleido and a browser do not come and go while the app runs."""
    return image_export_problem()


def file_name(stem: str, extension: str) -> str:
    """A safe file name: letters, digits, dots, dashes and underscores only.

    >>> file_name("context_bank layer 3", "png")
    'context_bank_layer_3.png'
    """
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', stem).strip('_') or 'chart'}.{extension}"


def chart(
    fig: go.Figure,
    *,
    key: str,
    file_stem: str,
    data: CsvData = None,
    where: Any = None,
    downloads: bool = True,
    export_title: str | None = None,
    **plotly_kwargs: Any,
) -> Any:
    """Draw ``fig`` (in ``where``, a column or container, else the page) with its download row.

    ``data``: the CSV (text, bytes, or a callable making them on click); None: read off the figure.
    ``plotly_kwargs`` go to ``st.plotly_chart`` (``on_select``, ``config``, ``width``...). Returns
    what ``st.plotly_chart`` returns (the selection state when ``on_select`` is set).
    ``downloads=False`` leaves the row out (a chart redrawn every second during live training:
    fewer elements to send, and a picture of a moving chart would be stale at once).
    ``export_title``: the title the PNG, SVG and HTML files carry when the figure has none (name
    the vector set and the method: a file is read away from the page).
    """
    target = where if where is not None else st
    plotly_kwargs.setdefault("width", "stretch")
    state = target.plotly_chart(fig, key=key, **plotly_kwargs)
    if not downloads:
        return state
    problem = _image_problem()
    # (label, file extension, MIME type, the file's bytes on click, icon, help, why it cannot be made)
    files = [
        (fmt.upper(), fmt, mime, functools.partial(figure_image, fig, fmt, title=export_title), ":material/image:",
         problem or f"The chart as a {fmt.upper()} image, for slides and papers.", problem)
        for fmt, mime in FORMATS.items()
    ] + [
        ("HTML", "html", "text/html", functools.partial(figure_html, fig, title=export_title), ":material/code:",
         "The interactive chart as one HTML file that opens offline.", None),
        ("Data (CSV)", "csv", "text/csv", data if data is not None else functools.partial(figure_csv, fig),
         ":material/table_view:", "The numbers behind the chart, as CSV.", None),
    ]  # fmt: skip
    with target.container(horizontal=True, gap="small", key=f"{key}.downloads"):
        for label, ext, mime, content, icon, help_text, unavailable in files:
            st.download_button(
                label,
                data=content,
                file_name=file_name(file_stem, ext),
                mime=mime,
                key=f"{key}.{ext}",
                on_click="ignore",
                icon=icon,
                type="tertiary",
                disabled=unavailable is not None,
                help=help_text,
            )
    return state
