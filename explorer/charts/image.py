"""Figures as PNG or SVG files for slides and papers, rendered offline by kaleido in a local Chromium.

kaleido 1.x draws the figure with the plotly.js that ships with plotly (no network) in a headless
Chromium it starts for the call. It only looks for a browser; it never downloads one here:
the browser is the one named by ``BROWSER_PATH`` or the first Chromium or Chrome on ``PATH``.
MathJax is switched off, since its default is a CDN script and no chart here uses LaTeX.

Where kaleido or a browser is missing, :func:`image_export_problem` says so in a sentence
(the page shows it instead of the buttons' output) and :func:`figure_image` raises
``ImageExportError`` with the same sentence.

Example:
    >>> import plotly.graph_objects as go
    >>> from explorer.charts.image import figure_image, image_export_problem
    >>> if image_export_problem() is None:
    ...     png = figure_image(go.Figure(go.Bar(x=["a"], y=[1])), "png")
    ...     svg = figure_image(go.Figure(go.Bar(x=["a"], y=[1])), "svg")
    ...     assert png[:8] == b"\\x89PNG\\r\\n\\x1a\\n" and b"<svg" in svg[:200]
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import plotly.graph_objects as go

from explorer.charts.export import standalone, with_title
from explorer.errors import ExplorerError

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEFAULT_WIDTH = 1100  # pixels, for figures the page stretches to its column (they carry no width)
PNG_SCALE = 2  # sharp on slides and high-density screens
RENDER_TIMEOUT_SECONDS = 60


class ImageExportError(ExplorerError):
    """A figure could not be rendered as an image; the message says why and what to install."""


def browser_path() -> str | None:
    """The browser kaleido will drive: ``BROWSER_PATH`` if it names a file, else the first one on ``PATH``."""
    named = os.environ.get("BROWSER_PATH")
    if named and os.path.isfile(named):
        return named
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


def image_export_problem() -> str | None:
    """Why PNG and SVG export cannot work on this server, or None when it can."""
    if importlib.util.find_spec("kaleido") is None:
        return "Image export needs the kaleido package on the server (pip install -r requirements.txt)."
    if browser_path() is None:
        return (
            "Image export needs Chromium or Chrome on the server (for example `apt-get install chromium`, "
            "or set BROWSER_PATH to a Chrome executable). HTML and CSV downloads work without it."
        )
    return None


def figure_image(
    fig: go.Figure, fmt: str, width: int | None = None, height: int | None = None, title: str | None = None
) -> bytes:
    """``fig`` as PNG or SVG bytes, laid out as the standalone export is (room for every label).

    The figure's own width and height are used when it sets them, else ``width`` (default
    ``DEFAULT_WIDTH``) and ``height`` (default: plotly's 450 px). ``title``: given to a figure
    that shows none (``export.with_title``), so the picture names what it shows.
    """
    if fmt not in FORMATS:
        raise ImageExportError(f"Unknown image format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    problem = image_export_problem()
    if problem is not None:
        raise ImageExportError(problem)
    import kaleido  # optional at import time: the app runs without it, the buttons then say why

    out = standalone(with_title(fig, title))
    opts = {
        "format": fmt,
        "width": int(out.layout.width or width or DEFAULT_WIDTH),
        "height": int(out.layout.height or height or 450),
        "scale": PNG_SCALE if fmt == "png" else 1,
    }
    kopts = {"path": browser_path(), "mathjax": False, "timeout": RENDER_TIMEOUT_SECONDS}
    try:
        data = kaleido.calc_fig_sync(out.to_plotly_json(), opts=opts, kopts=kopts)
    except Exception as exc:  # kaleido and the browser fail in many ways; the visitor gets one sentence
        raise ImageExportError(f"The {fmt.upper()} could not be rendered: {type(exc).__name__}: {exc}") from exc
    return data if isinstance(data, bytes) else str(data).encode("utf-8")
