"""What the Sentences page compares: typed sentences, one per line, and the built-in sentence sets.

Example:
    >>> from explorer.sentences.inputs import load_presets, parse_sentences
    >>> preset = load_presets()["classic"]
    >>> parse_sentences(preset.text) == preset.sentences
    True
"""

from __future__ import annotations

from explorer.errors import SentenceError
from explorer.presets import ASSETS_DIR, Preset, PresetError, read_presets

MAX_SENTENCES = 100
PRESETS_FILE = ASSETS_DIR / "sentence_presets.json"

SentencePreset = Preset
"""A ready-made list of sentences with a title and a query to try (``explorer.presets.Preset``)."""


def parse_sentences(text: str, max_sentences: int = MAX_SENTENCES) -> tuple[str, ...]:
    """Non-blank lines of ``text``, stripped: one sentence per line.

    >>> parse_sentences("The cat sat on the mat\\n\\n  A dog lay on the rug  ")
    ('The cat sat on the mat', 'A dog lay on the rug')
    """
    lines = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not lines:
        raise SentenceError("There are no sentences yet: type or paste sentences, one per line, or pick a preset.")
    if len(lines) > max_sentences:
        raise SentenceError(
            f"{len(lines)} sentences were given; at most {max_sentences} fit on a readable heatmap. "
            f"Keep the {max_sentences} you care about most (one per line)."
        )
    return lines


def load_presets() -> dict[str, Preset]:
    """The sentence sets shipped in ``assets/sentence_presets.json``, by name, in file order.

    >>> presets = load_presets()
    >>> "support" in presets and bool(presets["support"].query)
    True
    """
    presets = read_presets(PRESETS_FILE)
    for preset in presets.values():
        if not preset.query:
            raise PresetError(f"Sentence preset {preset.name!r} needs a query to rank the sentences against.")
    return presets
