"""What the Context page compares: built-in presets, typed sentences with sense labels, corpus samples.

Example:
    >>> from explorer.contextual.inputs import load_presets, parse_sentence_lines
    >>> preset = load_presets()["bank"]
    >>> parse_sentence_lines(preset.as_lines()).labels == preset.labels
    True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.errors import ContextError
from explorer.presets import ASSETS_DIR, Preset, PresetError, read_presets

PRESETS_FILE = ASSETS_DIR / "context_presets.json"


def load_presets(path: str | os.PathLike[str] | None = None) -> dict[str, Preset]:
    """The built-in presets ("bank", "charge", "bat", "light", "spring"), by name.

    Each has a word, sentences that use it, and the sense of each sentence.

    Example:
        >>> load_presets()["bank"].word
        'bank'
    """
    presets = read_presets(path or PRESETS_FILE)
    for preset in presets.values():
        if not preset.word or len(preset.labels) != len(preset.sentences):
            raise PresetError(f"Context preset {preset.name!r} needs a word and a sense label on every sentence.")
    return presets


@dataclass(frozen=True)
class SentenceInput:
    """Sentences typed one per line, with the sense labels when every line has one.

    Attributes:
        sentences: the non-empty lines, without their labels.
        labels: one label per sentence, or None when no line has one.
        unlabeled: 1-based line numbers without a label when only some lines have one (labels are then None).
    """

    sentences: tuple[str, ...]
    labels: tuple[str, ...] | None
    unlabeled: tuple[int, ...] = ()

    @property
    def unlabeled_note(self) -> str | None:
        """What to tell the reader when only some lines carry a sense label; None when all or none do.

        >>> parse_sentence_lines("one bank | a\\ntwo bank").unlabeled_note
        'Sentence 2 has no sense label while others do, so the senses are ignored. Label every sentence (end it with “| sense”, as in “The bank lent money. | money”), or none.'
        """
        if not self.unlabeled:
            return None
        shown = ", ".join(str(i) for i in self.unlabeled[:12]) + (" …" if len(self.unlabeled) > 12 else "")
        head = f"Sentence {shown} has" if len(self.unlabeled) == 1 else f"Sentences {shown} have"
        return (
            f"{head} no sense label while others do, so the senses are ignored. Label every sentence "
            "(end it with “| sense”, as in “The bank lent money. | money”), or none."
        )


def parse_sentence_lines(text: str, max_sentences: int = 200) -> SentenceInput:
    """Split typed text into sentences, one per line, each optionally ending in `` | sense``.

    Example:
        >>> parse_sentence_lines("The bank lent money. | money\\nThe river bank. | river").labels
        ('money', 'river')
        >>> parse_sentence_lines("one bank | a\\ntwo bank").unlabeled
        (2,)
    """
    sentences: list[str] = []
    labels: list[str | None] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            continue
        sentence, sep, label = line.rpartition("|")
        if sep and sentence.strip() and label.strip():
            sentences.append(sentence.strip())
            labels.append(label.strip())
        else:
            sentences.append(line.rstrip("|").strip())
            labels.append(None)
    if not sentences:
        raise ContextError("Type at least two sentences, one per line.")
    if len(sentences) > max_sentences:
        raise ContextError(
            f"{len(sentences)} sentences; at most {max_sentences} fit on one heatmap. Remove some lines."
        )
    if all(lab is None for lab in labels):
        return SentenceInput(tuple(sentences), None)
    unlabeled = tuple(i + 1 for i, lab in enumerate(labels) if lab is None)
    if unlabeled:
        return SentenceInput(tuple(sentences), None, unlabeled)
    return SentenceInput(tuple(sentences), tuple(lab for lab in labels if lab is not None))


def sample_sentences(sentences: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """At most ``n`` sentences, a seeded random sample (kept in their original order) when there are more.

    Example:
        >>> sample_sentences(["a", "b", "c"], 2, seed=1) == sample_sentences(["a", "b", "c"], 2, seed=1)
        True
        >>> sample_sentences(["a", "b"], 5)
        ['a', 'b']
    """
    items = list(sentences)
    if len(items) <= n:
        return items
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(items), size=n, replace=False))
    return [items[i] for i in keep]
