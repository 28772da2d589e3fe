"""What a shared set says about where it came from: method, parameters, seed, steps, corpus name and size.

Provenance is a plain JSON-able dict kept in the item's manifest. It never holds the corpus text
(not a sentence, not a word list beyond the vectors' own vocabulary), nor a server path: an
uploaded file is named by its file name only.

Example:
    >>> lines = describe({"kind": "upload", "file_name": "glove.txt", "words": 3, "dimensions": 50})
    >>> lines[0]
    'An uploaded vector file, glove.txt: 3 words, 50 dimensions.'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from explorer.vectors import WordVectors

_LEFT_OUT = {"device", "workers"}  # where a run ran, not what it learned


def _plain(value: Any) -> Any:
    """A JSON-able copy: numbers, text, booleans and None as they are; lists for tuples; text for the rest."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def sizes(vectors: WordVectors) -> dict[str, int]:
    """The set's words and dimensions, as every provenance records them."""
    return {"words": len(vectors), "dimensions": int(vectors.vector_size)}


def trained(trainer: Any, vectors: WordVectors, *, run: int | None = None, step: int | None = None) -> dict[str, Any]:
    """The provenance of vectors a trainer made (``explorer.training.base.Trainer``), at ``step`` (default: now)."""
    config = trainer.config
    params = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(vars(config))
    corpus = trainer.corpus
    records = getattr(trainer, "records", [])
    source = str(getattr(corpus, "source", ""))
    return {
        "kind": "trained",
        "method": str(trainer.method),
        "parameters": {k: _plain(v) for k, v in sorted(params.items()) if k not in _LEFT_OUT},
        "seed": _plain(params.get("seed")),
        "steps": int(step if step is not None else (records[-1].step if records else 0)),
        "run": run,
        "corpus": {
            "name": str(getattr(corpus, "name", "")),
            # a built-in corpus by its id; an upload only as "upload" and its file name, never its text
            "source": source,
            "tokens": int(getattr(corpus, "token_count", 0) or 0),
            "sentences": len(getattr(corpus, "sentences", ()) or ()),
        },
        **sizes(vectors),
    }


def uploaded(file_name: str, vectors: WordVectors) -> dict[str, Any]:
    """The provenance of a vector file a visitor uploaded (its file name only)."""
    return {"kind": "upload", "file_name": str(file_name).rsplit("/", 1)[-1][:200], **sizes(vectors)}


def index_layer(model: str, layer: int, corpus_name: str, vectors: WordVectors) -> dict[str, Any]:
    """The provenance of one layer's distilled vectors of an index built in the browser session."""
    return {
        "kind": "index",
        "model": str(model),
        "layer": int(layer),
        "corpus": {"name": corpus_name},
        **sizes(vectors),
    }


def _number(value: Any) -> str:
    """A parameter's value as a person writes it: 0.001, not 0.0010000000474974513 (a float32 read back)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def describe(
    provenance: Mapping[str, Any],
    method_titles: Mapping[str, str] | None = None,
    param_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Sentences for the page: what the set is, how it was made, on what.

    ``param_labels`` (method -> parameter name -> the label the Train page gives it): when the method has
    labels, the parameters are listed by them, as the visitor set them, and the trainer's internal settings
    (batch sizes, caps) are left to the manifest.

    >>> describe({"kind": "trained", "method": "sgns", "seed": 1, "steps": 40, "parameters": {"window": 5},
    ...           "corpus": {"name": "Tickets", "tokens": 1200, "sentences": 90}, "words": 300, "dimensions": 50})
    ['Trained with sgns for 40 steps, seed 1: 300 words, 50 dimensions.', 'Corpus: Tickets (1,200 tokens, 90 sentences; its text is not shared).', 'Parameters: window=5.']
    """
    kind = provenance.get("kind")
    size = f"{provenance.get('words', 0):,} words, {provenance.get('dimensions', 0):,} dimensions"
    corpus = provenance.get("corpus") or {}
    if kind == "trained":
        method = (method_titles or {}).get(str(provenance.get("method")), str(provenance.get("method")))
        steps, seed = provenance.get("steps"), provenance.get("seed")
        how = (f" for {steps:,} steps" if isinstance(steps, int) else "") + (
            f", seed {seed}" if seed is not None else ""
        )
        lines = [f"Trained with {method}{how}: {size}."]
        counts = ", ".join(
            f"{corpus[k]:,} {k}" for k in ("tokens", "sentences") if isinstance(corpus.get(k), int) and corpus[k]
        )
        lines.append(f"Corpus: {corpus.get('name', '?')}{f' ({counts}; ' if counts else ' ('}its text is not shared).")
        params = provenance.get("parameters") or {}
        labels = (param_labels or {}).get(str(provenance.get("method"))) or {}
        if labels:
            shown = [f"{label} {_number(params[name])}" for name, label in labels.items() if name in params]
            if shown:
                lines.append("Parameters: " + ", ".join(shown) + ".")
        elif params:
            lines.append("Parameters: " + ", ".join(f"{k}={v}" for k, v in params.items()) + ".")
        return lines
    if kind == "upload":
        return [f"An uploaded vector file, {provenance.get('file_name', '?')}: {size}."]
    if kind == "index":
        return [
            f"Layer {provenance.get('layer')} of {provenance.get('model')}, averaged over each word's occurrences in "
            f"{corpus.get('name', '?')} (an index built in the browser): {size}."
        ]
    return [f"A vector set: {size}."]
