"""Every word of some sentences at every layer: the context the layer metrics need on the Context page.

The anisotropy baseline needs occurrences of many different words, and the intra-sentence
similarity the mean vector of all the words of a sentence; a word's own occurrences give
neither. :func:`plan_sentence_words` plans one model input per sentence with every whole word
(a run of letters or digits, lower-cased) as a target, so one forward pass gives them all
(``ContextualEmbedder.prepare_sentence_words``). A sentence longer than the model's limit is left
out (``skipped``): the metrics need whole sentences.

Example:
    >>> import numpy as np
    >>> sw = SentenceWords(("a", "bank", "a"), (0, 0, 1), np.zeros((2, 3, 4), np.float32), ("a bank", "a"))
    >>> means, sizes = sw.sentence_means(1)
    >>> sizes.tolist(), sw.num_layers
    ([2, 2, 1], 1)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.contextual.metrics import sentence_means
from explorer.contextual.occurrences import ModelInput, Tokenize, token_positions

WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")  # letters/digits, with inner apostrophes and hyphens


@dataclass(frozen=True)
class SentenceWords:
    """The vectors of every word of some sentences.

    Attributes:
        words: (n,) each occurrence's word, lower-case.
        sentence_index: (n,) the input sentence each occurrence is in.
        vectors: (num_layers + 1, n, hidden) float32, read-only.
        sentences: the input sentences.
        skipped: input sentences left out (longer than the model's limit).
    """

    words: tuple[str, ...]
    sentence_index: tuple[int, ...]
    vectors: np.ndarray
    sentences: tuple[str, ...]
    skipped: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.words)

    @property
    def num_layers(self) -> int:
        return int(self.vectors.shape[0]) - 1

    def sentence_means(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Per occurrence, the mean vector of its sentence's words at ``layer`` and how many words that is."""
        return sentence_means(self.vectors[layer], self.sentence_index)

    def means_of(self, layer: int, sentence_index: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The mean word vector at ``layer`` of each given input sentence, and its word count (0: none)."""
        x = np.asarray(self.vectors[layer], dtype=np.float64)
        index = np.asarray(self.sentence_index, dtype=np.int64)
        n_sent = len(self.sentences)
        sums = np.zeros((n_sent, x.shape[1]))
        np.add.at(sums, index, x)
        counts = np.bincount(index, minlength=n_sent)
        wanted = np.asarray(sentence_index, dtype=np.int64)
        return sums[wanted] / np.maximum(counts[wanted], 1)[:, None], counts[wanted]


def plan_sentence_words(
    sentences: Sequence[str], tokenize: Tokenize, max_length: int
) -> tuple[list[ModelInput], dict[str, Any]]:
    """One model input per sentence that fits, every word of it a target; the result's other fields.

    Example:
        >>> from explorer.contextual.occurrences import Encoded
        >>> def tokenize(texts):  # one token per character, between [CLS] and [SEP]
        ...     return Encoded([[0] * (len(t) + 2) for t in texts],
        ...                    [[(0, 0)] + [(i, i + 1) for i in range(len(t))] + [(0, 0)] for t in texts],
        ...                    [None] * len(texts))
        >>> inputs, meta = plan_sentence_words(["A bank.", "x" * 80], tokenize, max_length=20)
        >>> meta["words"], meta["skipped"], [t[1] for t in inputs[0].targets]
        (('a', 'bank'), (1,), [(1,), (3, 4, 5, 6)])
    """
    texts = [str(s) for s in sentences]
    enc = tokenize(texts) if texts else None
    inputs: list[ModelInput] = []
    words: list[str] = []
    where: list[int] = []
    skipped: list[int] = []
    for si, text in enumerate(texts):
        ids, offsets, types = enc.input_ids[si], enc.offsets[si], enc.token_type_ids[si]  # type: ignore[union-attr,index]
        if len(ids) > max_length:
            skipped.append(si)
            continue
        targets = []
        for m in WORD_RE.finditer(text):
            positions = token_positions(offsets, m.start(), m.end())
            if positions:  # a character the tokenizer drops gives no token: that word is left out
                targets.append((len(words), tuple(positions)))
                words.append(m.group(0).lower())
                where.append(si)
        if targets:
            inputs.append(ModelInput(tuple(ids), None if types is None else tuple(types), tuple(targets)))
    meta = {"words": tuple(words), "sentence_index": tuple(where), "sentences": tuple(texts), "skipped": tuple(skipped)}
    return inputs, meta
