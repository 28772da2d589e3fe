"""GloVe: weighted least squares on log co-occurrence counts, trained with AdaGrad in torch.

Counting (``count`` stages, ``batch_words`` tokens each) adds 1/distance for every pair inside
a symmetric window, as the reference implementation does. Training then minimises, over the
non-zero entries X_ij (Pennington, Socher and Manning 2014)::

    J = sum_ij f(X_ij) (w_i . c_j + b_i + b~_j - log X_ij)^2,   f(x) = min(1, (x / x_max) ** alpha_weight)

with AdaGrad as in glove.c (squared-gradient sums start at 1, vectors start uniform in
(-0.5/d, 0.5/d)); unlike glove.c, each bias starts at half the mean log count of its row or
column rather than at random, so the vectors are not first bent to carry the overall level. Each unit of ``step`` is one minibatch of ``minibatch`` shuffled entries per worker thread (hogwild, as glove.c);
their gradients are computed from the same parameter values and summed per row, and each
entry's squared gradient enters the AdaGrad accumulator before the step (glove.c updates entry
by entry, accumulating after each), which keeps a frequent word's row of a small corpus stable
however many of its entries share a minibatch. The reported loss is glove.c's: the mean of
0.5 f(X) diff^2 over the minibatch. The word vectors are w + c, summed at the end.

Example:
    >>> from explorer.corpus import Corpus
    >>> from explorer.training import make_trainer
    >>> t = make_trainer("glove", Corpus.from_texts(["a b c d e f"] * 20), vector_size=4, min_count=1, epochs=2)
    >>> _ = t.run()
    >>> t.snapshot().vector_size
    4
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from explorer.corpus import Corpus
from explorer.threads import available_cores, torch_threads
from explorer.training.base import Progress, Trainer, check_common, check_float, check_int, encode
from explorer.training.pairs import cooccurrence


@dataclass(frozen=True)
class GloVeConfig:
    """GloVe (glove.c's names where gensim has none).

    Attributes:
        vector_size: dimensions of each word vector.
        window: neighbours counted on each side (each adds 1/distance).
        min_count: ignore words seen fewer times.
        x_max: count at which an entry's weight stops growing.
        alpha_weight: exponent of the weighting function f.
        learning_rate: AdaGrad's initial rate (glove.c uses 0.05; 0.1 learns more in the same iterations).
        epochs: passes over the non-zero entries.
        minibatch: entries per update (one unit of ``step`` when training).
        batch_words: tokens counted per unit of ``step`` while counting.
        seed: random seed (initial vectors, entry order).
        max_vocab: keep at most this many of the most frequent words (None: all).
        device: "auto", "cpu", "cuda", ... (None: the app's choice).
        workers: worker threads on the CPU (gensim's name); by default the cores this process
            may use. Each step trains one minibatch per worker at once, each on one torch thread,
            updating the shared tables without locks as glove.c's threads do.
    """

    vector_size: int = 100
    window: int = 10
    min_count: int = 5
    x_max: float = 100.0
    alpha_weight: float = 0.75
    learning_rate: float = 0.1
    epochs: int = 25
    minibatch: int = 8192
    batch_words: int = 100_000
    seed: int = 1
    max_vocab: int | None = None
    device: str | None = None
    workers: int = field(default_factory=available_cores)


def _scatter(target: torch.Tensor, index: torch.Tensor, rows: torch.Tensor) -> None:
    if target.device.type == "cpu" and torch.get_num_threads() > 1:
        idx = index if rows.dim() == 1 else index[:, None].expand(-1, rows.shape[1])
        target.scatter_add_(0, idx, rows)
    else:
        target.index_add_(0, index, rows)


def _adagrad(
    param: torch.Tensor, sq: torch.Tensor, index: torch.Tensor, grad: torch.Tensor, lr: float, sparse: bool = False
) -> None:
    """AdaGrad on the rows ``index`` with per-entry gradients ``grad``, summed per row.

    Each entry's squared gradient enters the accumulator before the step (glove.c adds it just
    after its own entry's step), so a row met n times in one minibatch moves by at most about
    sqrt(n) times ``lr`` per coordinate: frequent rows of a small corpus stay stable, and rows of
    a large corpus still move as far as glove.c's entry-by-entry updates would take them.
    """
    if not sparse and len(index) * 2 >= param.shape[0]:
        # most rows are touched: whole-table arithmetic beats finding the unique rows
        total, squares = torch.zeros_like(param), torch.zeros_like(param)
        _scatter(total, index, grad)
        _scatter(squares, index, grad * grad)
        sq.add_(squares)
        param.addcdiv_(total, torch.sqrt(sq), value=-lr)
        return
    rows, inverse = torch.unique(index, return_inverse=True)
    shape = (len(rows),) + grad.shape[1:]
    total = torch.zeros(shape, dtype=grad.dtype, device=grad.device)
    squares = torch.zeros(shape, dtype=grad.dtype, device=grad.device)
    _scatter(total, inverse, grad)  # (U, d) or (U,)
    _scatter(squares, inverse, grad * grad)
    acc = sq.index_select(0, rows) + squares
    sq.index_copy_(0, rows, acc)
    param.index_add_(0, rows, -lr * total / torch.sqrt(acc))


class GloVeTrainer(Trainer):
    """Counts in chunks, then AdaGrad minibatches over the shuffled non-zero entries."""

    method = "glove"
    unit = "entries"

    def __init__(self, corpus: Corpus, config: GloVeConfig) -> None:
        check_common(config)
        check_float("x_max", config.x_max, 0.0, "glove.c uses 100; use about 10 on a small corpus.", lo_open=True)
        check_float("alpha_weight", config.alpha_weight, 0.0, "The paper uses 0.75.", hi=1.0, lo_open=True)
        check_float("learning_rate", config.learning_rate, 0.0, "glove.c uses 0.05.", hi=10.0, lo_open=True)
        check_int("minibatch", config.minibatch, 1, "Use 1024 to 65536 entries per update.")
        check_int("batch_words", config.batch_words, 1, "Use about 100000 tokens per step.")
        super().__init__(corpus, config)
        self.data = encode(corpus, self.vocab)
        v, d = len(self.vocab), config.vector_size
        self.counts = sp.csr_matrix((v, v), dtype=np.float64)
        self.words_done = 0
        self._pos = 0
        self._counted = False
        self._entries: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] | None = None
        self._order: torch.Tensor | None = None
        self._cursor = 0
        self._epoch = 0
        self.pairs_done = 0
        gen, dev = self.torch_gen, self.device
        self.w = ((torch.rand(v, d, generator=gen) - 0.5) / d).to(dev)
        self.c = ((torch.rand(v, d, generator=gen) - 0.5) / d).to(dev)
        self.b = ((torch.rand(v, generator=gen) - 0.5) / d).to(dev)
        self.bc = ((torch.rand(v, generator=gen) - 0.5) / d).to(dev)
        self.gw, self.gc = torch.ones(v, d, device=dev), torch.ones(v, d, device=dev)
        self.gb, self.gbc = torch.ones(v, device=dev), torch.ones(v, device=dev)
        self.n_words = len(self.data)
        self._executor: ThreadPoolExecutor | None = None

    @property
    def nnz(self) -> int:
        return int(self.counts.nnz)

    @property
    def done(self) -> bool:
        return self._epoch >= self.config.epochs

    @property
    def progress(self) -> float:
        # counting is weighted as one epoch's worth of work
        if not self._counted:
            return self.words_done / self.n_words / (self.config.epochs + 1)
        return (1 + self._epoch + self._cursor / max(self.nnz, 1)) / (self.config.epochs + 1)

    def _progress_fields(self) -> dict[str, int]:
        total = 1_000_000
        return {"done": int(round(self.progress * total)), "total": total}

    def _unit(self) -> Progress:
        c = self.config
        if not self._counted:
            lo = self._pos
            hi = self.data.chunk_end(lo, c.batch_words)
            self.counts = self.counts + cooccurrence(
                *self.data.chunk(lo, hi), c.window, len(self.vocab), weighting="harmonic"
            )
            self.words_done += hi - lo
            self._pos = hi
            if hi >= self.n_words:
                self._finish_counting()
            return self._record(
                epoch=0,
                stage="count",
                loss=math.nan,
                words_done=self.words_done,
                pairs_done=0,
                learning_rate=0.0,
                elapsed=self.elapsed,
                **self._progress_fields(),
            )
        loss = self._train_minibatch()
        epoch = self._epoch + 1
        if self._cursor >= self.nnz:
            self._epoch += 1
            self._cursor = 0
            self._shuffle()
        return self._record(
            epoch=epoch,
            stage="train",
            loss=loss,
            words_done=self.words_done,
            pairs_done=self.pairs_done,
            learning_rate=c.learning_rate,
            elapsed=self.elapsed,
            **self._progress_fields(),
        )

    def _finish_counting(self) -> None:
        coo = self.counts.tocoo()
        dev = self.device
        x = torch.from_numpy(coo.data).to(dev, torch.float32)
        weight = torch.clamp((x / self.config.x_max) ** self.config.alpha_weight, max=1.0)
        self._entries = (
            torch.from_numpy(coo.row.astype(np.int64)).to(dev),
            torch.from_numpy(coo.col.astype(np.int64)).to(dev),
            torch.log(x),
            weight,
        )
        # biases start at half the mean log count of their row (column), so the vectors learn the
        # structure of log X instead of first absorbing its overall level
        v = len(self.vocab)
        logx = np.log(coo.data)
        for bias, idx in ((self.b, coo.row), (self.bc, coo.col)):
            n = np.bincount(idx, minlength=v)
            mean = np.bincount(idx, weights=logx, minlength=v) / np.maximum(n, 1)
            bias.copy_(torch.from_numpy(mean / 2).to(bias.device, bias.dtype))
        self._counted = True
        self._shuffle()

    def _shuffle(self) -> None:
        self._order = torch.from_numpy(self.rng.permutation(self.nnz)).to(self.device)

    def _train_minibatch(self) -> float:
        """One minibatch per worker thread, run at once (hogwild, as glove.c's threads); the mean loss."""
        # a small vocabulary meets each row many times per minibatch: keep about 4 entries per word
        size = min(self.config.minibatch, 4 * len(self.vocab))
        takes = []
        for _ in range(self._workers()):
            take = self._order[self._cursor : self._cursor + size]
            if len(take) == 0:
                break
            takes.append(take)
            self._cursor += len(take)
        self.pairs_done += sum(len(t) for t in takes)
        if len(takes) == 1:
            losses = [self._train_entries(takes[0], sparse=False)]
        else:
            losses = list(self._pool().map(lambda take: self._train_entries(take, sparse=True), takes))
        return sum(losses) / max(sum(len(t) for t in takes), 1)

    def _workers(self) -> int:
        return self.config.workers if self.device.type == "cpu" else 1

    def _intra_op_threads(self) -> int | None:
        return 1  # the worker threads, not torch's, spread over the cores

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.config.workers, thread_name_prefix="glove")
        return self._executor

    def __del__(self) -> None:
        if getattr(self, "_executor", None) is not None:
            self._executor.shutdown(wait=False)

    def _train_entries(self, take: torch.Tensor, sparse: bool) -> float:
        """AdaGrad on the entries ``take``; the summed loss. ``sparse``: touch only the rows in use
        (required when threads update the tables at once, so a thread never writes a row back stale)."""
        lr = self.config.learning_rate
        with torch_threads(1 if self.device.type == "cpu" else None):
            rows, cols, logx, f = (t.index_select(0, take) for t in self._entries)
            wi, cj = F.embedding(rows, self.w), F.embedding(cols, self.c)  # (B, d)
            diff = (wi * cj).sum(1) + self.b.index_select(0, rows) + self.bc.index_select(0, cols) - logx  # (B,)
            fdiff = f * diff
            loss = 0.5 * (fdiff * diff).sum(dtype=torch.float64)
            _adagrad(self.w, self.gw, rows, fdiff[:, None] * cj, lr, sparse)
            _adagrad(self.c, self.gc, cols, fdiff[:, None] * wi, lr, sparse)
            _adagrad(self.b, self.gb, rows, fdiff, lr, sparse)
            _adagrad(self.bc, self.gbc, cols, fdiff, lr, sparse)
            return float(loss.item())

    def _matrix(self) -> np.ndarray:
        return (self.w + self.c).float().cpu().numpy().copy()

    def cooccurrence_matrix(self) -> sp.csr_matrix:
        """The 1/distance-weighted counts so far (rows and columns in vocabulary order).

        >>> from explorer.corpus import Corpus
        >>> from explorer.training import make_trainer
        >>> t = make_trainer("glove", Corpus.from_texts(["my card was charged"] * 5), vector_size=2)
        >>> _ = t.step(1); t.cooccurrence_matrix().shape
        (4, 4)
        """
        return self.counts
