"""The Map page benchmark's deck.gl side: its draw signal and the bytes it reports."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.bench_map_page import DECK_SCRIPT, coloured_share, deck_json_bytes, write_synthetic_map


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def test_coloured_share_is_zero_on_a_blank_chart_and_counts_drawn_dots() -> None:
    blank = np.full((50, 80, 3), 250, dtype=np.uint8)
    assert coloured_share(_png(blank)) == 0.0
    drawn = blank.copy()
    drawn[10:20, 10:30] = (46, 145, 229)  # 200 of 4,000 pixels in a palette colour
    assert coloured_share(_png(drawn)) == 200 / 4000


def test_deck_spec_is_json_per_point_and_rounding_shrinks_it(tmp_path: Path) -> None:
    n = 2_000
    write_synthetic_map(tmp_path / "synthetic2000", n)
    sizes = deck_json_bytes(tmp_path, "synthetic2000")
    # One JSON object per point (keys and indentation included) costs far more than plotly's 10.7 B of typed x, y.
    assert sizes["deck_json_bytes"] / n > 60
    assert sizes["deck_json_raw_bytes"] > sizes["deck_json_bytes"]


def test_deck_script_compiles_and_sets_no_string_props() -> None:
    compile(DECK_SCRIPT, "deck_map.py", "exec")
    # pydeck turns string props into accessors ("pixels" -> "@@=pixels"), which deck.gl then ignores.
    assert "radius_units" not in DECK_SCRIPT
