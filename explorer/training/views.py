"""What the Train page shows around a trainer: the loss series, step help, watched words and the live frame.

Example:
    >>> from explorer.training.views import split_words, step_help
    >>> split_words(" King, queen,,PARIS ")
    ['king', 'queen', 'paris']
    >>> step_help("sgns", batch_words=3000, token_count=60_000)[1]
    'about 1.0 epochs of this corpus'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.corpus import Corpus
from explorer.neighbours import crowded_note, nearest_neighbours
from explorer.training import teaching
from explorer.training.base import Trainer
from explorer.vectors import WordVectors
from explorer.vectors_io import to_bytes

STREAMING_METHODS = ("sgns", "cbow", "subword")

# (y-axis title, one sentence on what the loss measures) per method
LOSS_MEANING: dict[str, tuple[str, str]] = {
    "sgns": ("loss per (center, context) pair", "How badly each true pair is told apart from random noise words."),
    "cbow": ("loss per center word", "How badly each word is predicted from the average of its neighbours."),
    "ppmi_svd": (
        "share of PPMI not yet captured",
        "Each SVD refinement captures more of the PPMI matrix; 0 would reproduce it exactly.",
    ),
    "glove": ("weighted squared error", "How far word·context + biases is from log co-occurrence counts."),
    "subword": ("loss per (center, context) pair", "Skip-gram's loss, with words built from character n-grams."),
}


def split_words(text: str) -> list[str]:
    """Comma-separated words, lower-cased, blanks dropped."""
    return [w.strip().lower() for w in text.split(",") if w.strip()]


def step_help(method: str, batch_words: int, token_count: int) -> tuple[str, str]:
    """What one step and twenty steps mean for this method and corpus (button help texts)."""
    if method in STREAMING_METHODS:
        return (
            f"{batch_words:,} words of text",
            f"about {20 * batch_words / max(token_count, 1):.1f} epochs of this corpus",
        )
    return "a chunk of counting or one stage of fitting", "twenty of those"


SMOOTHED_METHODS = ("sgns", "cbow", "subword", "glove")  # losses of sampled batches: noisy, worth a running mean


@dataclass(frozen=True)
class LossSeries:
    """The loss chart's data: one point per step that has a loss (counting stages have none)."""

    x: list[float]
    loss: list[float]
    stages: list[str]
    x_title: str
    y_title: str
    smooth: bool
    caption: str


def loss_series(trainer: Trainer) -> LossSeries:
    """The loss points of ``trainer``, their axis titles and what the chart's line means.

    >>> from explorer.training import make_trainer
    >>> t = make_trainer("ppmi_svd", Corpus.from_texts(["a cat sat on a mat"] * 20), vector_size=2, min_count=1)
    >>> _ = t.step(8); s = loss_series(t); s.smooth, set(s.stages), s.x_title
    (False, {'svd'}, 'step')
    """
    by_words = trainer.unit == "words"
    rows = [(r.words_done if by_words else r.step, r.loss, r.stage) for r in trainer.records if r.loss == r.loss]
    y_title, meaning = LOSS_MEANING[trainer.method]
    smooth = trainer.method in SMOOTHED_METHODS
    line = (
        "line: centred running mean of 9 steps."
        if smooth
        else "line: the points joined (each refinement is exact, there is no noise to average)."
    )
    return LossSeries(
        x=[x for x, _, _ in rows],
        loss=[y for _, y, _ in rows],
        stages=[s for _, _, s in rows],
        x_title="words trained" if by_words else "step",
        y_title=y_title,
        smooth=smooth,
        caption=f"{meaning} Dots: each step; {line}",
    )


@dataclass(frozen=True)
class WordMapFrame:
    """One frame of the live word map: the words, their 2-D positions and what to say about the rest."""

    words: list[str]
    xy: np.ndarray  # (len(words), 2)
    extent: float
    pins: list[str]
    unknown_pins: list[str]
    positions: dict[str, list[float]]  # word -> [x, y]: the frame the next one is turned to match


def word_map_frame(
    wv: WordVectors, n_words: int, typed_pins: str, previous: dict[str, list[float]] | None
) -> WordMapFrame:
    """The frequent words plus the pinned ones, placed by PCA and turned to match the previous frame."""
    typed = split_words(typed_pins)
    pins = [w for w in typed if w in wv]
    words = teaching.map_words(wv, n_words, pins)
    xy = teaching.map_coordinates(wv, words, previous)
    return WordMapFrame(
        words=words,
        xy=xy,
        extent=teaching.map_extent(xy),
        pins=pins,
        unknown_pins=[w for w in typed if w not in wv],
        positions={w: xy[i].tolist() for i, w in enumerate(words)},
    )


def epochs_done(trainer: Trainer) -> int | None:
    """Whole passes over the corpus a word-streaming trainer has finished (None for the other methods).

    >>> from explorer.training import make_trainer
    >>> t = make_trainer("sgns", Corpus.from_texts(["a cat sat on a mat"] * 50), vector_size=8, min_count=1, batch_words=100)
    >>> _ = t.step(steps_to_epoch_end(t)); epochs_done(t), steps_to_epoch_end(t)
    (1, 3)
    """
    if trainer.method not in STREAMING_METHODS:
        return None
    return int(trainer.words_done // max(len(trainer.data.ids), 1))


def steps_to_epoch_end(trainer: Trainer) -> int | None:
    """Steps left until a word-streaming trainer finishes its current epoch (a step never crosses one).

    None for the other methods and for a finished run. Stepping exactly this many lets a page keep
    a snapshot at the end of each epoch.
    """
    if trainer.method not in STREAMING_METHODS or trainer.done:
        return None
    n_all = len(trainer.data.ids)
    pos, steps = trainer.words_done % n_all, 0
    while True:
        steps += 1
        pos = trainer.data.chunk_end(pos, trainer.config.batch_words)
        if pos >= n_all:
            return steps


MAX_EPOCH_SNAPSHOTS = 5  # per run: enough to replay the run, few enough to leave room for the visitor's other sets


def snapshot_epochs(total_epochs: int, most: int = MAX_EPOCH_SNAPSHOTS) -> tuple[int, ...]:
    """The epochs after which a run keeps a snapshot: at most ``most``, spread evenly, the last one included.

    >>> snapshot_epochs(100), snapshot_epochs(30), snapshot_epochs(3), snapshot_epochs(7)
    ((20, 40, 60, 80, 100), (6, 12, 18, 24, 30), (1, 2, 3), (2, 3, 5, 6, 7))
    """
    total = max(int(total_epochs), 1)
    return tuple(sorted({-(-total * k // most) for k in range(1, most + 1)}))


def at_epoch_end(trainer: Trainer) -> int | None:
    """The epoch a word-streaming trainer has just finished, when its last step ended one; else None.

    A step never crosses an epoch's end (``steps_to_epoch_end``), so this is exact after every step.

    >>> from explorer.training import make_trainer
    >>> t = make_trainer("sgns", Corpus.from_texts(["a cat sat on a mat"] * 50), vector_size=8, min_count=1, batch_words=100)
    >>> _ = t.step(1); at_epoch_end(t), at_epoch_end(t) if t.step(steps_to_epoch_end(t)) else None
    (None, 1)
    """
    done = epochs_done(trainer)
    if not done or trainer.words_done % max(len(trainer.data.ids), 1):
        return None
    return done


def watch_words(typed: str, wv: WordVectors, corpus_source: str) -> list[str]:
    """The words whose neighbours are listed: the typed ones, else a few suggested for the corpus."""
    return split_words(typed) or teaching.suggested_words(wv.keys, corpus_source)


@dataclass(frozen=True)
class WatchedNeighbours:
    """The watched words' neighbour table and, when its cosines are all near 1, what that means."""

    rows: list[dict[str, str]]
    note: str | None


def watched_neighbours(wv: WordVectors, words: list[str], topn: int = 5) -> WatchedNeighbours:
    """Rows of ``teaching.neighbour_rows`` plus ``neighbours.crowded_note`` on the same neighbours."""
    return WatchedNeighbours(
        teaching.neighbour_rows(wv, words, topn=topn), crowded_note(nearest_neighbours(wv, words, topn))
    )


WINDOW_PAIRS_TEXT = (
    "Skip-gram turns each sentence into (center, context) pairs: the center word predicts every word "
    "within the window on either side, and each pair is one training example (CBOW predicts the center "
    "from all of them at once). During training the window is shrunk at random for each center, so "
    "near neighbours count more often than far ones."
)
COOCCURRENCE_TEXT = (
    "Count-based methods start from how often words appear near each other. PPMI keeps only "
    "pairs seen together more often than chance, with rare contexts damped (cds = 0.75)."
)
PPMI_NOTE = (
    "Rows are target words, columns the same words read as contexts: cell (row, column) says how much "
    "more often the column word appears near the row word than chance. Context counts are raised to "
    "0.75 before the context probabilities are taken (smoothing that damps rare contexts), so the "
    "matrix is not symmetric: PPMI(w, c) and PPMI(c, w) differ."
)
NGRAMS_TEXT = (
    "The subword model stores vectors for character n-grams, so any spelling, even one it never "
    "saw, gets a vector: the mean of its n-gram vectors."
)
_UNSEEN_EXAMPLES = ("reshipped", "overcharging", "unrefunded", "rechargeable")


def suggested_placeholder(corpus: Corpus, n: int = 3) -> str:
    """Words to offer as an example in the watch and pin boxes: the corpus's own suggestions, else its
    most frequent content words ("government, police, people" on news), never another corpus's words.

    >>> suggested_placeholder(Corpus.from_texts(["the police said the government met the police"]))
    'police, said, government'
    """
    frequent = [w for w, _ in corpus.counts.most_common(500)]  # a heap over the counts, not a full sort
    return ", ".join(teaching.suggested_words(frequent, corpus.source, n=n))


def example_words(corpus: Corpus, watched: str, n: int = 6) -> str:
    """Words for the co-occurrence matrices: the watched ones, else the corpus's suggested words."""
    chosen = split_words(watched)[:n]
    return ", ".join(chosen or teaching.suggested_words(corpus.vocab(min_count=1).words, corpus.source, n=n))


def matrix_words(
    typed: str | None, offered: tuple[str, str] | None, corpus: Corpus, watched: str
) -> tuple[str, tuple[str, str]]:
    """The words of the co-occurrence view and what was offered: (words, (corpus source, offered words)).

    A new corpus brings its own example words unless the visitor typed some: ``offered`` is what
    was filled in last time, for which corpus.
    """
    untouched = not typed or (offered is not None and offered[0] != corpus.source and typed == offered[1])
    if untouched:
        words = example_words(corpus, watched)
        return words, (corpus.source, words)
    return typed, offered if offered is not None else (corpus.source, typed)


def unseen_example_word(corpus: Corpus) -> str:
    """A word the corpus never saw, to show that the subword model still gives it a vector."""
    return next((w for w in _UNSEEN_EXAMPLES if w not in corpus.counts), _UNSEEN_EXAMPLES[0])


@dataclass(frozen=True)
class NgramPanel:
    """The n-gram tab: the word's n-grams and hashed rows, and with a trained subword model its vector."""

    view: teaching.NgramView
    trained: bool
    nearest: list[tuple[str, float]]


def ngram_panel(word: str, page_values: dict[str, float], trainer: Trainer | None) -> NgramPanel:
    """N-grams of ``word`` by the trained subword model's settings (``trainer``), else by the page's values."""
    cfg = trainer.config if trainer is not None else None
    vectors = trainer.snapshot() if trainer is not None else None
    view = teaching.ngram_view(
        word,
        cfg.min_n if cfg else int(page_values.get("min_n", 3)),
        cfg.max_n if cfg else int(page_values.get("max_n", 6)),
        cfg.bucket if cfg else int(page_values.get("bucket", 20_000)),
        vectors,
    )
    nearest = vectors.similar_by_vector(view.vector, topn=6, exclude=[word]) if view.vector is not None else []
    return NgramPanel(view, trainer is not None, nearest)


def word2vec_bytes(wv: WordVectors) -> bytes:
    """The vectors as a word2vec text file (the Train page's download)."""
    return to_bytes(wv, "word2vec")
