"""The model stage of an index job: sentences in, every target occurrence's vectors out, as one Arrow table.

Both engines call :func:`embed_sentences` (Ray in an actor, the in-process engine in a loop), so
a vector is the same wherever it was computed. It drives ``ContextualEmbedder``'s own runner:
its locked tokenizer call with character offsets, its window around an occurrence in a sentence
longer than the model's limit (``fit_window``), and its batched, length-sorted forward pass that
pools every occurrence's subword states at the chosen layers. Words are matched as on the Context
page (``word_pattern``: whole word, any case), many words per sentence in one forward pass.

The table holds three kinds of rows (column ``kind``):

- ``OCCURRENCE``: one kept occurrence, its text columns and ``layer_<n>`` float16 vectors;
- ``WORD_SUM``: per word of the batch, ``n`` occurrences and ``sum_<n>``, the float64 sum of their
  float32 vectors (every occurrence counts here, kept or not);
- ``DOC_TALLY``: per document of the batch, ``n`` sentences read (and the batch's ``dropped``
  occurrences and ``windowed`` sentences on its first row).

Example:
    >>> from explorer.index.embed import TargetMatcher
    >>> TargetMatcher(["bank", "e-mail"]).spans("The Bank's e-mail; embankment.")
    [('bank', 4, 8), ('e-mail', 11, 17)]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from explorer.contextual.occurrences import ModelInput, fit_window, token_positions, word_pattern
from explorer.errors import ContextError
from explorer.index.contract import layer_column

OCCURRENCE, WORD_SUM, DOC_TALLY = 0, 1, 2
_RUN_RE = re.compile(r"\w+")


def sum_column(layer: int) -> str:
    """The transfer column holding one layer's per-word sums (never written to the index)."""
    return f"sum_{int(layer)}"


class TargetMatcher:
    """Finds the target words in a sentence, and decides which occurrences the index keeps.

    A word can only match where its first run of letters/digits is a whole run of the sentence,
    so only those candidates run their (precompiled) ``word_pattern``. ``keep`` maps a word to the
    share of its occurrences stored in ``occurrences/`` (missing: all); the choice hashes the
    occurrence's place, so it is the same in every engine and every batch order.
    """

    def __init__(self, targets: Sequence[str], keep: Mapping[str, float] | None = None) -> None:
        self.targets = tuple(targets)
        self._by_first: dict[str, list[str]] = {}
        for word in self.targets:
            first = _RUN_RE.search(word)
            if first is not None:
                self._by_first.setdefault(first.group(0).lower(), []).append(word)
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._keep = dict(keep or {})

    def spans(self, sentence: str) -> list[tuple[str, int, int]]:
        """(word, start, end) of every target occurrence in ``sentence``, in text order."""
        out: list[tuple[str, int, int]] = []
        for run in set(_RUN_RE.findall(sentence.lower())):
            for word in self._by_first.get(run, ()):
                pattern = self._patterns.get(word)
                if pattern is None:
                    pattern = self._patterns[word] = word_pattern(word)
                out.extend((word, m.start(), m.end()) for m in pattern.finditer(sentence))
        return sorted(out, key=lambda o: (o[1], o[0]))

    def has_target(self, sentence: str) -> bool:
        """Whether any target occurs in ``sentence`` (a cheap filter before the model stage)."""
        return bool(self.spans(sentence))

    def kept(self, word: str, doc: str, sentence_id: int, start: int) -> bool:
        """Whether the index stores this occurrence's vectors (its static mean always counts it).

        >>> m = TargetMatcher(["a"], keep={"a": 0.0})
        >>> m.kept("a", "f.txt:1", 0, 0), TargetMatcher(["a"]).kept("a", "f.txt:1", 0, 0)
        (False, True)
        """
        share = self._keep.get(word, 1.0)
        if share >= 1.0:
            return True
        key = f"{word}\x1f{doc}\x1f{sentence_id}\x1f{start}".encode()
        draw = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") / 2.0**64
        return draw < share


def weights_hash(model: Any) -> str:
    """SHA-256 of a torch model's parameters and buffers, by name: the same weights give the same hash anywhere."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _plan(
    embedder: Any, texts: Sequence[str], matcher: TargetMatcher
) -> tuple[list[ModelInput], list[tuple[int, str, int, int]], int, int]:
    """Model inputs for every occurrence: (inputs, occurrences as (row, word, start, end), dropped, windowed).

    As ``plan_occurrences`` does for one word: a sentence that fits is one input carrying all its
    occurrences; a longer one is read through one window per occurrence.
    """
    # The embedder's runner: its locked tokenizer call and its limits (see ContextualEmbedder).
    tokenize, max_length, n_special = embedder._tokenize_with_offsets, embedder.max_length, embedder._n_special
    found = [(r, spans) for r, text in enumerate(texts) if (spans := matcher.spans(text))]
    inputs: list[ModelInput] = []
    occurrences: list[tuple[int, str, int, int]] = []
    dropped = windowed = 0
    if not found:
        return inputs, occurrences, dropped, windowed
    enc = tokenize([texts[r] for r, _ in found])
    for k, (r, spans) in enumerate(found):
        ids, offsets, types = enc.input_ids[k], enc.offsets[k], enc.token_type_ids[k]  # type: ignore[index]
        if len(ids) <= max_length:
            targets = []
            for word, start, end in spans:
                positions = token_positions(offsets, start, end)
                if not positions:  # the tokenizer dropped the word (a character it does not know)
                    dropped += 1
                    continue
                targets.append((len(occurrences), tuple(positions)))
                occurrences.append((r, word, start, end))
            if targets:
                inputs.append(ModelInput(tuple(ids), None if types is None else tuple(types), tuple(targets)))
            continue
        windowed += 1
        for word, start, end in spans:
            try:
                window = fit_window(texts[r], offsets, (start, end), tokenize, max_length, n_special)
            except ContextError:
                dropped += 1
                continue
            if not window.targets[0][1]:
                dropped += 1
                continue
            inputs.append(
                ModelInput(window.input_ids, window.token_type_ids, ((len(occurrences), window.targets[0][1]),))
            )
            occurrences.append((r, word, start, end))
    return inputs, occurrences, dropped, windowed


def _vector_array(matrix: np.ndarray, dtype: Any) -> Any:
    """(n, H) matrix -> Arrow fixed-size list array of ``dtype`` (H values per row)."""
    import pyarrow as pa

    flat = np.ascontiguousarray(matrix, dtype=dtype).reshape(-1)
    return pa.FixedSizeListArray.from_arrays(pa.array(flat), int(matrix.shape[1]))


def embed_sentences(
    embedder: Any,
    docs: Sequence[str],
    sentence_ids: Sequence[int],
    texts: Sequence[str],
    matcher: TargetMatcher,
    layers: Sequence[int],
    pooling: str = "mean",
    batch_size: int = 32,
) -> Any:
    """Vectors of every target occurrence in these sentences, as a ``pyarrow.Table`` of the three row kinds.

    ``embedder`` is a ``ContextualEmbedder``; ``layers`` are resolved layer numbers (0..num_layers).
    The first ``DOC_TALLY`` row also carries the batch's ``dropped`` occurrences (the tokenizer lost
    the word) and ``windowed`` sentences (longer than the model's limit); the others carry 0.
    """
    import pyarrow as pa

    layers = [int(x) for x in layers]
    inputs, occ, dropped, windowed = _plan(embedder, texts, matcher)
    hidden = int(embedder.hidden_size)
    # (L, n, H) float32: the pooled states of every occurrence at every chosen layer.
    vectors = (
        embedder._pooled_states(inputs, len(occ), layers, pooling, batch_size)
        if occ
        else np.zeros((len(layers), 0, hidden), np.float32)
    )
    parts = []
    keep = [i for i, (r, w, s, _e) in enumerate(occ) if matcher.kept(w, docs[r], int(sentence_ids[r]), s)]
    occ_cols: dict[str, Any] = {
        "kind": pa.array([OCCURRENCE] * len(keep), pa.int8()),
        "word": pa.array([occ[i][1] for i in keep], pa.string()),
        "doc": pa.array([docs[occ[i][0]] for i in keep], pa.string()),
        "sentence_id": pa.array([int(sentence_ids[occ[i][0]]) for i in keep], pa.int32()),
        "sentence": pa.array([texts[occ[i][0]] for i in keep], pa.string()),
        "start": pa.array([occ[i][2] for i in keep], pa.int32()),
        "end": pa.array([occ[i][3] for i in keep], pa.int32()),
    }
    for li, layer in enumerate(layers):
        occ_cols[layer_column(layer)] = _vector_array(vectors[li, keep], np.float16)
    parts.append(pa.table(occ_cols))
    if occ:
        # Per-word sums: order occurrences by word, then add each run of rows (float64, from float32).
        words = np.array([o[1] for o in occ], dtype=object)
        order = np.argsort(words, kind="stable")
        sorted_words = words[order]
        starts = np.flatnonzero(np.r_[True, sorted_words[1:] != sorted_words[:-1]])
        counts = np.diff(np.r_[starts, len(order)])
        sum_cols: dict[str, Any] = {
            "kind": pa.array([WORD_SUM] * len(starts), pa.int8()),
            "word": pa.array(list(sorted_words[starts]), pa.string()),
            "n": pa.array(counts, pa.int64()),
        }
        for li, layer in enumerate(layers):
            sums = np.add.reduceat(vectors[li, order].astype(np.float64), starts, axis=0)  # (W, H)
            sum_cols[sum_column(layer)] = _vector_array(sums, np.float64)
        parts.append(pa.table(sum_cols))
    per_doc: dict[str, int] = {}
    for doc in docs:
        per_doc[doc] = per_doc.get(doc, 0) + 1
    extra = [0] * max(0, len(per_doc) - 1)
    tally = {
        "kind": pa.array([DOC_TALLY] * len(per_doc), pa.int8()),
        "doc": pa.array(list(per_doc), pa.string()),
        "n": pa.array(list(per_doc.values()), pa.int64()),
        "dropped": pa.array([dropped, *extra][: len(per_doc)], pa.int64()),
        "windowed": pa.array([windowed, *extra][: len(per_doc)], pa.int64()),
    }
    parts.append(pa.table(tally))
    return pa.concat_tables(parts, promote_options="default")
