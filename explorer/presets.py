"""Built-in sentence presets: named lists of example sentences shipped as JSON files in assets/.

One file format serves the Context page (a word to follow and a sense label per sentence) and the
Sentences page (a title and a query to rank against). A file is a JSON object whose keys are the
preset names; each entry has ``"sentences"``, a list of strings or of ``[sentence, label]`` pairs,
and optionally ``"title"``, ``"description"``, ``"word"`` and ``"query"``. A file that cannot be
read raises ``PresetError`` naming the file and what is wrong with it.

It sits just above the leaves: of the project it imports only ``explorer.errors``.

Example:
    >>> from explorer.presets import ASSETS_DIR, read_presets
    >>> bank = read_presets(ASSETS_DIR / "context_presets.json")["bank"]
    >>> bank.word, bank.labels[0], bank.sentences[0][:8]
    ('bank', 'money', 'The bank')
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.errors import ExplorerError

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
LABEL_SEPARATOR = " | "


class PresetError(ExplorerError):
    """A preset file is missing, is not valid JSON, or has an entry of the wrong shape."""


@dataclass(frozen=True)
class Preset:
    """A built-in example: sentences, with a word to follow, their senses and a query where the file gives them.

    Attributes:
        name: the key of the preset in its file.
        title: a one-line title (the name when the file gives none).
        description: what the sentences show.
        sentences: the example sentences.
        labels: the sense of each sentence, or () when the file gives none.
        word: the word the Context page follows across the sentences ("" when none).
        query: a sentence to rank the others against ("" when none).
    """

    name: str
    title: str
    description: str
    sentences: tuple[str, ...]
    labels: tuple[str, ...] = ()
    word: str = ""
    query: str = ""

    @property
    def text(self) -> str:
        """The sentences, one per line, as a text box shows them.

        >>> Preset("p", "P", "", ("One.", "Two.")).text
        'One.\\nTwo.'
        """
        return "\n".join(self.sentences)

    def as_lines(self) -> str:
        """The sentences one per line, each followed by `` | sense`` when the preset has senses.

        >>> Preset("p", "P", "", ("A bank.", "A river bank."), labels=("money", "river")).as_lines()
        'A bank. | money\\nA river bank. | river'
        """
        if not self.labels:
            return self.text
        return "\n".join(f"{s}{LABEL_SEPARATOR}{lab}" for s, lab in zip(self.sentences, self.labels, strict=True))


def read_presets(path: str | os.PathLike[str]) -> dict[str, Preset]:
    """The presets of one JSON file, by name, in file order.

    Raises ``PresetError`` when the file is missing, is not valid JSON, or an entry lacks its
    sentences or labels only some of them.

    >>> presets = read_presets(ASSETS_DIR / "sentence_presets.json")
    >>> presets["classic"].sentences[0], presets["classic"].labels
    ('The cat sat on the mat', ())
    """
    file = Path(path)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PresetError(f"The preset file {file.name} cannot be read ({exc.strerror or exc}).") from exc
    except json.JSONDecodeError as exc:
        raise PresetError(f"The preset file {file.name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc
    if not isinstance(raw, dict):
        raise PresetError(f"The preset file {file.name} must hold a JSON object of presets by name.")
    return {str(name): _preset(file.name, str(name), entry) for name, entry in raw.items()}


def _preset(file: str, name: str, entry: Any) -> Preset:
    where = f"Preset {name!r} in {file}"
    if not isinstance(entry, dict) or not isinstance(entry.get("sentences"), list) or not entry["sentences"]:
        raise PresetError(f"{where} needs a non-empty list of sentences.")
    sentences: list[str] = []
    labels: list[str] = []
    for item in entry["sentences"]:
        if isinstance(item, str):
            sentences.append(item)
        elif isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            sentences.append(item[0])
            labels.append(item[1])
        else:
            raise PresetError(f"{where}: each sentence must be a string or a [sentence, label] pair; got {item!r}.")
    if labels and len(labels) != len(sentences):
        raise PresetError(f"{where}: label every sentence or none.")
    return Preset(
        name=name,
        title=str(entry.get("title") or name),
        description=str(entry.get("description", "")),
        sentences=tuple(sentences),
        labels=tuple(labels),
        word=str(entry.get("word", "")),
        query=str(entry.get("query", "")),
    )
