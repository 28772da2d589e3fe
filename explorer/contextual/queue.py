"""A request queue in front of the one transformer runner: requests that arrive together share forward passes.

Each visitor's script thread tokenises its own request (bad input raises there, at once) and
puts the job in the queue; one worker thread takes every job that arrived within a short
gathering window (a few ms after the oldest waiting one), runs them through
``ContextualEmbedder.run_jobs`` in shared, length-sorted batches, and hands each caller exactly
its own result. A request equal to one already waiting or running is not queued again: the
caller waits on the same result. All forward passes happen on the worker thread, so the
activations of every visitor are allocated and freed in one place.

While it waits, a caller can read its place (``Pending.ahead``: requests to finish before its
own) and an estimate in seconds (``Pending.estimate_seconds``), from the measured seconds per
model input of the recent rounds.

Example:
    >>> from explorer.contextual import ContextualEmbedder
    >>> queue = TransformerQueue(ContextualEmbedder.load(device="cpu"))
    >>> queue.all_layers(("I paid at the bank.", "We sat on the bank."), "bank").vectors.shape
    (7, 2, 384)
    >>> queue.close()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from explorer.contextual.jobs import Job
from explorer.contextual.model import (
    ContextualEmbedder,
    PooledSentences,
    sentence_result,
    sentence_words_result,
    word_result,
)
from explorer.contextual.occurrences import AllLayers


class Pending:
    """One queued request: wait for it, read its place in the queue, then take its result."""

    def __init__(self, queue: TransformerQueue, key: Hashable, job: Job, finish: Callable[[Job], Any]) -> None:
        self._queue = queue
        self.key = key
        self.job = job
        self._finish = finish
        self.inputs = len(job.inputs)
        self.submitted = queue._clock()
        self.started: float | None = None
        self.ended: float | None = None
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def wait(self, timeout: float | None = None) -> bool:
        """Block up to ``timeout`` seconds (None: until done); True once the result is ready."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Any:
        """The request's result (waits for it); re-raises the error its run raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value

    def ahead(self) -> int:
        """Requests that finish before this one starts: the round running now and those queued earlier."""
        return self._queue._ahead(self)

    def estimate_seconds(self) -> float:
        """About how long until this request's result is ready, from the recent rounds' speed."""
        return self._queue._estimate(self)

    def queued_seconds(self) -> float:
        """Seconds from submission to the start of its round (so far, while it still waits)."""
        end = self.started if self.started is not None else self._queue._clock()
        return max(0.0, end - self.submitted)

    def model_seconds(self) -> float:
        """Seconds its round ran (0 before it started)."""
        if self.started is None:
            return 0.0
        end = self.ended if self.ended is not None else self._queue._clock()
        return max(0.0, end - self.started)

    def _settle(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value, self._error = value, error
        self._done.set()


class TransformerQueue:
    """Batches concurrent requests to one ``ContextualEmbedder`` into shared forward passes (thread-safe).

    Args:
        embedder: the one runner every request goes to.
        gather_seconds: how long the worker waits after the oldest request for others to join its
            round (the bounded wait a request may pay for batching).
        max_round_inputs: a round takes whole requests up to this many model inputs (at least one
            request), so one visitor's big request does not hold many small ones for long.
        clock: seconds, monotonic (a test may pass a fake one).

    Attributes:
        rounds: rounds run; requests: requests submitted; shared: requests answered by an equal one.
    """

    def __init__(
        self,
        embedder: ContextualEmbedder,
        gather_seconds: float = 0.005,
        max_round_inputs: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.embedder = embedder
        self.gather_seconds = float(gather_seconds)
        self.max_round_inputs = max(1, int(max_round_inputs))
        self._clock = clock
        self._cond = threading.Condition()
        self._waiting: list[Pending] = []  # FIFO
        self._running: list[Pending] = []
        self._by_key: dict[Hashable, Pending] = {}
        self._round_started = 0.0
        self._seconds_per_input = 0.02  # updated from every round (exponential moving average)
        self._worker: threading.Thread | None = None
        self._closed = False
        self.rounds = 0
        self.requests = 0
        self.shared = 0

    # ----- what callers use ----------------------------------------------------------------------
    def submit_all_layers(self, sentences: Sequence[str], word: str, pooling: str = "mean") -> Pending:
        """Queue the vectors of every occurrence of ``word`` at every layer (``ContextualEmbedder.all_layers``)."""
        key = ("all_layers", tuple(str(s) for s in sentences), word, pooling)
        return self._submit(key, lambda: self.embedder.prepare_word(list(key[1]), word, None, pooling), word_result)

    def submit_sentences(
        self, sentences: Sequence[str], max_length: int | None = None, pooling: str = "mean"
    ) -> Pending:
        """Queue sentence vectors (``ContextualEmbedder.sentence_vectors`` with truncation)."""
        key = ("sentences", tuple(str(s) for s in sentences), max_length, pooling)
        return self._submit(
            key,
            lambda: self.embedder.prepare_sentences(list(key[1]), pooling, True, max_length=max_length),
            sentence_result,
        )

    def submit_sentence_words(self, sentences: Sequence[str], pooling: str = "mean") -> Pending:
        """Queue every word of ``sentences`` at every layer (``ContextualEmbedder.sentence_words``)."""
        key = ("sentence_words", tuple(str(s) for s in sentences), pooling)
        return self._submit(
            key, lambda: self.embedder.prepare_sentence_words(list(key[1]), pooling), sentence_words_result
        )

    def all_layers(self, sentences: Sequence[str], word: str, pooling: str = "mean") -> AllLayers:
        """``submit_all_layers`` and wait for the result."""
        return self.submit_all_layers(sentences, word, pooling).result()

    def sentence_vectors(self, sentences: Sequence[str], max_length: int | None = None) -> PooledSentences:
        """``submit_sentences`` and wait for the result."""
        return self.submit_sentences(sentences, max_length).result()

    def close(self) -> None:
        """Stop the worker after the requests already queued."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # ----- inside -----------------------------------------------------------------------------------
    def _submit(self, key: Hashable, prepare: Callable[[], Job], finish: Callable[[Job], Any]) -> Pending:
        with self._cond:
            if self._closed:
                raise RuntimeError("The transformer queue is closed.")
            self.requests += 1
            same = self._by_key.get(key)
            if same is not None:
                self.shared += 1
                return same
        job = prepare()  # tokenising in the caller's thread: bad input raises here, to this caller only
        with self._cond:
            same = self._by_key.get(key)  # an equal request may have arrived while this one was tokenised
            if same is not None:
                self.shared += 1
                return same
            pending = Pending(self, key, job, finish)
            self._by_key[key] = pending
            self._waiting.append(pending)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="transformer-queue", daemon=True)
                self._worker.start()
            self._cond.notify_all()
        return pending

    def _take_round(self) -> list[Pending] | None:
        """The next round's requests (FIFO, whole requests up to ``max_round_inputs``); None once closed."""
        with self._cond:
            while not self._waiting:
                if self._closed:
                    return None
                self._cond.wait()
            deadline = self._waiting[0].submitted + self.gather_seconds
            while sum(p.inputs for p in self._waiting) < self.max_round_inputs:
                left = deadline - self._clock()
                if left <= 0:
                    break
                self._cond.wait(left)
            taken, total = [], 0
            while self._waiting and (not taken or total + self._waiting[0].inputs <= self.max_round_inputs):
                pending = self._waiting.pop(0)
                taken.append(pending)
                total += pending.inputs
            now = self._clock()
            for pending in taken:
                pending.started = now
            self._running, self._round_started = taken, now
            return taken

    def _work(self) -> None:
        while (taken := self._take_round()) is not None:
            started = self._clock()
            try:
                self.embedder.run_jobs([p.job for p in taken])
                settled = [(p, p._finish(p.job), None) for p in taken]
            except Exception:  # noqa: BLE001 - run each request alone, so one bad request fails only its caller
                settled = []
                for p in taken:
                    try:
                        self.embedder.run_jobs([p.job])
                        settled.append((p, p._finish(p.job), None))
                    except Exception as exc:  # noqa: BLE001 - handed to that caller, raised in its thread
                        settled.append((p, None, exc))
            elapsed = self._clock() - started
            inputs = max(1, sum(p.inputs for p in taken))
            with self._cond:
                self.rounds += 1
                self._seconds_per_input = 0.7 * self._seconds_per_input + 0.3 * (elapsed / inputs)
                now = self._clock()
                for p, value, error in settled:
                    p.ended = now
                    self._by_key.pop(p.key, None)
                    p._settle(value, error)
                self._running = []
                self._cond.notify_all()

    def _ahead(self, pending: Pending) -> int:
        with self._cond:
            if pending.done or pending in self._running:
                return 0
            earlier = self._waiting[: self._waiting.index(pending)] if pending in self._waiting else []
            return len(self._running) + len(earlier)

    def _estimate(self, pending: Pending) -> float:
        with self._cond:
            if pending.done:
                return 0.0
            per_input = self._seconds_per_input
            # What the running round has left; one that overran its estimate gets a quarter of its time
            # so far again, so a waiting visitor never reads "about 0 s" for long.
            elapsed = self._clock() - self._round_started
            total = sum(p.inputs for p in self._running) * per_input
            running_left = max(total - elapsed, 0.25 * elapsed) if self._running else 0.0
            if pending in self._running:
                return running_left
            earlier = self._waiting[: self._waiting.index(pending) + 1] if pending in self._waiting else [pending]
            return running_left + sum(p.inputs for p in earlier) * per_input
