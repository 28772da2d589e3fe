"""Example analogy questions shipped with the app, and which one the page opens on.

Example:
    >>> from explorer.evaluation.presets import load_presets
    >>> load_presets()[0].label
    'king : queen :: man : ?'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from explorer.evaluation.files import ASSETS
from explorer.vectors import WordVectors


@dataclass(frozen=True)
class Preset:
    """An example question a : b :: c : ? with the answer people expect."""

    label: str
    a: str
    b: str
    c: str
    expected: str
    fits: str  # which vector sets it is meant for


def load_presets() -> tuple[Preset, ...]:
    """The example questions shipped in assets/analogies/presets.json.

    >>> load_presets()[0].label
    'king : queen :: man : ?'
    """
    raw = json.loads((ASSETS / "presets.json").read_text(encoding="utf-8"))
    return tuple(Preset(**item) for item in raw)


def opening_example(wv: WordVectors, presets: Sequence[Preset]) -> Preset | None:
    """The example to open the page on: the first the vector set answers right (3CosAdd), else the first it knows.

    None when the set lacks a word of every example.

    >>> import numpy as np
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> opening_example(wv, [Preset("x", "man", "woman", "king", "queen", "any")]).expected
    'queen'
    """
    known = [p for p in presets if all(w in wv for w in (p.a, p.b, p.c, p.expected))]
    for preset in known:
        if wv.analogy(preset.a, preset.b, preset.c, topn=1)[0][0] == preset.expected:
            return preset
    return known[0] if known else None
