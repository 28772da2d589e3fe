"""Skip-gram and CBOW with negative sampling (word2vec), batched in torch.

The model and its hyper-parameters follow word2vec.c and gensim: input vectors ``W`` start
uniform in (-0.5/d, 0.5/d), output vectors ``C`` start at zero; noise words come from the
unigram distribution raised to 0.75; frequent words are dropped with word2vec's subsampling
rule before windows are formed; each center draws a reduced window b uniformly in 1..window;
the learning rate falls linearly from ``alpha`` to ``min_alpha`` over all epochs' words.

Update rule, for an example with input h (skip-gram: the context word's row of W; CBOW: the
mean of the context rows), target t and noise words n_1..n_K::

    g_t = lr * (1 - sigma(h . C_t))          g_k = -lr * sigma(h . C_nk)
    C_t += g_t h      C_nk += g_k h          dh = g_t C_t + sum_k g_k C_nk
    every input row of the example += dh     (CBOW too, as in word2vec.c with cbow_mean=1)

Departures from word2vec.c, made so that the work runs as a few large tensor operations:

* Examples are processed in minibatches (``minibatch`` examples, at most 4 per vocabulary word
  so that a tiny vocabulary does not pile hundreds of updates on one row) and every gradient of a
  minibatch is computed from the same parameter values, then summed into the rows with
  ``index_add_`` (word2vec applies each pair's update before the next pair; with two threads
  gensim already mixes stale reads, so this is the same kind of staleness, only larger).
  ``row_cap`` (off by default) can scale down a row whose update sums more than ``row_cap``
  examples, a brake for very repetitive text.
* CPU parallelism is gensim's: ``workers`` threads (default: one per core this process may use)
  each take a share of a step's sentences, draw their own subsampling, windows and noise words
  from their own seeded generator, run torch on one thread, and update the shared rows without
  locks. Torch's own OpenMP threads are not used for these small operations: on a machine whose
  cores are busy they stall on each other and run many times slower. With one worker a run is
  exactly reproducible from its seed; with more, the interleaving of updates varies slightly.
* Noise words are shared by ``shared_negatives`` consecutive examples: a group of g examples
  and its K noise words score as one (g, d) x (d, K) product. Each example still sees
  ``negative`` noise words drawn from the same distribution, so the expected update is
  unchanged; the noise rows get g contributions at once instead of one. With g=1 every example
  has its own noise words, exactly as in word2vec. The benchmark (docs/benchmarks.md) compares
  the resulting quality with gensim on the same text.
* The loss is tracked exactly (summed in float64), not estimated.

CBOW on the CPU does not batch: each worker's share of a step is one compiled call
(``explorer.training.kernels.cbow_update``) that applies one example at a time, as word2vec.c, and
runs without Python's interpreter lock. CBOW has one example per centre word, too little work per
step for batching to pay, and without stale minibatch sums it can start at word2vec.c's CBOW rate
of 0.05 (its default on the CPU; the batched path, used on a GPU, starts at 0.025, since at 0.05 its
summed updates overshoot: analogy accuracy fell to nearly zero on the 1M-word reference text).

Example:
    >>> from explorer.corpus import Corpus
    >>> from explorer.training import make_trainer
    >>> t = make_trainer("cbow", Corpus.from_texts(["the cat sat on the mat"] * 40), vector_size=10, epochs=2)
    >>> _ = t.run()
    >>> t.done, t.snapshot().vector_size
    (True, 10)
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from explorer.corpus import Corpus
from explorer.threads import available_cores, torch_threads
from explorer.training.base import Progress, Trainer, check_common, check_float, check_int, encode
from explorer.training.pairs import window_pairs


@dataclass(frozen=True)
class SGNSConfig:
    """Skip-gram with negative sampling (gensim's names and defaults where they exist).

    Attributes:
        vector_size: dimensions of each word vector.
        window: largest distance between a center word and a context word.
        negative: noise words per training example.
        min_count: ignore words seen fewer times.
        sample: threshold of frequent-word subsampling (0 turns it off).
        epochs: passes over the corpus.
        alpha, min_alpha: learning rate at the start and at the end (linear decay). CBOW's
            ``alpha=None`` is the usual rate for how it runs: 0.05 on the CPU, 0.025 batched.
        seed: random seed; the same seed gives the same vectors on the same device.
        batch_words: corpus tokens per unit of ``step``.
        minibatch: training examples per tensor update (batched updates: not CBOW on the CPU).
        shared_negatives: consecutive examples that share one draw of noise words.
        row_cap: most examples' worth of update one row takes from one minibatch (0: no cap; batched only).
        ns_exponent: exponent of the unigram noise distribution.
        max_vocab: keep at most this many of the most frequent words (None: all).
        device: "auto", "cpu", "cuda", ... (None: the app's choice).
        workers: worker threads on the CPU (gensim's name); by default one per core this process
            may use. Each runs minibatches on one torch thread and updates the shared rows
            without locks, as gensim's workers do; with more than one worker the result is no
            longer exactly reproducible (use ``workers=1`` for that).
    """

    vector_size: int = 100
    window: int = 5
    negative: int = 5
    min_count: int = 5
    sample: float = 1e-3
    epochs: int = 5
    alpha: float = 0.025
    min_alpha: float = 0.0001
    seed: int = 1
    batch_words: int = 10_000
    minibatch: int = 2048
    shared_negatives: int = 16
    row_cap: int = 0
    ns_exponent: float = 0.75
    max_vocab: int | None = None
    device: str | None = None
    workers: int = field(default_factory=available_cores)


@dataclass(frozen=True)
class CBOWConfig(SGNSConfig):
    """CBOW with negative sampling: the mean of the context vectors predicts the center word."""

    alpha: float | None = None


def check_ns_config(cfg: SGNSConfig) -> None:
    """Raise ``TrainingError`` for a skip-gram/CBOW setting out of range, with the usual values in the message.

    >>> check_ns_config(SGNSConfig(negative=0))
    Traceback (most recent call last):
    ...
    explorer.errors.TrainingError: negative must be between 1 and 100 (got 0). Negative sampling needs at least 1 noise word; 5 to 15 is usual.
    """
    check_common(cfg)
    check_int("negative", cfg.negative, 1, "Negative sampling needs at least 1 noise word; 5 to 15 is usual.", hi=100)
    check_float("sample", cfg.sample, 0.0, "Use 1e-3 to 1e-5, or 0 to keep every occurrence.", hi=1.0)
    if cfg.alpha is not None:
        check_float("alpha", cfg.alpha, 0.0, "Start around 0.025 (skip-gram) or 0.05 (CBOW).", hi=10.0, lo_open=True)
    check_float("min_alpha", cfg.min_alpha, 0.0, "Use a small rate such as 0.0001.", hi=float(cfg.alpha or 0.025))
    check_int("batch_words", cfg.batch_words, 1, "Use about 10000 tokens per step.")
    check_int("minibatch", cfg.minibatch, 1, "Use 1024 to 8192 examples per update.")
    check_int("shared_negatives", cfg.shared_negatives, 1, "Use 1 (word2vec) up to 32.")
    check_int("row_cap", cfg.row_cap, 0, "Use 0 (no cap) or 8 to 256.")
    check_float("ns_exponent", cfg.ns_exponent, 0.0, "word2vec uses 0.75.", hi=1.0)


def noise_table(counts: np.ndarray, exponent: float) -> np.ndarray:
    """Cumulative noise distribution (unigram ** exponent), for ``np.searchsorted`` sampling.

    >>> noise_table(np.array([1, 3]), 1.0).tolist()
    [0.25, 1.0]
    """
    p = counts.astype(np.float64) ** exponent
    cum = np.cumsum(p / p.sum())
    cum[-1] = 1.0
    return cum


def _scatter_rows(
    target: torch.Tensor, index: torch.Tensor, rows: torch.Tensor, cap: int = 0, weight: int | torch.Tensor = 1
) -> torch.Tensor:
    """target[index[i]] += rows[i] for every i, duplicates summed (in place).

    With ``cap`` > 0, a row that receives n > cap contributions (each worth ``weight`` examples:
    one number, or one per contribution) gets its summed update scaled by cap / n, so one
    minibatch never moves it by more than ``cap`` examples' worth of steps in the same direction.
    """
    if cap > 0:
        if isinstance(weight, torch.Tensor):
            n = torch.bincount(index, weights=weight.to(rows.dtype), minlength=target.shape[0])[index]
        else:
            n = torch.bincount(index, minlength=target.shape[0])[index].to(rows.dtype) * weight  # (M,)
        rows = rows * (cap / torch.clamp(n, min=cap))[:, None]
    if target.device.type == "cpu" and torch.get_num_threads() > 1:
        # scatter_add_ stays fast where index_add_'s parallel CPU path stalls on a busy machine
        return target.scatter_add_(0, index[:, None].expand(-1, target.shape[1]), rows)
    return target.index_add_(0, index, rows)


class NegativeSamplingTrainer(Trainer):
    """Shared machinery of skip-gram, CBOW and subword training (see the module docstring)."""

    unit = "words"

    def __init__(self, corpus: Corpus, config: SGNSConfig) -> None:
        check_ns_config(config)
        super().__init__(corpus, config)
        self.data = encode(corpus, self.vocab)
        self.keep = self.vocab.keep_probabilities(config.sample)
        self.noise = noise_table(self.vocab.counts, config.ns_exponent)
        self.total_words = len(self.data) * config.epochs
        self.words_done = 0
        self.pairs_done = 0
        self._pos = 0
        self._epoch = 0
        self.w_in, self.w_out = self._init_weights()
        self.alpha = float(config.alpha) if config.alpha is not None else self._usual_alpha()
        self._executor: ThreadPoolExecutor | None = None

    def _usual_alpha(self) -> float:
        """The starting rate when the config leaves it to the method (``alpha=None``)."""
        return 0.025

    def _input_rows(self) -> int:
        return len(self.vocab)

    def _intra_op_threads(self) -> int | None:
        return 1

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.config.workers, thread_name_prefix="train")
        return self._executor

    def __del__(self) -> None:
        if getattr(self, "_executor", None) is not None:
            self._executor.shutdown(wait=False)

    def _init_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        d, v = self.config.vector_size, len(self.vocab)
        w_in = (torch.rand(self._input_rows(), d, generator=self.torch_gen) - 0.5) / d
        return w_in.to(self.device), torch.zeros(v, d, device=self.device)

    # ----- protocol ------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._epoch >= self.config.epochs

    @property
    def progress(self) -> float:
        return min(1.0, self.words_done / max(self.total_words, 1))

    @property
    def learning_rate(self) -> float:
        c = self.config
        return max(c.min_alpha, self.alpha - (self.alpha - c.min_alpha) * self.progress)

    def _matrix(self) -> np.ndarray:
        return self.w_in[: len(self.vocab)].float().cpu().numpy().copy()

    def _unit(self) -> Progress:
        c = self.config
        n_all = len(self.data)
        lo = self._pos
        hi = self.data.chunk_end(lo, c.batch_words)
        lr = self.learning_rate
        workers = min(c.workers, max(1, (hi - lo) // 1000)) if self.device.type == "cpu" else 1
        if workers <= 1:
            loss_sum, n_examples = self._train_range(lo, hi, lr, self.rng)
        else:
            # hogwild, like gensim's worker threads: each thread takes a share of the chunk's
            # sentences, draws its own subsampling, windows and noise words, and updates the
            # shared rows without locks; the preparation is split too, not only the updates
            cuts = [lo] + [self.data.chunk_end(lo, (hi - lo) * i // workers) for i in range(1, workers)] + [hi]
            rngs = self.rng.spawn(workers)
            parts = [(a, b, lr, r) for a, b, r in zip(cuts[:-1], cuts[1:], rngs, strict=True) if b > a]
            results = list(self._pool().map(lambda args: self._train_range(*args), parts))
            loss_sum = sum(r[0] for r in results)
            n_examples = sum(r[1] for r in results)
        epoch = self._epoch + 1
        self.words_done += hi - lo
        self.pairs_done += n_examples
        self._pos = hi
        if self._pos >= n_all:
            self._pos = 0
            self._epoch += 1
            self.data.release()  # a memory-mapped corpus: the pass is over, its pages can go
        return self._record(
            epoch=epoch,
            stage="train",
            loss=loss_sum / n_examples if n_examples else math.nan,
            words_done=self.words_done,
            pairs_done=self.pairs_done,
            done=self.words_done,
            total=self.total_words,
            learning_rate=lr,
            elapsed=self.elapsed,
        )

    def _train_range(self, lo: int, hi: int, lr: float, rng: np.random.Generator) -> tuple[float, int]:
        """Train on the tokens ``lo..hi`` of the id stream: (summed loss, number of examples)."""
        c = self.config
        ids, sent = self.data.chunk(lo, hi)
        kept = rng.random(len(ids)) < self.keep[ids]
        ids, sent = ids[kept], sent[kept]
        reduced = rng.integers(1, c.window + 1, size=len(ids))
        centers, contexts, _ = window_pairs(sent, c.window, reduced)
        in_rows, ptr, targets = self._examples(ids, centers, contexts)
        # this thread's torch runs on one core: the workers, not torch, spread over the cores
        with torch_threads(1 if self.device.type == "cpu" else None):
            return self._train(in_rows, ptr, targets, lr, rng)

    # ----- examples ------------------------------------------------------------------------------
    def _examples(
        self, ids: np.ndarray, centers: np.ndarray, contexts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """(input rows (M,), bag offsets (B+1,) or None for one row per example, targets (B,))."""
        raise NotImplementedError

    # ----- the batched update --------------------------------------------------------------------
    def _train(
        self, in_rows: np.ndarray, ptr: np.ndarray | None, targets: np.ndarray, lr: float, rng: np.random.Generator
    ) -> tuple[float, int]:
        n = len(targets)
        if n == 0:
            return 0.0, 0
        c = self.config
        dev = self.device
        rows_t = torch.from_numpy(in_rows).to(dev)
        targets_t = torch.from_numpy(targets).to(dev)
        g = c.shared_negatives
        # a small vocabulary repeats each row many times per minibatch: keep about 4 examples per word
        mb = max(g, (min(c.minibatch, 4 * len(self.vocab)) // g) * g)
        n_groups = -(-n // g)
        # one draw of K noise words per group of g examples: (n_groups, K)
        neg = np.searchsorted(self.noise, rng.random((n_groups, c.negative)), side="right")
        neg_t = torch.from_numpy(np.minimum(neg, len(self.vocab) - 1)).to(dev)
        if ptr is not None:
            sizes = np.diff(ptr)
            bag_t = torch.from_numpy(np.repeat(np.arange(n, dtype=np.int64), sizes)).to(dev)
            ptr_t = torch.from_numpy(ptr).to(dev)
        loss = torch.zeros((), dtype=torch.float64, device=dev)
        for a in range(0, n, mb):
            b = min(a + mb, n)
            neg_ab = neg_t[a // g : -(-b // g)]
            if ptr is None:
                self._update(rows_t[a:b], None, None, targets_t[a:b], neg_ab, lr, loss)
            else:
                bag = bag_t[ptr[a] : ptr[b]] - a
                offsets = ptr_t[a:b] - ptr[a]
                self._update(rows_t[ptr[a] : ptr[b]], bag, offsets, targets_t[a:b], neg_ab, lr, loss)
        return float(loss.item()), n

    def _input_vectors(
        self, rows: torch.Tensor, bag: torch.Tensor | None, offsets: torch.Tensor | None
    ) -> tuple[torch.Tensor, object]:
        """(B, d) input vector of each example (its row, or the mean of its bag of rows), and what
        ``_input_update`` needs to send the gradient back."""
        if bag is None:
            return F.embedding(rows, self.w_in), None
        return F.embedding_bag(rows, self.w_in, offsets, mode="mean"), None

    def _input_update(
        self, rows: torch.Tensor, bag: torch.Tensor | None, dh: torch.Tensor, inputs: object, cap: int
    ) -> None:
        """Add each example's input gradient ``dh`` (B, d) to every row of its input (in place)."""
        _scatter_rows(self.w_in, rows, dh if bag is None else F.embedding(bag, dh), cap)

    def _update(
        self,
        rows: torch.Tensor,
        bag: torch.Tensor | None,
        offsets: torch.Tensor | None,
        targets: torch.Tensor,
        neg: torch.Tensor,
        lr: float,
        loss: torch.Tensor,
    ) -> None:
        w_in, w_out = self.w_in, self.w_out
        g = self.config.shared_negatives
        b, d = len(targets), w_in.shape[1]
        h, inputs = self._input_vectors(rows, bag, offsets)  # (B, d)
        ct = F.embedding(targets, w_out)  # (B, d)
        s_pos = (h * ct).sum(1)  # (B,)
        groups = neg.shape[0]
        pad = groups * g - b
        hp = F.pad(h, (0, 0, 0, pad)).view(groups, g, d) if pad else h.view(groups, g, d)
        cn = F.embedding(neg, w_out)  # (G, K, d)
        s_neg = torch.bmm(hp, cn.transpose(1, 2))  # (G, g, K)
        sig_neg = torch.sigmoid(s_neg)
        if pad:
            sig_neg.view(groups * g, -1)[b:] = 0.0
        gp = (1.0 - torch.sigmoid(s_pos)) * lr  # (B,)
        gn = sig_neg * -lr  # (G, g, K)
        dh = gp[:, None] * ct + torch.bmm(gn, cn).view(groups * g, d)[:b]  # (B, d)
        d_neg = torch.bmm(gn.transpose(1, 2), hp)  # (G, K, d)
        cap = self.config.row_cap
        _scatter_rows(w_out, targets, gp[:, None] * h, cap)
        _scatter_rows(w_out, neg.reshape(-1), d_neg.view(-1, d), cap, weight=g)
        self._input_update(rows, bag, dh, inputs, cap)
        # loss = -log sigma(s_pos) - sum_k log sigma(-s_neg), summed in float64
        nl = F.logsigmoid(-s_neg).view(groups * g, -1)[:b]
        loss -= F.logsigmoid(s_pos).sum(dtype=torch.float64) + nl.sum(dtype=torch.float64)


class SGNSTrainer(NegativeSamplingTrainer):
    """Skip-gram: each context word's vector predicts the center word (as in gensim's sg=1)."""

    method = "sgns"

    def _examples(
        self, ids: np.ndarray, centers: np.ndarray, contexts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        return ids[contexts], None, ids[centers]


class CBOWTrainer(NegativeSamplingTrainer):
    """CBOW: the mean of the context vectors in the (reduced) window predicts the center word.

    On the CPU each worker trains its examples one at a time in a compiled loop (see the module
    docstring); on other devices, in batched tensor updates.
    """

    method = "cbow"

    def __init__(self, corpus: Corpus, config: SGNSConfig) -> None:
        super().__init__(corpus, config)
        self._noise_lookup: np.ndarray | None = None
        if self.device.type == "cpu":
            from explorer.training.kernels import noise_lookup  # numba: loaded with a CPU CBOW, not the package

            self._noise_lookup = noise_lookup(self.noise)

    def _usual_alpha(self) -> float:
        return 0.05 if self.device.type == "cpu" else 0.025

    def _train(
        self, in_rows: np.ndarray, ptr: np.ndarray | None, targets: np.ndarray, lr: float, rng: np.random.Generator
    ) -> tuple[float, int]:
        if self._noise_lookup is None or ptr is None or len(targets) == 0:
            return super()._train(in_rows, ptr, targets, lr, rng)
        from explorer.training.kernels import cbow_update

        c = self.config
        loss = cbow_update(
            self.w_in.numpy(), self.w_out.numpy(),
            np.ascontiguousarray(in_rows, dtype=np.int32), np.ascontiguousarray(ptr, dtype=np.int64),
            np.ascontiguousarray(targets, dtype=np.int32), self._noise_lookup,
            int(rng.integers(1, 2**62)), float(lr), int(c.negative), int(c.shared_negatives),
        )  # fmt: skip
        return float(loss), len(targets)

    def _examples(
        self, ids: np.ndarray, centers: np.ndarray, contexts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        order = np.argsort(centers, kind="stable")
        centers, contexts = centers[order], contexts[order]
        uniq, starts = np.unique(centers, return_index=True)
        ptr = np.append(starts, len(centers)).astype(np.int64)
        return ids[contexts], ptr, ids[uniq]
