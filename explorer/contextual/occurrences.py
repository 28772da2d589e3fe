"""Where a word occurs, and which subword tokens carry it: spans, token alignment, the result types.

A word is found as a whole word, any case, by a regular expression over the sentence text; its
character span is then matched to the tokens whose character offsets (from a fast tokenizer)
overlap it. ``plan_occurrences`` turns sentences into model inputs with the token positions of
every occurrence; a sentence longer than the model's limit becomes one window of tokens around
each occurrence. The tokenizer call is passed in by the embedder, which holds its lock.

Example:
    >>> from explorer.contextual.occurrences import find_spans, token_positions
    >>> find_spans("The bank by the bank.", "bank")
    [(4, 8), (16, 20)]
    >>> # [CLS] the bank [SEP]: special tokens have empty offsets and never match
    >>> token_positions([(0, 0), (0, 3), (4, 8), (0, 0)], 4, 8)
    [2]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.errors import ContextError
from explorer.linalg import readonly


def word_pattern(word: str) -> re.Pattern[str]:
    """Case-insensitive whole-word pattern: ``bank`` matches "Bank's" but not "banks" or "embankment".

    Example:
        >>> [m.span() for m in word_pattern("house").finditer("A houseplant in the House.")]
        [(20, 25)]
    """
    word = word.strip()
    if not word or not re.search(r"\w", word):
        raise ContextError("Type a word (letters or digits) to look for, such as 'bank'.")
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def find_spans(sentence: str, word: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of every whole-word occurrence of ``word`` in ``sentence``.

    Example:
        >>> find_spans("The bank by the bank.", "BANK")
        [(4, 8), (16, 20)]
    """
    return [m.span() for m in word_pattern(word).finditer(sentence)]


def token_positions(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the tokens whose character offsets overlap [start, end) (special tokens have empty offsets).

    Example:
        >>> token_positions([(0, 0), (0, 5), (5, 10), (11, 14), (0, 0)], 0, 10)  # house ##plant is
        [1, 2]
    """
    return [i for i, (a, b) in enumerate(offsets) if b > a and a < end and b > start]


def window_chars(offsets: Sequence[tuple[int, int]], span: tuple[int, int], budget: int) -> tuple[int, int] | None:
    """Character range of at most ``budget`` real tokens around the tokens of ``span``, centred on them.

    Returns None when the word's own tokens need more than ``budget`` tokens.

    Example:
        >>> offs = [(0, 0)] + [(2 * i, 2 * i + 1) for i in range(10)] + [(0, 0)]  # ten one-letter tokens
        >>> window_chars(offs, (10, 11), 4)  # the 6th token with one or two neighbours each side
        (8, 15)
    """
    real = [i for i, (a, b) in enumerate(offsets) if b > a]
    hits = [j for j, i in enumerate(real) if offsets[i][0] < span[1] and offsets[i][1] > span[0]]
    t0, t1 = hits[0], hits[-1]
    if budget <= t1 - t0:
        return None
    left = max(0, (budget - (t1 - t0 + 1)) // 2)
    i0 = max(0, t0 - left)
    i1 = min(len(real), i0 + budget)
    i0 = max(0, i1 - budget)
    return offsets[real[i0]][0], offsets[real[i1 - 1]][1]


def resolve_layer(layer: int, num_layers: int) -> int:
    """A layer index in 0..num_layers; negative layers count from the top (-1 is the last).

    Example:
        >>> resolve_layer(-1, 6), resolve_layer(0, 6)
        (6, 0)
    """
    try:
        layer = int(layer)
    except (TypeError, ValueError) as exc:
        raise ContextError(f"The layer must be a whole number; got {layer!r}.") from exc
    resolved = layer + num_layers + 1 if layer < 0 else layer
    if not 0 <= resolved <= num_layers:
        raise ContextError(
            f"Layer {layer} does not exist: this model has layers 0 (the embedding output) to {num_layers} "
            f"(or -1 to -{num_layers + 1} counting from the top)."
        )
    return resolved


@dataclass(frozen=True)
class ModelInput:
    """One text the model reads: a whole sentence, or a window of a long one around one occurrence.

    Attributes:
        input_ids: the token ids, special tokens included.
        token_type_ids: the segment ids when the tokenizer gives them, else None.
        targets: (occurrence index, token positions) of each occurrence this text carries.
    """

    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...] | None = None
    targets: tuple[tuple[int, tuple[int, ...]], ...] = ()


@dataclass(frozen=True)
class Encoded:
    """What the tokenizer gives for a list of texts, as plain lists.

    Attributes:
        input_ids: per text, the token ids (special tokens included).
        offsets: per text, the (start, end) character span of each token ((0, 0) for special
            tokens), when they were asked for.
        token_type_ids: per text, the segment ids, or None when the tokenizer gives none.
    """

    input_ids: list[list[int]]
    offsets: list[list[tuple[int, int]]] | None
    token_type_ids: list[list[int] | None]


Tokenize = Callable[[Sequence[str]], Encoded]
"""Texts -> their tokens with character offsets, never cut (the embedder's locked tokenizer call)."""


def fit_window(
    sentence: str,
    offsets: Sequence[tuple[int, int]],
    span: tuple[int, int],
    tokenize: Tokenize,
    max_length: int,
    n_special: int,
) -> ModelInput:
    """The longest window of ``sentence`` around ``span`` that fits ``max_length`` tokens, re-tokenised.

    Its one target is the occurrence's token positions inside the window (occurrence index 0).
    """
    budget = max_length - n_special
    while (chars := window_chars(offsets, span, budget)) is not None:
        c0, c1 = chars
        enc = tokenize([sentence[c0:c1]])
        ids, offs, types = enc.input_ids[0], enc.offsets[0], enc.token_type_ids[0]  # type: ignore[index]
        if len(ids) <= max_length:
            target = token_positions(offs, span[0] - c0, span[1] - c0)
            return ModelInput(tuple(ids), None if types is None else tuple(types), ((0, tuple(target)),))
        # Re-tokenising a cut text can add tokens at its edges: shrink by the overflow and retry.
        budget -= max(1, len(ids) - max_length)
    raise ContextError(f"The word alone is longer than the model's limit of {max_length} tokens.")


def plan_occurrences(
    sentences: Sequence[str] | str, word: str, tokenize: Tokenize, max_length: int, n_special: int
) -> tuple[list[ModelInput], dict[str, Any]]:
    """The model inputs that carry every whole-word occurrence of ``word``, and what describes them.

    A sentence that fits is one input with all its occurrences as targets; a longer one gives one
    window per occurrence. The dict holds the fields of ``Occurrences`` other than the vectors
    and the layer: word, sentences, sentence_index, spans, missing, truncated.
    """
    texts = [sentences] if isinstance(sentences, str) else [str(s) for s in sentences]
    if not texts:
        raise ContextError("Give at least one sentence (one per line).")
    pattern = word_pattern(word)
    occurrences: list[tuple[int, tuple[int, int]]] = []  # (sentence index, span)
    per_sentence: dict[int, list[int]] = {}
    missing: list[int] = []
    for si, sentence in enumerate(texts):
        spans = [m.span() for m in pattern.finditer(sentence)]
        if not spans:
            missing.append(si)
        for span in spans:
            per_sentence.setdefault(si, []).append(len(occurrences))
            occurrences.append((si, span))
    found = sorted(per_sentence)
    inputs: list[ModelInput] = []
    truncated: list[int] = []
    enc = tokenize([texts[si] for si in found]) if found else None
    for k, si in enumerate(found):
        ids, offsets, types = enc.input_ids[k], enc.offsets[k], enc.token_type_ids[k]  # type: ignore[union-attr,index]
        if len(ids) <= max_length:
            targets = []
            for oi in per_sentence[si]:
                pos = token_positions(offsets, *occurrences[oi][1])
                if not pos:
                    raise ContextError(f"Sentence {si + 1}: the tokenizer dropped {word!r}; try another spelling.")
                targets.append((oi, tuple(pos)))
            inputs.append(ModelInput(tuple(ids), None if types is None else tuple(types), tuple(targets)))
            continue
        truncated.append(si)
        for oi in per_sentence[si]:
            window = fit_window(texts[si], offsets, occurrences[oi][1], tokenize, max_length, n_special)
            inputs.append(ModelInput(window.input_ids, window.token_type_ids, ((oi, window.targets[0][1]),)))
    described = {
        "word": word.strip(),
        "sentences": tuple(texts[si] for si, _ in occurrences),
        "sentence_index": tuple(si for si, _ in occurrences),
        "spans": tuple(span for _, span in occurrences),
        "missing": tuple(missing),
        "truncated": tuple(truncated),
    }
    return inputs, described


# ----- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Occurrences:
    """Vectors of every occurrence of ``word`` at one layer.

    Attributes:
        word: the word looked for.
        sentences: the sentence text of each occurrence (a sentence with two occurrences appears twice).
        sentence_index: index into the input sentences, per occurrence.
        spans: (start, end) character span in its sentence, per occurrence.
        vectors: (n, hidden) float32, read-only.
        layer: the resolved layer (0 is the embedding output).
        missing: indices of input sentences that do not contain the word.
        truncated: indices of input sentences longer than the model's limit, read through a window.

    Example:
        >>> occ = Occurrences("bank", ("a bank",), (0,), ((2, 6),), np.zeros((1, 4), np.float32), 2)
        >>> len(occ), occ.layer
        (1, 2)
    """

    word: str
    sentences: tuple[str, ...]
    sentence_index: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    layer: int
    missing: tuple[int, ...] = ()
    truncated: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.sentence_index)


@dataclass(frozen=True)
class AllLayers:
    """Vectors of every occurrence at every layer, from one forward pass.

    ``vectors`` has shape (num_layers + 1, n, hidden); ``at(layer)`` gives one layer's Occurrences.

    Example:
        >>> stack = AllLayers("bank", ("a bank",), (0,), ((2, 6),), readonly(np.zeros((3, 1, 4), np.float32)))
        >>> stack.num_layers, stack.at(-1).layer, stack.at(0).vectors.shape
        (2, 2, (1, 4))
    """

    word: str
    sentences: tuple[str, ...]
    sentence_index: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    missing: tuple[int, ...] = ()
    truncated: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.sentence_index)

    @property
    def num_layers(self) -> int:
        """Transformer layers (the stack holds one more: the embedding output)."""
        return int(self.vectors.shape[0]) - 1

    def at(self, layer: int) -> Occurrences:
        """The occurrences at one layer (negative counts from the top)."""
        resolved = resolve_layer(layer, self.num_layers)
        return Occurrences(
            self.word,
            self.sentences,
            self.sentence_index,
            self.spans,
            self.vectors[resolved],
            resolved,
            self.missing,
            self.truncated,
        )


@dataclass(frozen=True)
class Visibility:
    """Which tokens the state of the target token can attend to, under each masking rule.

    Attributes:
        tokens: the model's tokens of the sentence (special tokens included).
        target: indices of the tokens of the chosen occurrence.
        encoder: (len(tokens),) bool: bidirectional attention sees every token.
        causal: (len(tokens),) bool: a decoder's state at the last target token sees only itself and the left.

    Example:
        >>> vis = visibility_masks(("[CLS]", "the", "bank", "[SEP]"), (2,))
        >>> vis.encoder.tolist(), vis.causal.tolist()
        ([True, True, True, True], [True, True, True, False])
    """

    tokens: tuple[str, ...]
    target: tuple[int, ...]
    encoder: np.ndarray
    causal: np.ndarray


def visibility_masks(tokens: Sequence[str], target: Sequence[int]) -> Visibility:
    """The encoder mask (every token) and the causal mask (up to the last target token) of a sentence."""
    positions = np.arange(len(tokens))
    return Visibility(
        tokens=tuple(tokens),
        target=tuple(target),
        encoder=readonly(np.ones(len(tokens), dtype=bool)),
        causal=readonly(positions <= max(target)),
    )
