"""What every trainer shares: the error type, progress records, config checks and the step loop.

A trainer advances in bounded units (``step(n)`` runs ``n`` units and returns one ``Progress``
record per unit), so a page can train a little, redraw, and train again. ``snapshot()`` copies the
current input vectors into an immutable ``WordVectors`` whose keys are ordered by frequency.

Example:
    >>> from explorer.corpus import Corpus
    >>> from explorer.training import make_trainer
    >>> t = make_trainer("sgns", Corpus.from_texts(["a cat sat on a mat"] * 50), vector_size=8, epochs=1)
    >>> records = t.step(1)
    >>> records[0].epoch, 0.0 < t.progress <= 1.0
    (1, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch

from explorer.corpus import Corpus, Vocab
from explorer.device import select_device
from explorer.errors import CorpusError, TrainingError
from explorer.threads import torch_threads
from explorer.tokens import EncodedStream, TokenIds
from explorer.vectors import WordVectors


@dataclass(frozen=True)
class Progress:
    """One unit of training work (a minibatch, a counting chunk, an SVD stage).

    Attributes:
        step: 1-based number of this unit since the trainer was made.
        epoch: 1-based pass over the data the unit belongs to (0 for set-up stages).
        stage: "train", "count", "ppmi", "svd" ...
        loss: mean loss of the unit's examples (NaN for stages without a loss).
        words_done: corpus tokens consumed so far (word-streaming methods).
        pairs_done: training examples (pairs or matrix entries) processed so far.
        done: work done so far, in ``unit``; ``total`` is the whole run in the same unit.
        unit: "words", "entries" or "stages".
        learning_rate: the rate the unit used (0 for closed-form stages).
        elapsed: seconds spent inside ``step`` so far.
        fraction: ``done / total`` in 0..1.
    """

    step: int
    epoch: int
    stage: str
    loss: float
    words_done: int
    pairs_done: int
    done: int
    total: int
    unit: str
    learning_rate: float
    elapsed: float
    fraction: float

    @property
    def throughput(self) -> float:
        """Units of work per second so far (words/s for word-streaming methods)."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


# ----- parameter checks ---------------------------------------------------------------------------
def check_int(name: str, value: Any, lo: int, hint: str, hi: int | None = None) -> None:
    """Raise ``TrainingError`` unless ``value`` is an int in [lo, hi].

    >>> check_int("window", 0, 1, "Try 5.")
    Traceback (most recent call last):
    ...
    explorer.errors.TrainingError: window must be at least 1 (got 0). Try 5.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TrainingError(f"{name} must be a whole number (got {value!r}). {hint}")
    if value < lo or (hi is not None and value > hi):
        span = f"at least {lo}" if hi is None else f"between {lo} and {hi}"
        raise TrainingError(f"{name} must be {span} (got {value}). {hint}")


def check_float(name: str, value: Any, lo: float, hint: str, hi: float | None = None, lo_open: bool = False) -> None:
    """Raise ``TrainingError`` unless ``value`` is a finite number in [lo, hi] (or (lo, hi]).

    >>> check_float("alpha", 0.0, 0.0, "Try 0.025.", lo_open=True)
    Traceback (most recent call last):
    ...
    explorer.errors.TrainingError: alpha must be greater than 0.0 (got 0.0). Try 0.025.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TrainingError(f"{name} must be a number (got {value!r}). {hint}")
    v = float(value)
    bad_lo = v <= lo if lo_open else v < lo
    if not math.isfinite(v) or bad_lo or (hi is not None and v > hi):
        low = f"greater than {lo}" if lo_open else f"at least {lo}"
        span = low if hi is None else f"{low} and at most {hi}"
        raise TrainingError(f"{name} must be {span} (got {value}). {hint}")


def check_common(cfg: Any) -> None:
    """Checks shared by every config: vector_size, window, min_count, seed, workers, max_vocab, epochs.

    >>> from explorer.training import SGNSConfig
    >>> check_common(SGNSConfig(vector_size=0))
    Traceback (most recent call last):
    ...
    explorer.errors.TrainingError: vector_size must be between 1 and 2000 (got 0). Use 50 to 300 dimensions; 100 is a good start.
    """
    check_int("vector_size", cfg.vector_size, 1, "Use 50 to 300 dimensions; 100 is a good start.", hi=2000)
    check_int("window", cfg.window, 1, "The window counts neighbours on each side; try 5.", hi=100)
    check_int("min_count", cfg.min_count, 1, "Use 1 to keep every word, 5 to drop rare ones.")
    check_int("seed", cfg.seed, 0, "Any whole number from 0 up works.")
    check_int("workers", cfg.workers, 1, "Use the number of free CPU cores (the default uses every core).", hi=256)
    if cfg.max_vocab is not None:
        check_int("max_vocab", cfg.max_vocab, 2, "Keep at least two words (or leave it unset).")
    if hasattr(cfg, "epochs"):
        check_int("epochs", cfg.epochs, 1, "Train for at least one pass over the corpus; try 5.", hi=10_000)


def config_from_kwargs(cls: type, method: str, kwargs: dict[str, Any]) -> Any:
    """Build the frozen config ``cls`` from keyword arguments, refusing unknown names.

    >>> from explorer.training import GloVeConfig
    >>> try:
    ...     config_from_kwargs(GloVeConfig, "glove", {"size": 10})
    ... except TrainingError as exc:
    ...     str(exc).split(";")[0]
    "Unknown parameter(s) size for 'glove'"
    """
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise TrainingError(
            f"Unknown parameter(s) {', '.join(unknown)} for {method!r}; its parameters are {', '.join(names)}."
        )
    return cls(**kwargs)


# ----- corpus preparation ---------------------------------------------------------------------------
def build_vocab(corpus: Corpus | TokenIds, min_count: int, max_vocab: int | None) -> Vocab:
    """The training vocabulary, with at least two distinct words, or a ``TrainingError``.

    >>> build_vocab(Corpus.from_texts(["a a b"]), min_count=1, max_vocab=None).words
    ('a', 'b')
    """
    try:
        vocab = corpus.vocab(min_count=min_count, max_size=max_vocab)
    except CorpusError as exc:
        raise TrainingError(str(exc)) from exc
    if len(vocab) < 2:
        raise TrainingError(
            f"Training needs at least two distinct words, but {corpus.name!r} keeps only "
            f"{len(vocab)} ({', '.join(vocab.words)!s}) at min_count={min_count}. "
            "Add more text or lower min_count."
        )
    return vocab


def token_ids(corpus: Corpus | TokenIds) -> TokenIds:
    """The corpus as a token-id array (``explorer.tokens``); a ``TokenIds`` is returned as it is."""
    return corpus if isinstance(corpus, TokenIds) else TokenIds.from_corpus(corpus)


def encode(corpus: Corpus | TokenIds, vocab: Vocab) -> EncodedStream:
    """The in-vocabulary tokens as one id stream; out-of-vocabulary tokens are dropped before windows are formed.

    >>> c = Corpus.from_texts(["a b.", "b zzz a"])
    >>> e = encode(c, build_vocab(c, 1, None))
    >>> e.ids.tolist(), e.starts.tolist()
    ([0, 1, 1, 2, 0], [0, 2, 5])
    """
    tokens = token_ids(corpus)
    if tokens.words[: len(vocab)] != vocab.words:
        raise TrainingError("The vocabulary does not belong to this corpus; build it with build_vocab.")
    data = tokens.encode(len(vocab))
    if len(data) < 2 or not np.any(np.diff(data.starts) >= 2):
        raise TrainingError(
            f"No sentence of {corpus.name!r} has two kept words side by side, so no word has a context. "
            "Add longer sentences or lower min_count."
        )
    return data


def resolve_device(preference: str | None) -> torch.device:
    """The torch device for a config's ``device`` ("auto", "cpu", "cuda"...); TrainingError for an unusable one.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    try:
        return select_device(preference)
    except ValueError as exc:
        raise TrainingError(str(exc)) from exc


@contextmanager
def cpu_threads(device: torch.device, workers: int | None) -> Iterator[None]:
    """Run torch's CPU kernels on ``workers`` threads inside the block (None: leave as is).

    The count is set for the calling thread only (``explorer.threads.torch_threads``), so a
    training never changes the threads of another visitor's work in the same process.

    >>> with cpu_threads(torch.device("cpu"), 1):
    ...     torch.get_num_threads()
    1
    """
    if device.type != "cpu":
        yield
        return
    with torch_threads(workers):
        yield


# ----- the trainer protocol -------------------------------------------------------------------------
class Trainer:
    """Base class: subclasses implement ``_unit()`` (one bounded unit of work) and ``_matrix()``.

    Attributes:
        method: the method name ("sgns", "cbow", ...).
        config: the frozen config dataclass.
        corpus, vocab: what is trained on.
        records: every ``Progress`` record so far.
    """

    method: str = ""
    unit: str = "words"

    def __init__(self, corpus: Corpus | TokenIds, config: Any) -> None:
        self.corpus = corpus
        self.config = config
        self.device = resolve_device(getattr(config, "device", None))
        self.vocab = build_vocab(corpus, config.min_count, config.max_vocab)
        self.records: list[Progress] = []
        self.elapsed = 0.0
        self._steps = 0
        self.rng = np.random.default_rng(config.seed)
        self.torch_gen = torch.Generator(device="cpu").manual_seed(int(config.seed))

    # subclasses --------------------------------------------------------------------------------
    def _unit(self) -> Progress:  # pragma: no cover - abstract
        raise NotImplementedError

    def _matrix(self) -> np.ndarray:  # pragma: no cover - abstract
        """The current (V, vector_size) float32 word vectors, a fresh array."""
        raise NotImplementedError

    @property
    def done(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def progress(self) -> float:  # pragma: no cover - abstract
        """Fraction of the whole run done, 0..1."""
        raise NotImplementedError

    def _intra_op_threads(self) -> int | None:
        """Torch CPU threads while stepping: ``workers`` (subclasses with worker threads use 1)."""
        return getattr(self.config, "workers", None)

    # shared ------------------------------------------------------------------------------------
    def _record(self, **kw: Any) -> Progress:
        self._steps += 1
        total = max(int(kw["total"]), 1)
        done = min(int(kw["done"]), total)
        kw.update(total=total, done=done, fraction=done / total, step=self._steps, elapsed=self.elapsed)
        kw.setdefault("unit", self.unit)
        return Progress(**kw)

    def step(self, n: int = 1) -> list[Progress]:
        """Advance ``n`` bounded units of work (fewer if training ends) and return their records.

        ``step(0)`` does nothing and returns ``[]``.

        >>> from explorer.training import make_trainer
        >>> t = make_trainer("ppmi_svd", Corpus.from_texts(["a cat sat on a mat"] * 20), vector_size=2)
        >>> [r.stage for r in t.step(2)], t.step(0)
        (['count', 'ppmi'], [])
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise TrainingError(f"step(n) takes a whole number of units, 0 or more (got {n!r}).")
        out: list[Progress] = []
        with cpu_threads(self.device, self._intra_op_threads()):
            for _ in range(int(n)):
                if self.done:
                    break
                start = time.perf_counter()
                rec = self._unit()
                self.elapsed += time.perf_counter() - start
                rec = Progress(**{**rec.__dict__, "elapsed": self.elapsed})
                self.records.append(rec)
                out.append(rec)
        return out

    def run(self, max_seconds: float | None = None) -> list[Progress]:
        """Train to the end, or until ``max_seconds`` of wall time have passed; return the new records.

        >>> from explorer.training import make_trainer
        >>> t = make_trainer("ppmi_svd", Corpus.from_texts(["a cat sat on a mat"] * 20), vector_size=2)
        >>> _ = t.run(); t.done
        True
        """
        out: list[Progress] = []
        start = time.perf_counter()
        while not self.done:
            out.extend(self.step(1))
            if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                break
        return out

    def snapshot(self, name: str | None = None) -> WordVectors:
        """The current vectors as an immutable ``WordVectors`` (keys by frequency, counts set).

        >>> from explorer.training import make_trainer
        >>> t = make_trainer("ppmi_svd", Corpus.from_texts(["a cat sat on a mat"] * 20), vector_size=2)
        >>> _ = t.run(); t.snapshot().keys[:2], t.snapshot().vectors.flags.writeable
        (('a', 'cat'), False)
        """
        label = name or f"{self.method} on {self.corpus.name}"
        with cpu_threads(self.device, self._intra_op_threads()):
            matrix = self._matrix()
        return WordVectors(self.vocab.words, matrix, counts=self.vocab.counts, name=label)

    @property
    def losses(self) -> list[float]:
        """The loss of every record that has one, in order."""
        return [r.loss for r in self.records if not math.isnan(r.loss)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r}, words={len(self.vocab)}, progress={self.progress:.0%})"
