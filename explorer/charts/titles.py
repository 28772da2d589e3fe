"""Chart titles that fit: long titles wrap onto lines (plotly's ``<br>``) instead of running off the chart.

Plotly draws a title on one line and cuts nothing: a title wider than the figure simply runs past
its edge (or is cut by the page's column). ``wrap_title`` breaks a title at spaces so each line fits
an estimated width, and ``title_layout`` gives the title and the top margin its lines need.

Example:
    >>> wrap_title("Word map at step 40 (a kept snapshot, turned to match the current map)", 430)
    'Word map at step 40 (a kept snapshot, turned<br>to match the current map)'
"""

from __future__ import annotations

import re
import textwrap

CHAR_WIDTH = 0.55  # average glyph width as a share of the font size (Open Sans, mixed case)
TITLE_FONT_PX = 17  # plotly's default title size
LINE_PX = 1.35  # a title line's height as a share of the font size


def _visible(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def line_chars(width_px: float, font_px: float = TITLE_FONT_PX) -> int:
    """How many characters of a title line fit in ``width_px``."""
    return max(12, int(width_px / (CHAR_WIDTH * font_px)))


def wrap_title(text: str, width_px: float, font_px: float = TITLE_FONT_PX) -> str:
    """``text`` with ``<br>`` between lines that each fit ``width_px``; existing ``<br>`` are kept.

    Only lines without markup are wrapped (a ``<sup>`` line is wrapped by ``wrap_title`` of its own text).
    """
    width = line_chars(width_px, font_px)
    lines = []
    for line in str(text).split("<br>"):
        if len(_visible(line)) <= width or "<" in line:
            lines.append(line)
        else:
            lines.extend(textwrap.wrap(line, width, break_long_words=True, break_on_hyphens=False))
    return "<br>".join(lines)


def title_lines(text: str) -> int:
    """How many lines a (wrapped) title takes."""
    return len(str(text).split("<br>")) if text else 0


def title_layout(text: str, width_px: float, font_px: float = TITLE_FONT_PX, below_px: int = 16) -> tuple[dict, int]:
    """(the layout's ``title``, the top margin it needs): wrapped to ``width_px``, ``below_px`` under it."""
    wrapped = wrap_title(text, width_px, font_px)
    top = int(title_lines(wrapped) * LINE_PX * font_px + below_px) if wrapped else 30
    return {"text": wrapped, "x": 0.0, "xanchor": "left", "font": {"size": font_px}}, top


SUBTITLE_FONT_PX = 12


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` with an ellipsis (for names whose full text is in a hover or caption).

    >>> shorten("trained:sgns:upload:a-very-long-file-name.txt", 20)
    'trained:sgns:upload…'
    """
    text = str(text)
    return text if len(text) <= max_chars else text[: max(1, max_chars - 1)].rstrip() + "…"


def title_with_subtitle(title: str, subtitle: str, width_px: float) -> tuple[dict, int]:
    """A title and a smaller subtitle under it, each wrapped to ``width_px``; (layout title, top margin)."""
    head = wrap_title(title, width_px)
    sub = wrap_title(subtitle, width_px, SUBTITLE_FONT_PX).split("<br>") if subtitle else []
    text = "<br>".join([head, *(f"<sup>{line}</sup>" for line in sub)])  # <sup>: about 70% of the title's size
    top = int(title_lines(head) * LINE_PX * TITLE_FONT_PX + len(sub) * LINE_PX * SUBTITLE_FONT_PX + 20)
    return {"text": text, "x": 0.0, "xanchor": "left"}, top
