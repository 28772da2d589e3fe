"""Count-based vectors: windowed co-occurrence counts, PPMI with context smoothing, truncated SVD.

The stages, each a bounded unit of ``step``:

1. ``count``: one chunk of about ``batch_words`` tokens adds its symmetric window counts
   #(w, c) to a sparse matrix.
2. ``ppmi``: PPMI(w, c) = max(0, log(P(w, c) / (P(w) P_cds(c)))) with the context distribution
   raised to ``cds`` (0.75) and renormalised, which stops rare contexts from dominating
   (Levy, Goldberg and Dagan 2015).
3. ``svd``: a randomized truncated SVD (Halko, Martinsson and Tropp 2011) in torch on the chosen
   device: a random projection, then ``power_iterations`` rounds of subspace iteration, then a
   small exact SVD. The word vectors are U_k * S_k ** ``eigenvalue_weight`` (0.5 by default;
   1 gives the classic U S, 0 gives U alone).

The "loss" of an SVD stage is the share of the PPMI matrix's squared Frobenius norm that the
current rank-``vector_size`` subspace does not capture; it falls as the subspace converges.
Before the SVD is done, ``snapshot()`` gives a random projection of the PPMI rows so far
(cosines roughly preserved), so the word map has something to show while counting.

Example:
    >>> from explorer.corpus import Corpus
    >>> from explorer.training import make_trainer
    >>> t = make_trainer("ppmi_svd", Corpus.from_texts(["a b c d e f"] * 20), vector_size=2, min_count=1)
    >>> [r.stage for r in t.run()][-1]
    'svd'
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

from explorer.corpus import Corpus
from explorer.threads import available_cores
from explorer.training.base import (
    Progress,
    Trainer,
    TrainingError,
    check_common,
    check_float,
    check_int,
    encode,
)
from explorer.training.pairs import cooccurrence, ppmi


@dataclass(frozen=True)
class PPMIConfig:
    """PPMI + truncated SVD.

    Attributes:
        vector_size: dimensions kept by the SVD (must be below the vocabulary size).
        window: neighbours counted on each side of a word.
        min_count: ignore words seen fewer times.
        cds: context-distribution smoothing exponent (1 turns it off).
        eigenvalue_weight: exponent p of the singular values in U * S^p.
        power_iterations: subspace-iteration rounds of the randomized SVD.
        oversample: extra random directions that make the randomized SVD accurate.
        batch_words: tokens counted per unit of ``step``.
        seed: random seed of the SVD's projection.
        max_vocab: keep at most this many of the most frequent words (None: all).
        device: "auto", "cpu", "cuda", ... (None: the app's choice).
        workers: CPU threads torch uses while training (gensim's name); by default the cores this
            process may use.
    """

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    cds: float = 0.75
    eigenvalue_weight: float = 0.5
    power_iterations: int = 4
    oversample: int = 10
    batch_words: int = 100_000
    seed: int = 1
    max_vocab: int | None = None
    device: str | None = None
    workers: int = field(default_factory=available_cores)


def _orthonormal(y: torch.Tensor) -> torch.Tensor:
    q, _ = torch.linalg.qr(y)
    return q


class PPMISVDTrainer(Trainer):
    """Counts in chunks, then PPMI, then a staged randomized SVD (see the module docstring)."""

    method = "ppmi_svd"
    unit = "steps"

    def __init__(self, corpus: Corpus, config: PPMIConfig) -> None:
        check_common(config)
        check_float("cds", config.cds, 0.0, "0.75 is the usual smoothing; 1 turns it off.", hi=1.0, lo_open=True)
        check_float("eigenvalue_weight", config.eigenvalue_weight, 0.0, "Use 0.5 (default), 0 or 1.", hi=1.0)
        check_int("power_iterations", config.power_iterations, 0, "2 to 5 rounds are plenty.", hi=50)
        check_int("oversample", config.oversample, 0, "Use about 10.", hi=1000)
        check_int("batch_words", config.batch_words, 1, "Use about 100000 tokens per step.")
        super().__init__(corpus, config)
        v = len(self.vocab)
        if config.vector_size >= v:
            raise TrainingError(
                f"vector_size={config.vector_size} needs more words than the {v} this corpus keeps at "
                f"min_count={config.min_count}: the SVD keeps at most one dimension less than the vocabulary. "
                f"Lower vector_size to {max(1, v - 1)} or less, or lower min_count."
            )
        self.data = encode(corpus, self.vocab)
        self.counts = sp.csr_matrix((v, v), dtype=np.float64)
        self.words_done = 0
        self._pos = 0
        self._n_chunks = self._count_chunks()
        self._stage = 0  # units done
        self.total_units = self._n_chunks + 1 + 1 + config.power_iterations + 1
        self._ppmi: sp.csr_matrix | None = None
        self._m: torch.Tensor | None = None  # PPMI as torch sparse CSR (V, V)
        self._mt: torch.Tensor | None = None  # its transpose
        self._y: torch.Tensor | None = None  # (V, l) current range estimate
        self._norm2 = 0.0
        self._vectors: np.ndarray | None = None
        rank = min(config.vector_size + config.oversample, v)
        self._omega = torch.randn(v, rank, generator=self.torch_gen, dtype=torch.float64)

    def _count_chunks(self) -> int:
        n, pos, k = len(self.data.ids), 0, 0
        while pos < n:
            pos = self.data.chunk_end(pos, self.config.batch_words)
            k += 1
        return k

    @property
    def done(self) -> bool:
        return self._stage >= self.total_units

    @property
    def progress(self) -> float:
        return self._stage / self.total_units

    def _to_torch(self, m: sp.csr_matrix) -> torch.Tensor:
        m = m.astype(np.float32)
        with warnings.catch_warnings():  # torch notes that sparse CSR is in beta
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(
                torch.from_numpy(m.indptr.astype(np.int64)),
                torch.from_numpy(m.indices.astype(np.int64)),
                torch.from_numpy(m.data),
                size=m.shape,
            ).to(self.device)

    def _uncaptured(self, q: torch.Tensor) -> float:
        """Share of ||M||_F^2 outside the best rank-k approximation within span(q)."""
        b = (self._mt @ q).T  # (l, V) = Q^T M
        s = torch.linalg.svdvals(b.double())
        k = self.config.vector_size
        captured = float((s[:k] ** 2).sum())
        return max(0.0, 1.0 - captured / self._norm2) if self._norm2 > 0 else 0.0

    def _unit(self) -> Progress:
        c = self.config
        loss = math.nan
        if self._stage < self._n_chunks:
            stage = "count"
            lo = self._pos
            hi = self.data.chunk_end(lo, c.batch_words)
            self.counts = self.counts + cooccurrence(*self.data.chunk(lo, hi), c.window, len(self.vocab))
            self.words_done += hi - lo
            self._pos = hi
        elif self._stage == self._n_chunks:
            stage = "ppmi"
            self._ppmi = ppmi(self.counts, c.cds)
            self._norm2 = float((self._ppmi.data.astype(np.float64) ** 2).sum())
            self._m = self._to_torch(self._ppmi)
            self._mt = self._to_torch(self._ppmi.T.tocsr())
        elif self._stage == self._n_chunks + 1:
            stage = "svd"
            self._y = self._m @ self._omega.to(self.device, torch.float32)  # (V, l)
            loss = self._uncaptured(_orthonormal(self._y))
        elif self._stage < self.total_units - 1:
            stage = "svd"
            q = _orthonormal(self._y)
            self._y = self._m @ _orthonormal(self._mt @ q)
            loss = self._uncaptured(_orthonormal(self._y))
        else:
            stage = "svd"
            q = _orthonormal(self._y)  # (V, l)
            b = (self._mt @ q).T  # (l, V)
            ub, s, _ = torch.linalg.svd(b.double(), full_matrices=False)
            k = c.vector_size
            u = (q.double() @ ub[:, :k]).cpu().numpy()
            s = s[:k].cpu().numpy()
            loss = max(0.0, 1.0 - float((s**2).sum()) / self._norm2) if self._norm2 > 0 else 0.0
            # a deterministic sign: the largest-magnitude entry of each column is positive
            signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(k)])
            signs[signs == 0] = 1.0
            self._vectors = (u * signs * s**c.eigenvalue_weight).astype(np.float32)
        self._stage += 1
        return self._record(
            epoch=1,
            stage=stage,
            loss=loss,
            words_done=self.words_done,
            pairs_done=int(self.counts.nnz),
            done=self._stage,
            total=self.total_units,
            learning_rate=0.0,
            elapsed=self.elapsed,
        )

    def _matrix(self) -> np.ndarray:
        if self._vectors is not None:
            return self._vectors.copy()
        k = self.config.vector_size
        m = self._ppmi if self._ppmi is not None else ppmi(self.counts, self.config.cds)
        proj = m @ self._omega[:, :k].numpy() / math.sqrt(k)  # random projection of PPMI rows
        return np.asarray(proj, dtype=np.float32)

    def ppmi_matrix(self) -> sp.csr_matrix:
        """The PPMI matrix of the counts so far (rows and columns in vocabulary order).

        >>> from explorer.corpus import Corpus
        >>> from explorer.training import make_trainer
        >>> t = make_trainer("ppmi_svd", Corpus.from_texts(["my card was charged"] * 5), vector_size=2)
        >>> _ = t.run(); t.ppmi_matrix().shape
        (4, 4)
        """
        return self._ppmi if self._ppmi is not None else ppmi(self.counts, self.config.cds)
