"""Requests to the transformer as jobs that share forward passes: what to run, and how to pool it.

A job is one caller's request, already tokenised: the model inputs it needs and the arrays its
result fills. ``run_jobs`` puts the inputs of any number of jobs (from one caller, or from many
visitors gathered by ``explorer.contextual.queue``) into length-sorted, padded batches, runs each
batch once and hands every row back to the job it came from, which pools its own rows. Padding
is masked, so a job's vectors do not depend on which other jobs shared its batches.

Batches are bounded two ways: at most ``batch_size`` rows, and at most ``ATTENTION_BUDGET`` for
rows x width^2, because self-attention holds (rows, heads, width, width) scores per layer: 32
rows of 512 tokens would need hundreds of MB at once, 8 rows of 512 about a hundred.

Example:
    >>> _batches([5, 3, 9, 3], batch_size=2)
    [[2, 0], [1, 3]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from explorer.contextual.occurrences import ModelInput
from explorer.linalg import readonly

ATTENTION_BUDGET = 2**21  # rows x width^2 per forward pass (see the module docstring)


def _batches(lengths: Sequence[int], batch_size: int, budget: int = ATTENTION_BUDGET) -> list[list[int]]:
    """Input indices in batches of similar length, longest first (ties keep input order).

    A batch holds at most ``batch_size`` rows and at most ``budget // width**2`` (width: its
    longest input), never fewer than one.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    out: list[list[int]] = []
    b = 0
    while b < len(order):
        width = max(1, lengths[order[b]])
        rows = max(1, min(batch_size, budget // (width * width)))
        out.append(order[b : b + rows])
        b += rows
    return out


@dataclass
class WordJob:
    """The pooled states of every occurrence of a word, at some layers.

    ``vectors`` (len(layers), n_occ, hidden) float32 fills as batches run; ``meta`` holds the
    other fields of the result (word, sentences, spans, ...).
    """

    inputs: list[ModelInput]
    layers: list[int]
    pooling: str
    batch_size: int
    meta: dict[str, Any]
    n_occ: int
    hidden_size: int
    vectors: np.ndarray = field(init=False)
    needs_all_layers = True

    def __post_init__(self) -> None:
        self.vectors = np.zeros((len(self.layers), self.n_occ, self.hidden_size), dtype=np.float32)

    def take(
        self, stack: torch.Tensor | None, last: torch.Tensor, mask: torch.Tensor, rows: list[tuple[int, int]]
    ) -> None:
        """Pool this job's rows of one batch. ``stack``: (layers + 1, B, T, H); ``rows``: (batch row, input index)."""
        assert stack is not None
        _n_layers, batch, width, hidden = stack.shape
        chosen = stack[self.layers].reshape(len(self.layers), batch * width, hidden)  # (L, B * T, H)
        # Each occurrence's pooled vector is a weighted sum of rows: one (n_b, B * T) weight matrix
        # pools every occurrence of this job in the batch in one matmul.
        targets = [(r, oi, pos) for r, ii in rows for oi, pos in self.inputs[ii].targets]
        weights = torch.zeros((len(targets), batch * width), dtype=chosen.dtype)
        for j, (r, _oi, pos) in enumerate(targets):
            picked = {"mean": list(pos), "first": [pos[0]], "last": [pos[-1]]}[self.pooling]
            for p in picked:
                weights[j, r * width + p] = 1.0 / len(picked)
        pooled = torch.matmul(weights.to(chosen.device), chosen)  # (L, n_b, H)
        self.vectors[:, [oi for _r, oi, _p in targets]] = pooled.float().cpu().numpy()


@dataclass
class SentenceJob:
    """One unit vector per sentence from the last layer, and each token's share of it.

    ``vectors`` (n, hidden) and ``shares`` fill as batches run.
    """

    inputs: list[ModelInput]
    pooling: str
    batch_size: int
    meta: dict[str, Any]
    hidden_size: int
    vectors: np.ndarray = field(init=False)
    shares: list[np.ndarray] = field(init=False)
    needs_all_layers = False

    def __post_init__(self) -> None:
        self.vectors = np.zeros((len(self.inputs), self.hidden_size), dtype=np.float32)
        self.shares = [np.zeros(0, dtype=np.float32)] * len(self.inputs)

    def take(
        self, stack: torch.Tensor | None, last: torch.Tensor, mask: torch.Tensor, rows: list[tuple[int, int]]
    ) -> None:
        """Pool this job's rows of one batch. ``last``: (B, T, H) last layer; ``mask``: (B, T)."""
        picked = [r for r, _ii in rows]
        hidden = last[picked].float()  # (b, T, H)
        m = mask[picked].to(hidden.device, hidden.dtype)  # (b, T)
        if self.pooling == "mean":
            n_tok = m.sum(dim=1, keepdim=True).clamp_min(1.0)  # (b, 1)
            pooled = (hidden * m.unsqueeze(-1)).sum(dim=1) / n_tok  # (b, H)
            norm = pooled.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (b, 1)
            unit = pooled / norm
            # Token t supplies (h_t . unit) / T of |mean|; as a share of it, divide by |mean|.
            share = torch.einsum("bth,bh->bt", hidden, unit) / n_tok / norm * m  # (b, T)
        else:
            pooled = hidden[:, 0]  # (b, H)
            unit = pooled / pooled.norm(dim=1, keepdim=True).clamp_min(1e-12)
            share = torch.zeros_like(m)
            share[:, 0] = 1.0
        unit_np, share_np = unit.cpu().numpy(), share.float().cpu().numpy()
        for k, (_r, ii) in enumerate(rows):
            self.vectors[ii] = unit_np[k]
            self.shares[ii] = readonly(share_np[k, : len(self.inputs[ii].input_ids)])


Job = WordJob | SentenceJob
Forward = Callable[[Sequence[ModelInput], bool], tuple[Any, torch.Tensor]]


def run_jobs(jobs: Sequence[Job], forward: Forward) -> int:
    """Run every job's inputs through ``forward`` in shared batches; each job pools its own rows.

    ``forward(batch, all_layers)`` returns (the hidden states of every layer, or the last
    layer's (B, T, H); the mask (B, T)). Returns the number of forward passes.
    """
    items = [(job, ii) for job in jobs for ii in range(len(job.inputs))]
    if not items:
        return 0
    all_layers = any(job.needs_all_layers for job in jobs)
    batch_size = max(1, min(job.batch_size for job in jobs))
    passes = 0
    with torch.inference_mode():
        for chunk in _batches([len(job.inputs[ii].input_ids) for job, ii in items], batch_size):
            batch = [items[i][0].inputs[items[i][1]] for i in chunk]
            hidden, mask = forward(batch, all_layers)
            passes += 1
            stack = torch.stack(tuple(hidden)) if all_layers else None  # (layers + 1, B, T, H)
            last = hidden[-1] if all_layers else hidden
            by_job: dict[int, list[tuple[int, int]]] = {}
            for r, i in enumerate(chunk):
                by_job.setdefault(id(items[i][0]), []).append((r, items[i][1]))
            for job in jobs:
                rows = by_job.get(id(job))
                if rows:
                    job.take(stack, last, mask, rows)
    return passes
