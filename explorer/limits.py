"""Limits a hosted demo enforces: training slots shared by all visitors, and size checks.

``TrainingSlots`` counts the trainings running at once in this process. A training is a series
of short steps spread over many script runs, so a visitor holds a slot as a lease that each
step renews; a lease that is not renewed for ``idle_seconds`` (the visitor closed the tab) or
that outlives its time budget lapses, so an abandoned training never blocks the others. The
slot object is process-wide by design (``explorer.cache.get_training_slots``); it holds only
opaque owner tokens, never a visitor's data.

The ``check_*`` helpers raise ``LimitError`` (a ``ValueError``) with a message that says which
limit was hit, which setting controls it (not in hosted mode, whose visitors cannot change it:
``Settings.limit_hint``), and what the visitor can do instead.

Example:
    >>> from explorer.limits import TrainingSlots
    >>> slots = TrainingSlots(capacity=1)
    >>> slots.acquire("visitor-a"), slots.acquire("visitor-b")
    (True, False)
    >>> slots.busy_message()
    '1 training is running (the limit is 1 at once); yours starts when one finishes.'
    >>> slots.release("visitor-a"); slots.acquire("visitor-b")
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from explorer.errors import LimitError, TrainingBusy
from explorer.settings import Settings
from explorer.sources import check_size, megabytes


@dataclass
class _Lease:
    started: float
    renewed: float
    max_seconds: float | None


class TrainingSlots:
    """At most ``capacity`` trainings at once across every visitor of this process (thread-safe).

    Args:
        capacity: trainings allowed at once (``Settings.max_concurrent_trainings``).
        idle_seconds: a lease not renewed for this long lapses.
        clock: monotonic seconds (a test passes a fake clock).
    """

    def __init__(self, capacity: int, idle_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1 (got {capacity}).")
        self.capacity = int(capacity)
        self.idle_seconds = float(idle_seconds)
        self._clock = clock
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for owner, lease in list(self._leases.items()):
            too_idle = now - lease.renewed > self.idle_seconds
            too_long = lease.max_seconds is not None and now - lease.started > lease.max_seconds
            if too_idle or too_long:
                del self._leases[owner]

    def acquire(self, owner: str, max_seconds: float | None = None) -> bool:
        """Take or renew ``owner``'s slot without waiting; False when every slot is held by others.

        >>> slots = TrainingSlots(capacity=1)
        >>> slots.acquire("a"), slots.acquire("a"), slots.acquire("b")
        (True, True, False)
        """
        with self._lock:
            now = self._clock()
            self._expire(now)
            lease = self._leases.get(owner)
            if lease is not None:
                lease.renewed = now
                return True
            if len(self._leases) >= self.capacity:
                return False
            self._leases[owner] = _Lease(started=now, renewed=now, max_seconds=max_seconds)
            return True

    def release(self, owner: str) -> None:
        """Give ``owner``'s slot back (nothing happens when it holds none).

        >>> slots = TrainingSlots(capacity=1)
        >>> slots.acquire("a"); slots.release("a"); slots.running()
        True
        0
        """
        with self._lock:
            self._leases.pop(owner, None)

    def holds(self, owner: str) -> bool:
        """Whether ``owner`` holds a live slot now.

        >>> slots = TrainingSlots(capacity=1)
        >>> slots.acquire("a"), slots.holds("a"), slots.holds("b")
        (True, True, False)
        """
        with self._lock:
            self._expire(self._clock())
            return owner in self._leases

    def running(self) -> int:
        """Number of trainings holding a slot now.

        >>> slots = TrainingSlots(capacity=2)
        >>> slots.acquire("a"), slots.acquire("b"), slots.running()
        (True, True, 2)
        """
        with self._lock:
            self._expire(self._clock())
            return len(self._leases)

    def busy_message(self) -> str:
        """What a waiting visitor reads.

        >>> TrainingSlots(capacity=3).busy_message()
        '0 trainings are running (the limit is 3 at once); yours starts when one finishes.'
        """
        n = self.running()
        verb = "training is" if n == 1 else "trainings are"
        return f"{n} {verb} running (the limit is {self.capacity} at once); yours starts when one finishes."

    @contextmanager
    def hold(self, owner: str, wait_seconds: float = 0.0, poll_seconds: float = 0.05) -> Iterator[None]:
        """Hold a slot for one block of work (one training step), waiting up to ``wait_seconds``.

        Raises ``TrainingBusy`` with ``busy_message()`` when no slot frees in time. A slot that
        ``owner`` already held before entering is kept afterwards; one taken here is released.

        >>> slots = TrainingSlots(capacity=1)
        >>> with slots.hold("a"):
        ...     slots.running()
        1
        >>> slots.running()
        0
        """
        had = self.holds(owner)
        deadline = self._clock() + max(0.0, wait_seconds)
        while not self.acquire(owner):
            if self._clock() >= deadline:
                raise TrainingBusy(self.busy_message())
            time.sleep(poll_seconds)
        try:
            yield
        finally:
            if not had:
                self.release(owner)


def check_upload_size(settings: Settings, size: int, name: str = "The file") -> None:
    """Raise ``LimitError`` when an upload of ``size`` bytes is over ``settings.max_upload_bytes``.

    The message is the one every reader uses (``explorer.sources.too_big_message``); in hosted mode it names
    no setting and offers what a visitor can do instead (a smaller file, or the app on their own computer).

    >>> check_upload_size(Settings(), 1024, "notes.txt")
    >>> check_upload_size(Settings(max_upload_bytes=2**20), 3 * 2**20, "notes.txt")
    Traceback (most recent call last):
    ...
    explorer.errors.LimitError: notes.txt is 3 MB; the limit is 1 MB (setting EXPLORER_MAX_UPLOAD_MB). Upload a smaller file or a sample of it, or raise the limit.
    """
    if settings.hosted and size > settings.max_upload_bytes:
        raise LimitError(
            f"{name} is {megabytes(size)} MB; this server takes files up to {megabytes(settings.max_upload_bytes)} MB. "
            "Upload a smaller file or a sample of it, or run Embedding Explorer on your own computer for larger files."
        )
    check_size(name, size, settings.max_upload_bytes, LimitError)


def check_training_allowed(
    settings: Settings, *, vocab_size: int | None = None, elapsed_seconds: float | None = None
) -> None:
    """Raise ``LimitError`` when a training is over the vocabulary or time limit of this server.

    >>> check_training_allowed(Settings(), vocab_size=500, elapsed_seconds=3.0)
    """
    if vocab_size is not None and vocab_size > settings.max_vocab:
        raise LimitError(
            f"The vocabulary has {vocab_size:,} words; this server trains at most {settings.max_vocab:,}"
            f"{settings.limit_hint('EXPLORER_MAX_VOCAB')}. Raise min_count or lower the vocabulary size."
        )
    if elapsed_seconds is not None and elapsed_seconds > settings.max_train_seconds:
        raise LimitError(
            f"This training has run {elapsed_seconds:,.0f} s; the limit is {settings.max_train_seconds:,} s"
            f"{settings.limit_hint('EXPLORER_MAX_TRAIN_SECONDS')}. Its vectors so far are kept; start a new run to continue."
        )


def vocab_cap(settings: Settings, requested: int | None = None) -> int:
    """The vocabulary size to train with: ``requested`` capped at ``settings.max_vocab``.

    >>> vocab_cap(Settings(max_vocab=100), 5000)
    100
    """
    return settings.max_vocab if requested is None else max(1, min(int(requested), settings.max_vocab))


def training_seconds_left(settings: Settings, elapsed_seconds: float) -> float:
    """Seconds of this server's training budget left after ``elapsed_seconds`` (never negative).

    >>> training_seconds_left(Settings(max_train_seconds=120), 100.0)
    20.0
    """
    return max(0.0, float(settings.max_train_seconds) - float(elapsed_seconds))


def cap_points(settings: Settings, n: int) -> tuple[int, str | None]:
    """How many of ``n`` points to project, and a message when the server's limit cut them.

    >>> cap_points(Settings(max_points=1000), 5000)[0]
    1000
    """
    n = max(0, int(n))
    if n <= settings.max_points:
        return n, None
    return settings.max_points, (
        f"{n:,} points were asked for; this server projects at most {settings.max_points:,}"
        f"{settings.limit_hint('EXPLORER_MAX_POINTS')}, so the most frequent ones are shown."
    )


LAYOUT_METHODS = ("tsne", "umap")  # the maps bounded by Settings.max_layout_points


def map_points_cap(settings: Settings, method: str) -> int:
    """The most points this server projects with ``method``: ``max_points``, and for t-SNE and UMAP
    also ``max_layout_points`` (their peak memory is what a hosted ceiling has least room for).

    >>> s = Settings(max_points=20_000, max_layout_points=10_000)
    >>> map_points_cap(s, "pca"), map_points_cap(s, "umap")
    (20000, 10000)
    """
    layout = settings.max_layout_points if method in LAYOUT_METHODS else settings.max_points
    return min(settings.max_points, layout)


def check_map_points(settings: Settings, method: str, n: int, label: str | None = None) -> None:
    """Raise ``LimitError`` when a map of ``n`` points by ``method`` is over this server's limit for it.

    >>> check_map_points(Settings(max_layout_points=10), "pca", 50)
    >>> check_map_points(Settings(max_layout_points=10), "tsne", 50)
    Traceback (most recent call last):
    ...
    explorer.errors.LimitError: A tsne map of 50 points was asked for; this server draws at most 10 with tsne (setting EXPLORER_MAX_LAYOUT_POINTS). Ask for fewer words, or use PCA for more.
    """
    cap = map_points_cap(settings, method)
    if n > cap:
        name = label or method
        setting = "EXPLORER_MAX_LAYOUT_POINTS" if method in LAYOUT_METHODS else "EXPLORER_MAX_POINTS"
        instead = ", or use PCA for more" if method in LAYOUT_METHODS else ""
        raise LimitError(
            f"A {name} map of {n:,} points was asked for; this server draws at most {cap:,} with {name}"
            f"{settings.limit_hint(setting)}. Ask for fewer words{instead}."
        )


def check_sentences(settings: Settings, sentences: Sequence[str]) -> None:
    """Raise ``LimitError`` when one request to the transformer asks for more than this server reads at once.

    Bounds the work (and memory) one visitor can ask for: the number of sentences and the length
    of each, with the setting that controls each limit and what to change.

    >>> check_sentences(Settings(max_sentences=3), ["a bank", "the bank"])
    >>> check_sentences(Settings(max_sentences=1), ["a bank", "the bank"])
    Traceback (most recent call last):
    ...
    explorer.errors.LimitError: 2 sentences were given; this server reads at most 1 at once (setting EXPLORER_MAX_SENTENCES). Remove some lines, or compare them in smaller groups.
    """
    if len(sentences) > settings.max_sentences:
        raise LimitError(
            f"{len(sentences):,} sentences were given; this server reads at most {settings.max_sentences:,} at once"
            f"{settings.limit_hint('EXPLORER_MAX_SENTENCES')}. Remove some lines, or compare them in smaller groups."
        )
    for i, sentence in enumerate(sentences):
        if len(sentence) > settings.max_sentence_chars:
            raise LimitError(
                f"Sentence {i + 1} has {len(sentence):,} characters; this server reads at most "
                f"{settings.max_sentence_chars:,} per sentence{settings.limit_hint('EXPLORER_MAX_SENTENCE_CHARS')}. "
                "Shorten it, or split it over several lines."
            )
