"""Sentence vectors: averaged static word vectors (three ways) or a transformer's pooled states.

Four methods turn a sentence into one vector:

- ``mean``: the plain average of the word vectors of its tokens (repeats count again). Every
  sentence contains "the", "of", "and", so the plain mean of two unrelated sentences can look alike.
- ``no_stopwords``: the same average after dropping English stopwords (``explorer.stopwords``).
- ``tfidf``: a weighted average; a token's weight is the smooth inverse document frequency
  ``idf = log((1 + N) / (1 + df)) + 1`` with each sentence of the active corpus as a document.
  Words the corpus never saw get the largest idf, ``log(1 + N) + 1``.
- ``transformer``: the mean of the transformer's last-layer token states (attention-mask
  weighted, [CLS] and [SEP] included), scaled to unit length: the intended use of the bundled
  all-MiniLM-L6-v2 sentence model.

Sentences with nothing to average (no token in the vector set, or only stopwords for
``no_stopwords``) do not raise: their row is all zeros, their index is in ``SentenceVectors.empty``,
every similarity or distance involving them is NaN, and ``empty_message()`` names them and says
how to fix them. So one odd line never hides the heatmap of the others. Empty input, too many
sentences and an unknown method raise ``SentenceError`` (a ValueError) with the fix in the message.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.sentences import encode_average, cosine_similarity_matrix
    >>> wv = WordVectors(["cat", "dog", "stock"], np.array([[1, 0], [0.9, 0.2], [0, 1]], dtype=np.float32))
    >>> sv = encode_average(["The cat.", "A dog!", "Stock"], wv, "mean")
    >>> sim = cosine_similarity_matrix(sv.matrix)
    >>> bool(sim[0, 1] > sim[0, 2])
    True
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.corpus import ASSETS_DIR, tokenize
from explorer.stopwords import ENGLISH_STOPWORDS
from explorer.vectors import WordVectors

METHODS: tuple[str, ...] = ("mean", "no_stopwords", "tfidf", "transformer")
AVERAGING_METHODS: tuple[str, ...] = ("mean", "no_stopwords", "tfidf")
METHOD_LABELS: dict[str, str] = {
    "mean": "Plain mean",
    "no_stopwords": "No stopwords",
    "tfidf": "TF-IDF weighted",
    "transformer": "Transformer",
}
METRICS: tuple[str, ...] = ("cosine", "euclidean")
METRIC_LABELS: dict[str, str] = {"cosine": "Cosine similarity", "euclidean": "Euclidean distance"}
MAX_SENTENCES = 100
PRESETS_FILE = ASSETS_DIR / "sentence_presets.json"
_CHUNK = 16_384  # (word, sentence) pairs per block when projecting word vectors


class SentenceError(ValueError):
    """The sentences or the request cannot give sentence vectors; the message says how to fix it."""


# ----- input ----------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class SentencePreset:
    """A ready-made list of sentences with a query to try."""

    id: str
    title: str
    description: str
    sentences: tuple[str, ...]
    query: str

    @property
    def text(self) -> str:
        """The sentences, one per line, as the text box shows them."""
        return "\n".join(self.sentences)


def load_presets() -> dict[str, SentencePreset]:
    """The sentence sets shipped in ``assets/sentence_presets.json``, by id, in file order.

    >>> "support" in load_presets()
    True
    """
    with open(PRESETS_FILE, encoding="utf-8") as fh:
        raw = json.load(fh)
    return {
        key: SentencePreset(
            id=key,
            title=item["title"],
            description=item.get("description", ""),
            sentences=tuple(item["sentences"]),
            query=item.get("query", ""),
        )
        for key, item in raw.items()
    }


# ----- document frequencies -------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DocumentFrequencies:
    """In how many documents (corpus sentences) each word occurs, for TF-IDF weights.

    >>> df = DocumentFrequencies.from_documents([["the", "cat"], ["the", "dog"]])
    >>> df.idf("the") < df.idf("cat") < df.idf("never-seen") == df.max_idf
    True
    """

    n_documents: int
    df: dict[str, int] = field(repr=False)
    source: str = ""

    @classmethod
    def from_documents(cls, documents: Iterable[Iterable[str]], source: str = "") -> DocumentFrequencies:
        """Count, for every word, the documents (token sequences) that contain it."""
        counts: Counter[str] = Counter()
        n = 0
        for doc in documents:
            counts.update(set(doc))
            n += 1
        return cls(n_documents=n, df=dict(counts), source=source)

    @classmethod
    def from_corpus(cls, corpus: Any) -> DocumentFrequencies:
        """Each sentence of an ``explorer.corpus.Corpus`` is one document."""
        return cls.from_documents(corpus.sentences, source=getattr(corpus, "name", ""))

    @property
    def max_idf(self) -> float:
        """The idf of a word no document contains: log(1 + N) + 1."""
        return math.log(1.0 + self.n_documents) + 1.0

    def idf(self, word: str) -> float:
        """Smooth inverse document frequency: log((1 + N) / (1 + df)) + 1 (scikit-learn's ``smooth_idf``)."""
        return math.log((1.0 + self.n_documents) / (1.0 + self.df.get(word, 0))) + 1.0


# ----- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class WordContribution:
    """How much one pooled word (or subword token) makes of a sentence vector.

    ``weight`` is its share of the average's weights (count / tokens for the plain mean,
    count * idf / sum for TF-IDF); ``share`` is weight * (word vector . unit sentence vector) /
    |sentence vector|: the part of the sentence vector's length it supplies. Shares of one
    sentence sum to 1; a negative share pulls against the sentence's direction.
    """

    word: str
    count: int
    weight: float
    share: float


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class SentenceVectors:
    """Sentence vectors from one method, with what went into each of them.

    Pooled words are stored flat: sentence ``i`` owns items ``offsets[i]:offsets[i + 1]`` of
    ``words``, ``counts``, ``weights`` and ``shares`` (use ``contributions(i)``).

    Attributes:
        method: one of ``METHODS``.
        sentences: the input sentences.
        matrix: (n, d) float32, read-only; an all-zero row for every sentence in ``empty``.
        offsets: (n + 1,) int64.
        words: pooled words (distinct per sentence; subword tokens for the transformer).
        counts: (m,) int64, occurrences of each pooled word in its sentence.
        weights: (m,) float32, weight shares (sum 1 per non-empty sentence).
        shares: (m,) float32, contribution shares of the vector's length (sum 1 per sentence).
        unknown: per sentence, tokens the vector set has no vector for.
        removed: per sentence, stopwords left out (``no_stopwords`` only).
        vectors_name: the vector set (or transformer) the vectors came from.
        notes: things the reader should know (truncation, where document frequencies came from).
    """

    method: str
    sentences: tuple[str, ...]
    matrix: np.ndarray
    offsets: np.ndarray
    words: tuple[str, ...]
    counts: np.ndarray
    weights: np.ndarray
    shares: np.ndarray
    unknown: tuple[tuple[str, ...], ...]
    removed: tuple[tuple[str, ...], ...]
    vectors_name: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.sentences)
        if self.matrix.ndim != 2 or self.matrix.shape[0] != n:
            raise ValueError(f"matrix must have one row per sentence ({n}); got shape {self.matrix.shape}")
        if self.offsets.shape != (n + 1,) or int(self.offsets[-1]) != len(self.words):
            raise ValueError("offsets must have n + 1 entries ending at the number of pooled words")
        self._freeze()

    def _freeze(self) -> None:
        for name in ("matrix", "offsets", "counts", "weights", "shares"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled arrays (st.cache_data copies) come back writeable: freeze them again.
        self.__dict__.update(state)
        self._freeze()

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    @property
    def vector_size(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def empty(self) -> tuple[int, ...]:
        """Indices of sentences with nothing pooled (zero rows)."""
        return tuple(int(i) for i in np.flatnonzero(np.diff(self.offsets) == 0))

    @property
    def token_counts(self) -> np.ndarray:
        """(n,) how many tokens were averaged for each sentence (repeats counted)."""
        seg = np.repeat(np.arange(len(self)), np.diff(self.offsets))
        return np.bincount(seg, weights=self.counts, minlength=len(self)).astype(np.int64)

    @property
    def norms(self) -> np.ndarray:
        """(n,) Euclidean length of each sentence vector."""
        return np.linalg.norm(self.matrix.astype(np.float64), axis=1)

    def used(self, i: int) -> tuple[str, ...]:
        """The words pooled into sentence ``i``, in order of first appearance."""
        return self.words[self.offsets[i] : self.offsets[i + 1]]

    def contributions(self, i: int, topn: int | None = None) -> list[WordContribution]:
        """Words of sentence ``i`` by share of its vector, largest first (ties by order in the sentence)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        items = [
            WordContribution(self.words[j], int(self.counts[j]), float(self.weights[j]), float(self.shares[j]))
            for j in range(a, b)
        ]
        items.sort(key=lambda c: -c.share)
        return items if topn is None else items[:topn]

    def empty_message(self) -> str | None:
        """A sentence naming the sentences without a vector and how to fix them; None when there are none."""
        if not self.empty:
            return None
        only_stop = [i for i in self.empty if self.removed[i]]
        unknown = [i for i in self.empty if not self.removed[i]]
        where = f" {self.vectors_name!r}" if self.vectors_name else ""
        parts = []
        if unknown:
            parts.append(
                f"{_name_sentences(self.sentences, unknown)} "
                f"{'has' if len(unknown) == 1 else 'have'} no word the vector set{where} knows, so "
                f"{'its' if len(unknown) == 1 else 'their'} {self.label.lower()} vector is empty and "
                f"{'it is' if len(unknown) == 1 else 'they are'} left blank. Add words the vector set knows "
                "(check the spelling), or choose another vector set."
            )
        if only_stop:
            parts.append(
                f"{_name_sentences(self.sentences, only_stop)} "
                f"{'has' if len(only_stop) == 1 else 'have'} only stopwords among the known words, so "
                f"{'its' if len(only_stop) == 1 else 'their'} no-stopwords vector is empty and left blank. "
                "Add a content word, or compare with the plain mean or TF-IDF."
            )
        return " ".join(parts)

    def raise_if_empty(self) -> None:
        """Raise ``SentenceError`` with ``empty_message()`` when any sentence has no vector."""
        message = self.empty_message()
        if message:
            raise SentenceError(message)


def empty_warnings(results: Mapping[str, SentenceVectors], *, query: bool = False, listed: int = 10) -> list[str]:
    """One Markdown warning per group of methods that leave the same sentences blank for the same reason.

    The three averages usually fail on the same sentences (no word in the vector set), so instead of a
    warning per method and sentence this names the methods once, numbers the sentences (at most
    ``listed``) and says how to fix them. With ``query=True`` the vectors hold the query sentence.

    >>> import numpy as np
    >>> wv = WordVectors(["cat"], np.ones((1, 2), dtype=np.float32), name="pets")
    >>> res = {m: encode_average(["a cat", "xyzzy"], wv, m) for m in ("mean", "tfidf")}
    >>> [w.splitlines()[0] for w in empty_warnings(res)]
    ["**Plain mean, TF-IDF weighted:** 1 sentence has no word the vector set 'pets' knows, so it is left blank:"]
    """
    groups: dict[tuple[str, tuple[int, ...]], list[SentenceVectors]] = {}
    for vectors in results.values():
        stop = tuple(i for i in vectors.empty if vectors.removed[i])
        unknown = tuple(i for i in vectors.empty if not vectors.removed[i])
        for cause, indices in (("unknown", unknown), ("stopwords", stop)):
            if indices:
                groups.setdefault((cause, indices), []).append(vectors)
    out = []
    for (cause, indices), members in groups.items():
        first = members[0]
        labels = ", ".join(m.label for m in members)
        where = f" {first.vectors_name!r}" if first.vectors_name else ""
        one = len(indices) == 1
        if query:
            head = f'the query "{shorten(first.sentences[indices[0]], 80)}"'
            if cause == "unknown":
                text = f"{head} has no word the vector set{where} knows, so it cannot be ranked against the sentences."
                fix = "Rephrase the query with words the vector set knows, or choose another vector set."
            else:
                text = f"{head} has only stopwords among the known words, so it gets no no-stopwords vector."
                fix = "Add a content word to the query, or compare with the plain mean or TF-IDF."
            out.append(f"**{labels}:** {text} {fix}")
            continue
        count = f"{len(indices)} sentence{'' if one else 's'} {'has' if one else 'have'}"
        blank = "it is" if one else "they are"
        if cause == "unknown":
            text = f"{count} no word the vector set{where} knows, so {blank} left blank:"
            fix = "Add words the vector set knows (check the spelling), or choose another vector set."
        else:
            text = f"{count} only stopwords among the known words, so {blank} left blank:"
            fix = "Add a content word, or compare with the plain mean or TF-IDF."
        items = [f'- #{i + 1} "{shorten(first.sentences[i], 80)}"' for i in indices[:listed]]
        if len(indices) > listed:
            items.append(f"- … and {len(indices) - listed} more")
        out.append(f"**{labels}:** {text}\n\n" + "\n".join(items) + f"\n\n{fix}")
    return out


def _name_sentences(sentences: Sequence[str], indices: Sequence[int]) -> str:
    shown = [f'#{i + 1} "{shorten(sentences[i], 60)}"' for i in indices[:5]]
    more = f" and {len(indices) - 5} more" if len(indices) > 5 else ""
    noun = "Sentence" if len(indices) == 1 else "Sentences"
    return f"{noun} {', '.join(shown)}{more}"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> shorten("The cat sat on the mat", 12)
    'The cat sat…'
    """
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----- averaging static vectors ---------------------------------------------------------------
def _lookup(index: dict[str, int], token: str) -> str | None:
    """The key of ``token`` in the vector set: as tokenised (lower case), Capitalised, or UPPER."""
    for key in (token, token.capitalize(), token.upper()):
        if key in index:
            return key
    return None


def encode_average(
    sentences: Sequence[str],
    vectors: WordVectors,
    method: str = "mean",
    *,
    document_frequencies: DocumentFrequencies | None = None,
    stopwords: Collection[str] = ENGLISH_STOPWORDS,
) -> SentenceVectors:
    """Average the static word vectors of each sentence: ``mean``, ``no_stopwords`` or ``tfidf``.

    Sentences are tokenised with ``explorer.corpus.tokenize``. ``tfidf`` weighs each token by its
    idf from ``document_frequencies`` (from the active corpus); without them the sentences
    themselves serve as the documents (said in ``notes``).

    >>> import numpy as np
    >>> wv = WordVectors(["the", "cat"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> encode_average(["The cat, the cat"], wv, "no_stopwords").matrix.tolist()
    [[0.0, 1.0]]
    """
    if method not in AVERAGING_METHODS:
        raise SentenceError(f"Unknown averaging method {method!r}; choose one of {', '.join(AVERAGING_METHODS)}.")
    sentences = tuple(sentences)
    notes: list[str] = []
    index = vectors.key_to_index
    drop = frozenset(stopwords) if method == "no_stopwords" else frozenset()

    rows: list[int] = []
    words: list[str] = []
    counts: list[int] = []
    offsets = [0]
    unknown: list[tuple[str, ...]] = []
    removed: list[tuple[str, ...]] = []
    token_lists = [tokenize(s) for s in sentences]
    memo: dict[str, str | None] = {}  # token -> its key in the vector set (None: unknown)
    for tokens in token_lists:
        keys: list[str] = []
        unk: dict[str, None] = {}
        rem: dict[str, None] = {}
        for t in tokens:
            if t in drop:
                rem[t] = None
                continue
            key = memo[t] if t in memo else memo.setdefault(t, _lookup(index, t))
            if key is None:
                unk[t] = None
            else:
                keys.append(key)
        seen = Counter(keys)  # first-appearance order
        words.extend(seen)
        counts.extend(seen.values())
        rows.extend(index[k] for k in seen)
        offsets.append(len(rows))
        unknown.append(tuple(unk))
        removed.append(tuple(rem))

    row_arr = np.asarray(rows, dtype=np.int64)
    count_arr = np.asarray(counts, dtype=np.int64)
    offset_arr = np.asarray(offsets, dtype=np.int64)
    n = len(sentences)
    seg = np.repeat(np.arange(n), np.diff(offset_arr))  # (m,) sentence of each pooled word

    raw = count_arr.astype(np.float64)
    if method == "tfidf":
        if document_frequencies is None:
            document_frequencies = DocumentFrequencies.from_documents(token_lists, source="these sentences")
            notes.append("No corpus was given, so document frequencies come from these sentences.")
        dfs = document_frequencies
        raw = raw * np.array([dfs.idf(w.lower()) for w in words], dtype=np.float64)
    totals = np.bincount(seg, weights=raw, minlength=n)
    weights = raw / np.maximum(totals[seg], 1e-300) if len(raw) else raw

    matrix = _weighted_rows(vectors.vectors, row_arr, seg, weights, n)
    shares = _shares(vectors.vectors, row_arr, seg, weights, matrix)
    return SentenceVectors(
        method=method,
        sentences=sentences,
        matrix=matrix,
        offsets=offset_arr,
        words=tuple(words),
        counts=count_arr,
        weights=weights.astype(np.float32),
        shares=shares.astype(np.float32),
        unknown=tuple(unknown),
        removed=tuple(removed),
        vectors_name=vectors.name,
        notes=tuple(notes),
    )


def _weighted_rows(table: np.ndarray, rows: np.ndarray, seg: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """(n, d) float32: row s is sum of weights[j] * table[rows[j]] over the pooled words j of sentence s."""
    from scipy.sparse import csr_matrix

    out = np.zeros((n, table.shape[1]), dtype=np.float32)
    if len(rows) == 0:
        return out
    # A sparse (n, V) weight matrix times the (V, d) table: no (m, d) gather.
    w = csr_matrix((weights.astype(np.float32), (seg, rows)), shape=(n, table.shape[0]))
    out[:] = np.asarray(w @ table, dtype=np.float32)
    return out


def _shares(
    table: np.ndarray, rows: np.ndarray, seg: np.ndarray, weights: np.ndarray, matrix: np.ndarray
) -> np.ndarray:
    """(m,) weight * (x . v) / |v|^2 for each pooled word x of sentence vector v (sums to 1 per sentence)."""
    out = np.empty(len(rows), dtype=np.float64)
    sq = np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)  # (n,) |v|^2
    for start in range(0, len(rows), _CHUNK):
        sl = slice(start, start + _CHUNK)
        dots = np.einsum("ij,ij->i", table[rows[sl]], matrix[seg[sl]], dtype=np.float64)
        denom = sq[seg[sl]]
        ok = denom > 1e-24
        # A sentence whose word vectors cancel out has no direction: fall back to the weights.
        out[sl] = np.where(ok, weights[sl] * dots / np.where(ok, denom, 1.0), weights[sl])
    return out


# ----- the transformer --------------------------------------------------------------------------
def encode_transformer(
    sentences: Sequence[str],
    model: Any,
    tokenizer: Any,
    *,
    device: Any = "cpu",
    batch_size: int = 32,
    max_length: int = 256,
    name: str = "transformer",
) -> SentenceVectors:
    """Mean of the last layer's token states (attention-mask weighted), scaled to unit length.

    Sentences are sorted by length so each batch pads little, and run under
    ``torch.inference_mode``; the rows come back in the input order. Contributions are per
    subword token ([CLS] and [SEP] included, as they are pooled): the share of the unnormalised
    mean each token supplies.

    >>> # sv = encode_transformer(["A cat sat."], embedder.model, embedder.tokenizer, device=embedder.device)
    >>> # float(np.linalg.norm(sv.matrix[0]))  -> 1.0
    """
    import torch

    sentences = tuple(sentences)
    if not sentences:
        raise SentenceError("There are no sentences to encode: give at least one sentence.")
    if batch_size < 1:
        raise SentenceError(f"batch_size must be at least 1 (got {batch_size}).")
    enc = tokenizer(list(sentences), truncation=True, max_length=max_length, add_special_tokens=True)
    ids: list[list[int]] = [list(x) for x in enc["input_ids"]]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    n = len(sentences)
    hidden_size = int(model.config.hidden_size)
    matrix = np.zeros((n, hidden_size), dtype=np.float32)
    token_shares: list[np.ndarray] = [np.zeros(0)] * n
    order = sorted(range(n), key=lambda i: -len(ids[i]))
    dev = torch.device(device) if not isinstance(device, torch.device) else device

    with torch.inference_mode():
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, i in enumerate(batch):
                input_ids[r, : len(ids[i])] = torch.tensor(ids[i], dtype=torch.long)
                mask[r, : len(ids[i])] = 1
            out = model(input_ids=input_ids.to(dev), attention_mask=mask.to(dev))
            hidden = out.last_hidden_state.float()  # (B, T, H)
            m = mask.to(hidden.device, hidden.dtype).unsqueeze(-1)  # (B, T, 1)
            n_tok = m.sum(dim=1).clamp_min(1.0)  # (B, 1)
            mean = (hidden * m).sum(dim=1) / n_tok  # (B, H)
            norm = mean.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (B, 1)
            unit = mean / norm
            # Token t supplies (h_t . unit) / n_tok of |mean|; as a share, divide by |mean|.
            shares = torch.einsum("bth,bh->bt", hidden, unit) / n_tok / norm  # (B, T)
            unit_np = unit.cpu().numpy()
            shares_np = (shares * m.squeeze(-1)).cpu().numpy()
            for r, i in enumerate(batch):
                matrix[i] = unit_np[r]
                token_shares[i] = shares_np[r, : len(ids[i])]

    words: list[str] = []
    counts: list[int] = []
    weights: list[float] = []
    share_list: list[float] = []
    offsets = [0]
    notes: list[str] = []
    for i in range(n):
        tokens = tokenizer.convert_ids_to_tokens(ids[i])
        agg: dict[str, list[float]] = {}
        for tok, s in zip(tokens, token_shares[i], strict=True):
            entry = agg.setdefault(tok, [0, 0.0])
            entry[0] += 1
            entry[1] += float(s)
        for tok, (c, s) in agg.items():
            words.append(tok)
            counts.append(int(c))
            weights.append(c / len(tokens))
            share_list.append(s)
        offsets.append(len(words))
        if len(ids[i]) >= max_length:
            notes.append(f'Sentence #{i + 1} "{shorten(sentences[i], 40)}" was cut to {max_length} tokens.')
    return SentenceVectors(
        method="transformer",
        sentences=sentences,
        matrix=matrix,
        offsets=np.asarray(offsets, dtype=np.int64),
        words=tuple(words),
        counts=np.asarray(counts, dtype=np.int64),
        weights=np.asarray(weights, dtype=np.float32),
        shares=np.asarray(share_list, dtype=np.float32),
        unknown=((),) * n,
        removed=((),) * n,
        vectors_name=name,
        notes=tuple(notes),
    )


def encode_with_embedder(sentences: Sequence[str], embedder: Any, batch_size: int = 32) -> SentenceVectors:
    """``encode_transformer`` with the model, tokenizer, device and max_length of a ``ContextualEmbedder``.

    >>> # from explorer.contextual import ContextualEmbedder
    >>> # encode_with_embedder(["A cat sat."], ContextualEmbedder.load()).matrix.shape  -> (1, 384)
    """
    return encode_transformer(
        sentences,
        embedder.model,
        embedder.tokenizer,
        device=embedder.device,
        batch_size=batch_size,
        max_length=int(getattr(embedder, "max_length", 256) or 256),
        name=str(getattr(embedder, "name", "") or "transformer"),
    )


# ----- comparing ------------------------------------------------------------------------------
def cosine_similarity_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(n, m) cosine similarities of the rows of ``a`` and ``b`` (default ``a``); NaN where a row is zero.

    Cosine compares directions only: scaling a row leaves it unchanged.

    >>> cosine_similarity_matrix(np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0]]))[0].tolist()
    [1.0, 1.0, 0.0]
    """
    a = np.asarray(a, dtype=np.float64)
    b = a if b is None else np.asarray(b, dtype=np.float64)
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = (a @ b.T) / np.outer(na, nb)
    sim[na == 0, :] = np.nan
    sim[:, nb == 0] = np.nan
    return np.clip(sim, -1.0, 1.0)


def euclidean_distance_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(n, m) Euclidean distances between the rows of ``a`` and ``b`` (default ``a``).

    Unlike cosine, it grows with the vectors' lengths.

    >>> euclidean_distance_matrix(np.array([[0.0, 0.0], [3.0, 4.0]]))[0].tolist()
    [0.0, 5.0]
    """
    a = np.asarray(a, dtype=np.float64)
    b = a if b is None else np.asarray(b, dtype=np.float64)
    # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, clipped at 0 against rounding.
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    dist = np.sqrt(np.maximum(sq, 0.0))
    if b is a:
        np.fill_diagonal(dist, 0.0)
    return dist


def compare(vectors: SentenceVectors, metric: str = "cosine") -> np.ndarray:
    """(n, n) cosine similarities or Euclidean distances of all sentence pairs; NaN for empty sentences.

    >>> # compare(sv, "euclidean")
    """
    if metric not in METRICS:
        raise SentenceError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    pairwise = cosine_similarity_matrix if metric == "cosine" else euclidean_distance_matrix
    out = pairwise(vectors.matrix)
    empty = list(vectors.empty)
    out[empty, :] = np.nan
    out[:, empty] = np.nan
    return out


@dataclass(frozen=True)
class Match:
    """One sentence ranked against a query: the best match has rank 1."""

    rank: int
    index: int
    sentence: str
    score: float


def top_matches(
    query: SentenceVectors,
    candidates: SentenceVectors,
    metric: str = "cosine",
    topn: int = 5,
    query_index: int = 0,
) -> list[Match]:
    """The candidate sentences closest to one query sentence: highest cosine or smallest distance.

    Both must come from the same method and vector set. Candidates without a vector are skipped.

    >>> import numpy as np
    >>> wv = WordVectors(["cat", "dog", "stock"], np.array([[1, 0], [0.9, 0.2], [0, 1]], dtype=np.float32))
    >>> q = encode_average(["a cat"], wv)
    >>> [m.sentence for m in top_matches(q, encode_average(["stock", "dog"], wv), topn=1)]
    ['dog']
    """
    if metric not in METRICS:
        raise SentenceError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    if query.method != candidates.method or query.vector_size != candidates.vector_size:
        raise SentenceError("The query and the sentences must be encoded with the same method and vector set.")
    if query_index in query.empty:
        raise SentenceError(
            f'The query "{shorten(query.sentences[query_index], 60)}" gets no vector from {query.label}: '
            + (
                "it has only stopwords. Add a content word, or compare with the plain mean or TF-IDF."
                if query.removed[query_index]
                else "none of its words are in the vector set. Rephrase it with words the vector set knows."
            )
        )
    row = query.matrix[query_index : query_index + 1]
    if metric == "cosine":
        scores = cosine_similarity_matrix(row, candidates.matrix)[0]
        keys = -scores
    else:
        scores = euclidean_distance_matrix(row, candidates.matrix)[0]
        keys = scores.copy()
    empty = set(candidates.empty)
    usable = [i for i in range(len(candidates)) if i not in empty and np.isfinite(scores[i])]
    usable.sort(key=lambda i: (keys[i], i))
    return [
        Match(rank=r + 1, index=i, sentence=candidates.sentences[i], score=float(scores[i]))
        for r, i in enumerate(usable[: max(topn, 0)])
    ]
