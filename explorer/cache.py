"""The one shared, cached model layer of the app.

Heavy read-only objects that every visitor may share (the transformer, the reference vector
set, the built-in corpora) live in ``st.cache_resource``; pure results live in
``st.cache_data``. Per-visitor mutable state (a trainer in progress, an uploaded corpus) never
comes here: it lives in ``st.session_state`` (see ``explorer.ui``).

Pages call these through the module (``cache.get_embedder(...)``) so tests can patch them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import numpy as np
import pandas  # noqa: F401 - imported before any warm-up thread starts, so no thread sees it half-initialised
import streamlit as st

from explorer.compare import Comparison
from explorer.contextual import AllLayers, ContextualEmbedder
from explorer.corpus import Corpus
from explorer.index import reader as index_reader
from explorer.index.reader import IndexInfo, OccurrenceSample
from explorer.limits import TrainingSlots
from explorer.projection import Projection
from explorer.sentences import DocumentFrequencies, SentenceVectors, encode_with_embedder
from explorer.settings import get_settings
from explorer.training.teaching import CooccurrenceView, cooccurrence_view
from explorer.vectors import WordVectors


@st.cache_resource(show_spinner="Reading the built-in corpus…", max_entries=8)
def get_builtin_corpus(name: str) -> Corpus:
    """A built-in corpus, tokenised once per process (it is immutable, so sharing is safe)."""
    return Corpus.builtin(name)


@st.cache_resource(show_spinner="Loading the transformer…", max_entries=2)
def get_embedder(name_or_path: str | None = None, device: str = "auto") -> ContextualEmbedder:
    """The transformer, loaded once per (model, device). None means the bundled MiniLM."""
    return ContextualEmbedder.load(name_or_path, device=device)


@st.cache_resource(show_spinner="Reading the transformer's input-embedding table…", max_entries=2)
def get_reference_vectors(name_or_path: str | None = None, device: str = "auto") -> WordVectors:
    """Static word vectors from the transformer's input-embedding table (whole-word rows).

    An offline pretrained vector set that every page can use before anything is trained.
    """
    return get_embedder(name_or_path, device).static_vectors()


def get_allowed_embedder(model: str | None, device: str = "auto") -> ContextualEmbedder:
    """``get_embedder`` for a model a visitor chose (a widget or a link): only models this server offers.

    Raises ``explorer.links.LinkError`` (a ValueError) for a file path, a URL or an unlisted model id,
    before anything is read or downloaded.
    """
    from explorer.links import check_model_allowed

    return get_embedder(check_model_allowed(model, get_settings()), device)


@st.cache_resource(max_entries=4)
def get_training_slots(capacity: int) -> TrainingSlots:
    """The process-wide training limiter (shared by every visitor by design: it holds only opaque tokens)."""
    return TrainingSlots(capacity)


@st.cache_data(show_spinner="Reading every layer of the transformer…", max_entries=64)
def get_context_layers(
    model: str | None, device: str, sentences: tuple[str, ...], word: str, pooling: str = "mean"
) -> AllLayers:
    """Every layer's vectors of every occurrence of ``word`` in ``sentences``, one forward pass, cached.

    The cache key is the model, device, sentences, word and pooling, so moving the layer slider or
    the centering toggle never runs the model again.
    """
    return get_embedder(model, device).all_layers(list(sentences), word, pooling=pooling)  # type: ignore[arg-type]


def _corpus_fingerprint(corpus: Corpus) -> tuple[object, ...]:
    """What identifies a corpus for caching: its id for a built-in one, all of its tokens for any other.

    Uploads are keyed by their whole content, so two visitors share an entry only when they hold
    the very same text (and learn nothing from it); a link or a near-copy cannot reach it.
    """
    if corpus.is_builtin:
        return (corpus.source,)
    return (corpus.source, corpus.name, len(corpus.sentences), hash(corpus.sentences))


@st.cache_resource(
    show_spinner="Counting document frequencies…", max_entries=4, hash_funcs={Corpus: _corpus_fingerprint}
)
def get_document_frequencies(corpus: Corpus) -> DocumentFrequencies:
    """In how many sentences of ``corpus`` each word occurs (for TF-IDF sentence vectors); read-only."""
    return DocumentFrequencies.from_corpus(corpus)


@st.cache_data(show_spinner="Encoding the sentences with the transformer…", max_entries=64)
def get_transformer_sentence_vectors(model: str | None, device: str, sentences: tuple[str, ...]) -> SentenceVectors:
    """The transformer's sentence vectors (mean of last-layer token states, unit length), cached by model + sentences."""
    return encode_with_embedder(sentences, get_embedder(model, device))


# ----- projections (Project page) ------------------------------------------------------------
def _warm_up_in_background(name: str, warm_up: Callable[[], object]) -> threading.Thread:
    """Run ``warm_up`` in a daemon thread; a failed warm-up only means a slower first map."""

    def run() -> None:
        with contextlib.suppress(Exception):
            warm_up()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def start_umap_warmup() -> threading.Thread:
    """Compile UMAP's numba kernels once per process, in a background thread, so the first UMAP
    a visitor asks for does not wait on compilation. Returns the (daemon) thread."""
    from explorer.projection import warm_up_umap

    return _warm_up_in_background("umap-warmup", warm_up_umap)


@st.cache_resource(show_spinner=False)
def start_embedder_warmup(model: str | None, device: str) -> threading.Thread:
    """Load the transformer in a background thread, once per (model, device), so the home page shows
    at once and the pages that need the model find it loaded (or wait on the same load)."""
    # Finish importing transformers here first: another thread importing it while this one is
    # half-way through its package __init__ would see a partly initialised module.
    import transformers  # noqa: F401

    return _warm_up_in_background("embedder-warmup", lambda: get_embedder(model, device))


@st.cache_resource(show_spinner=False)
def start_tsne_warmup() -> threading.Thread:
    """Compile the large-map t-SNE kernels once per process (a few seconds the first time, then
    loaded from numba's disk cache), in a background thread. Returns the (daemon) thread."""
    from explorer.projection import warm_up_tsne

    return _warm_up_in_background("tsne-warmup", warm_up_tsne)


@st.cache_data(show_spinner=False, max_entries=32)
def _projection(
    matrix_hash: str, method: str, n_components: int, seed: int, params: tuple[tuple[str, object], ...], _X: np.ndarray
) -> Projection:
    from explorer.projection import project

    return project(_X, method, n_components=n_components, seed=seed, **dict(params))


def get_projection(X: np.ndarray, method: str, n_components: int, seed: int, params: dict[str, object]) -> Projection:
    """``projection.project`` of ``X``, cached by the matrix's content (never by a name a link could forge),
    the method, its parameters and the seed."""
    from explorer.projection import content_hash

    return _projection(content_hash(X), method, int(n_components), int(seed), tuple(sorted(params.items())), X)


@st.cache_data(show_spinner=False, max_entries=32)
def _semantic_axes(
    set_key: str, points_key: str, pairs: tuple[tuple[str, str], ...], _wv: WordVectors, _points: WordVectors
) -> Projection:
    from explorer.projection import semantic_axes

    return semantic_axes(_wv, list(pairs), points=_points)


def get_semantic_axes(wv: WordVectors, points: WordVectors, pairs: list[tuple[str, str]]) -> Projection:
    """``projection.semantic_axes``, cached by the content of the vector set and of the placed words."""
    from explorer.projection import content_hash

    set_key = content_hash(wv.vectors) + str(hash(wv.keys))
    points_key = content_hash(points.vectors) + str(hash(points.keys))
    return _semantic_axes(set_key, points_key, tuple(pairs), wv, points)


@st.cache_data(show_spinner=False, max_entries=32)
def _kmeans_labels(matrix_hash: str, k: int, seed: int, _X: np.ndarray) -> np.ndarray:
    from explorer.clustering import kmeans_labels

    return kmeans_labels(_X, k, seed=seed)


def get_kmeans_labels(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    """``clustering.kmeans_labels`` of ``X``, cached by the matrix's content, k and seed."""
    from explorer.projection import content_hash

    return _kmeans_labels(content_hash(X), int(min(k, len(X))), int(seed), X)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs={Corpus: _corpus_fingerprint})
def get_cooccurrence_view(corpus: Corpus, words: tuple[str, ...], window: int) -> CooccurrenceView:
    """Co-occurrence counts and PPMI of a few words (the Train page's teaching view), cached by corpus content."""
    return cooccurrence_view(corpus, list(words), window)


# ----- comparisons (Compare page) ------------------------------------------------------------
def _vectors_key(wv: WordVectors) -> str:
    """What identifies a vector set for caching: the content of its vectors, words and counts, and its name."""
    from explorer.projection import content_hash

    counts = "" if wv.counts is None else content_hash(np.asarray(wv.counts))
    return f"{content_hash(wv.vectors)}:{hash(wv.keys)}:{counts}:{wv.name}"


@st.cache_data(show_spinner=False, max_entries=16)
def _comparison(key_a: str, key_b: str, k: int, _a: WordVectors, _b: WordVectors) -> Comparison:
    from explorer.compare import compare

    return compare(_a, _b, k=k)


def get_comparison(a: WordVectors, b: WordVectors, k: int) -> Comparison:
    """``compare.compare(a, b, k)``, cached by both sets' content (never by an id a link could forge) and k."""
    return _comparison(_vectors_key(a), _vectors_key(b), int(k), a, b)


@st.cache_data(show_spinner=False, max_entries=32)
def _benchmarks(
    key_a: str,
    key_b: str,
    test_sets: tuple[tuple[str, str, bytes], ...],
    sections: bool,
    shared_only: bool,
    max_bytes: int | None,
    _a: WordVectors,
    _b: WordVectors,
) -> list[dict[str, object]]:
    from explorer.compare.page_views import score_benchmarks

    return score_benchmarks(_a, _b, test_sets, sections, shared_only, max_bytes)


def get_benchmarks(
    a: WordVectors,
    b: WordVectors,
    test_sets: tuple[tuple[str, str, bytes], ...],
    sections: bool,
    shared_only: bool,
    max_bytes: int | None,
) -> list[dict[str, object]]:
    """Both sets scored on the test sets (title, kind, file content), cached by the sets' and the files' content.

    ``test_sets`` carries each file's bytes, never a path: a visitor's upload cannot name a server file.
    """
    return _benchmarks(_vectors_key(a), _vectors_key(b), test_sets, bool(sections), bool(shared_only), max_bytes, a, b)


# ----- contextual indexes (Context page, vector-set pickers) ------------------------------------
# Only the server's own folder (EXPLORER_INDEX_DIR, an operator setting) is read here: shared by every
# visitor, keyed by the index's name and its manifest's mtime, so a rebuilt index is read again. A
# visitor's own in-session index never comes here (explorer.ui.index_source reads it directly).
@st.cache_resource(show_spinner=False, max_entries=32)
def _index(folder: str, name: str, mtime: float) -> IndexInfo:
    return index_reader.open_index(folder, name)


def _index_version(name: str) -> float:
    """The manifest's mtime: a rebuilt index gets new cache entries."""
    return index_reader.manifest_mtime(get_settings().index_dir or "", name)


def get_index(name: str) -> IndexInfo:
    """The index ``name`` of the server's index folder, with its manifest (read-only, shared)."""
    return _index(get_settings().index_dir or "", name, _index_version(name))


@st.cache_data(show_spinner="Reading the occurrences from the index…", max_entries=64)
def _index_sample(name: str, mtime: float, word: str, sample: int, seed: int) -> OccurrenceSample:
    info = _index(get_settings().index_dir or "", name, mtime)
    return index_reader.sample_occurrences(info, word, sample, seed)


def get_index_sample(name: str, word: str, sample: int, seed: int) -> OccurrenceSample:
    """A seeded sample of a word's stored occurrences, cached per index version, word, size and seed."""
    return _index_sample(name, _index_version(name), word.strip().lower(), int(sample), int(seed))


@st.cache_resource(show_spinner="Reading the index's distilled vectors…", max_entries=8)
def _index_vectors(name: str, mtime: float, layer: int) -> WordVectors:
    return index_reader.distilled_vectors(_index(get_settings().index_dir or "", name, mtime), layer)


def get_index_vectors(name: str, layer: int) -> WordVectors:
    """One layer's distilled vectors of an index of the server's folder, as a read-only vector set."""
    return _index_vectors(name, _index_version(name), int(layer))
