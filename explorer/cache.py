"""The one shared, cached model layer of the app.

Heavy read-only objects that every visitor may share (the transformer, the reference vector
set, the built-in corpora) live in ``st.cache_resource``; pure results live in
``st.cache_data``. Per-visitor mutable state (a trainer in progress, an uploaded corpus) never
comes here: it lives in ``st.session_state`` (see ``explorer.ui``).

Transformer results and large projections go through ``get_context_layers``,
``get_transformer_sentence_vectors`` and ``get_projection``: a byte-bounded cache any visitor may
reuse (keyed by content), then the admission gate (memory ceiling, one large projection at a
time) and, for the transformer, the request queue that batches visitors' requests into shared
forward passes. A visitor who waits sees a message with their place and an estimate, updated
every half second (``_WaitingArea``); nothing is drawn when the result comes at once.

Pages call these through the module (``cache.get_embedder(...)``) so tests can patch them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np
import pandas  # noqa: F401 - imported before any warm-up thread starts, so no thread sees it half-initialised
import plotly.graph_objects as go
import streamlit as st

from explorer import library, timings
from explorer import share as sharing
from explorer.admission import (
    PROJECTION_ONE_AT_A_TIME,
    UNSEEN_WORK_RESERVE,
    Ticket,
    WorkGate,
    limit_malloc_arenas,
    projection_cost,
    release_free_memory,
)
from explorer.bytecache import ByteLRU, content_digest
from explorer.compare import Comparison
from explorer.contextual import AllLayers, ContextualEmbedder
from explorer.contextual.queue import Pending, TransformerQueue
from explorer.contextual.sentencewords import SentenceWords
from explorer.corpus import Corpus
from explorer.errors import IndexBuildError, VectorsError
from explorer.index import analysis as index_analysis
from explorer.index import reader as index_reader
from explorer.index.reader import IndexInfo, OccurrenceSample
from explorer.limits import TrainingSlots, check_map_points, check_sentences
from explorer.map import reader as map_reader
from explorer.map.jobs import MapJobs
from explorer.map.reader import MapData, MapInfo
from explorer.projection import Projection
from explorer.sentences import DocumentFrequencies, SentenceVectors
from explorer.sentences.transformer import vectors_from_pooled
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


# ----- heavy work shared across visitors: results cache, admission, transformer queue -------------
if get_settings().hosted:
    limit_malloc_arenas()  # freed memory of many visitor threads otherwise stays resident in their arenas
# The server's event loop sends every visitor's page updates; each time it wakes it must win the GIL
# back from the compute threads (projections, training, other visitors' runs), which by default hold
# it 5 ms at a time: many small waits on every message. 1 ms keeps pages moving while work runs.
sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))


@st.cache_resource(max_entries=4)
def get_result_cache(max_bytes: int) -> ByteLRU:
    """The process-wide, byte-bounded cache of transformer results and large projections, keyed by content."""
    return ByteLRU(max_bytes)


def _results() -> ByteLRU:
    return get_result_cache(get_settings().result_cache_bytes)


def _relieve_memory() -> None:
    """What the admission gate frees when memory blocks work: half the result cache and of the figure
    cache, the cached comparisons (each keeps both of its vector sets pickled, the reference alone 33 MB;
    a hosted server held 65 MB more after one Compare visit), then the heap."""
    for cache in (_results(), figure_cache()):
        cache.shrink_to(cache.nbytes // 2)
    _comparison.clear()
    release_free_memory()


@st.cache_resource(max_entries=4)
def get_figure_cache(max_bytes: int) -> ByteLRU:
    """The process-wide cache of built charts (``shared_figure``), bounded by their serialised bytes."""
    return ByteLRU(max_bytes)


def figure_cache() -> ByteLRU:
    """This process's figure cache, sized at an eighth of the result cache's bytes."""
    return get_figure_cache(get_settings().result_cache_bytes // 8)


def shared_figure(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)``, built once for every visitor who asks for the same chart.

    Building a Plotly figure validates every property and costs several times what sending it
    does (the Context page's four charts: about 50 ms to build, 6 ms to serialise), and visitors of
    a shared link or a preset ask for the same charts. Keyed by the builder and a digest of the
    arguments' content; bounded by the figures' JSON size (an eighth of the result cache's bytes).
    The figure is shared between sessions, so nobody may change it: ``ui.chart`` and the exports
    only read it, and the exports copy before they change a layout.
    """
    try:
        key = (build.__module__, build.__qualname__, content_digest(args, kwargs))
    except TypeError:  # an argument without a content digest: build it for this visitor alone
        return build(*args, **kwargs)
    figures = figure_cache()
    fig = figures.get(key)
    if fig is None:
        fig = build(*args, **kwargs)
        figures.put(key, fig, nbytes=len(fig.to_json()))
    return fig


@st.cache_resource(max_entries=4)
def get_work_gate(ceiling: int | None, setting_hint: str = " (setting EXPLORER_MAX_MEMORY_MB)") -> WorkGate:
    """The process-wide admission gate of heavy work (memory ceiling in bytes, of which ``UNSEEN_WORK_RESERVE``
    is kept free for work the gate does not count; None: no ceiling)."""
    return WorkGate(ceiling, relieve=_relieve_memory, setting_hint=setting_hint, reserve_bytes=UNSEEN_WORK_RESERVE)


def _gate() -> WorkGate:
    settings = get_settings()
    return get_work_gate(settings.max_memory_bytes, settings.limit_hint("EXPLORER_MAX_MEMORY_MB"))


@st.cache_resource(max_entries=2)
def get_transformer_queue(model: str | None, device: str) -> TransformerQueue:
    """The request queue in front of the one transformer runner of (model, device)."""
    return TransformerQueue(get_embedder(model, device))


def _page_name(ctx: Any) -> str:
    """The file name of the page a script run ran, from Streamlit's run context ("?" when unknown)."""
    try:
        info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
        return os.path.basename(str(info.get("script_path", "?")))
    except Exception:  # noqa: BLE001 - a label of a measurement, never a reason to fail a run
        return "?"


def _install_timings() -> None:
    """When ``EXPLORER_TIMINGS_LOG`` is set: time every script run, split into the transformer, chart
    building and Streamlit's element calls (see ``explorer.timings``). Wraps, once per process,
    Streamlit's script execution, every element method, the chart modules' functions and the
    embedder's tokenising helpers."""
    recorder = timings.start_from_env()
    if recorder is None:
        return
    import importlib
    import inspect
    import pkgutil
    import types

    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.scriptrunner import script_runner

    import explorer.charts

    original = script_runner.exec_func_with_error_handling
    if getattr(original, "_timed", False):
        return

    def timed_exec(func: Any, ctx: Any) -> Any:
        with recorder.run(lambda: _page_name(ctx)):
            return original(func, ctx)

    timed_exec._timed = True  # type: ignore[attr-defined]
    script_runner.exec_func_with_error_handling = timed_exec
    signs = {"plotly_chart", "progress", "spinner", "status"}  # element calls that show work under way, or its result
    for name in dir(DeltaGenerator):
        attr = inspect.getattr_static(DeltaGenerator, name)
        if not name.startswith("_") and inspect.isfunction(attr):
            timed = recorder.timed(attr, "streamlit")
            setattr(DeltaGenerator, name, recorder.signed(timed) if name in signs else timed)
    for name in dir(st):  # st.plotly_chart and the like are methods bound to the main area
        attr = getattr(st, name)
        if inspect.ismethod(attr) and isinstance(attr.__self__, DeltaGenerator) and hasattr(DeltaGenerator, name):
            setattr(st, name, types.MethodType(getattr(DeltaGenerator, name), attr.__self__))
    for info in pkgutil.iter_modules(explorer.charts.__path__):
        module = importlib.import_module(f"explorer.charts.{info.name}")
        for name, fn in list(vars(module).items()):
            if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == module.__name__:
                setattr(module, name, recorder.timed(fn, "charts"))
    for name in ("static_vector", "word_pieces", "visibility", "static_vectors"):
        setattr(ContextualEmbedder, name, recorder.timed(getattr(ContextualEmbedder, name), "transformer"))


_install_timings()


class _WaitingArea:
    """A placeholder that appears only while a visitor waits, with their place and an estimate."""

    def __init__(self) -> None:
        self._slot: Any = None

    def show(self, message: str) -> None:
        timings.mark_sign()
        if self._slot is None:
            self._slot = st.empty()
        self._slot.info(message, icon=":material/hourglass_top:")

    def ticket(self, ticket: Ticket) -> None:
        self.show(ticket.message())

    def pending(self, pending: Pending) -> None:
        ahead, seconds = pending.ahead(), max(1, round(pending.estimate_seconds()))
        if ahead:
            who = "1 visitor" if ahead == 1 else f"{ahead} visitors"
            self.show(f"Busy: {who} ahead of you for the transformer, about {seconds} s.")
        else:
            self.show(f"The transformer is reading your sentences, about {seconds} s.")

    def clear(self) -> None:
        if self._slot is not None:
            self._slot.empty()


@contextlib.contextmanager
def admit_upload(cost_bytes: int, what: str) -> Iterator[None]:
    """Hold the admission gate's upload lane for one step of reading a visitor's file (unpacking, parsing).

    ``cost_bytes`` is what the step may add to memory; while it waits, its visitor sees their place;
    when memory cannot be found, the gate raises ``LimitError`` with the reason.
    """
    area = _WaitingArea()
    try:
        with _gate().hold("upload", cost_bytes, what, on_wait=area.ticket, size=max(1.0, cost_bytes / 2**20)):
            area.clear()
            yield
    finally:
        area.clear()


def _transformer_result(key: Hashable, cost_bytes: int, what: str, submit: Callable[[], Pending], size: int = 1) -> Any:
    """A cached result, else a queued transformer request admitted by the gate, waited on visibly."""
    results = _results()
    hit = results.get(key)
    if hit is not None:
        return hit
    with timings.section("transformer"):
        return _run_transformer(results, key, cost_bytes, what, submit, size)


def _run_transformer(
    results: ByteLRU, key: Hashable, cost_bytes: int, what: str, submit: Callable[[], Pending], size: int
) -> Any:
    area = _WaitingArea()
    try:
        with _gate().hold("transformer", cost_bytes, what, on_wait=area.ticket, tick_seconds=0.5, size=size):
            pending = submit()
            ticks = 0
            while not pending.wait(0.25 if ticks < 2 else 0.5):  # the first message within half a second
                ticks += 1
                area.pending(pending)
            value = pending.result()
    finally:
        area.clear()
    timings.record_transformer(pending.queued_seconds(), pending.model_seconds())
    results.put(key, value)
    return value


def get_context_layers(
    model: str | None, device: str, sentences: tuple[str, ...], word: str, pooling: str = "mean"
) -> AllLayers:
    """Every layer's vectors of every occurrence of ``word`` in ``sentences``, one forward pass, cached.

    The cache key is the model, device, sentences, word and pooling (content, never a name), so
    moving the layer slider, the centering toggle or a second visitor on the same preset never
    runs the model again. Over this server's sentence limits it raises ``LimitError``.
    """
    sentences = tuple(str(s) for s in sentences)
    check_sentences(get_settings(), sentences)
    queue = get_transformer_queue(model, device)
    emb = queue.embedder
    cost = 4 * (emb.num_layers + 1) * len(sentences) * emb.hidden_size * 4 + 8 * 2**20  # result and its copies
    return _transformer_result(
        ("all_layers", model, device, sentences, word, pooling),
        cost,
        f"reading {len(sentences)} sentences through every layer",
        lambda: queue.submit_all_layers(sentences, word, pooling),
        len(sentences),
    )


def get_sentence_words(
    model: str | None, device: str, sentences: tuple[str, ...], pooling: str = "mean"
) -> SentenceWords:
    """Every word of ``sentences`` at every layer (the layer metrics' context), one forward pass, cached by content.

    Over this server's sentence limits it raises ``LimitError``.
    """
    sentences = tuple(str(s) for s in sentences)
    check_sentences(get_settings(), sentences)
    queue = get_transformer_queue(model, device)
    emb = queue.embedder
    words = sum(len(s.split()) + 2 for s in sentences)  # about one row per word
    cost = 4 * (emb.num_layers + 1) * words * emb.hidden_size * 4 + 8 * 2**20
    return _transformer_result(
        ("sentence_words", model, device, sentences, pooling),
        cost,
        f"reading every word of {len(sentences)} sentences through every layer",
        lambda: queue.submit_sentence_words(sentences, pooling),
        len(sentences),
    )


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


def get_transformer_sentence_vectors(model: str | None, device: str, sentences: tuple[str, ...]) -> SentenceVectors:
    """The transformer's sentence vectors (mean of last-layer token states, unit length), cached by model + sentences.

    Over this server's sentence limits it raises ``LimitError``.
    """
    sentences = tuple(str(s) for s in sentences)
    check_sentences(get_settings(), sentences)
    queue = get_transformer_queue(model, device)
    name = str(getattr(queue.embedder, "name", "") or "transformer")
    pooled = _transformer_result(
        ("sentences", model, device, sentences),
        4 * len(sentences) * queue.embedder.hidden_size * 4 + 8 * 2**20,
        f"encoding {len(sentences)} sentences",
        lambda: queue.submit_sentences(sentences),
        len(sentences),
    )
    return vectors_from_pooled(sentences, pooled, name)


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

    def warm_up() -> None:
        get_embedder(model, device)
        warm_context_presets(model, device)

    return _warm_up_in_background("embedder-warmup", warm_up)


def warm_context_presets(model: str | None, device: str) -> int:
    """Put every Context preset's vectors (default pooling) in the shared result cache; returns how many ran.

    The first visitors of a preset then find it computed, and no visitor's preset runs the model.
    """
    from explorer.contextual import load_presets

    queue, results, ran = get_transformer_queue(model, device), _results(), 0
    for preset in load_presets().values():
        sentences = tuple(preset.sentences)
        key = ("all_layers", model, device, sentences, preset.word, "mean")
        if key not in results:
            results.put(key, queue.all_layers(sentences, preset.word, "mean"))
            ran += 1
    return ran


@st.cache_resource(show_spinner=False)
def start_tsne_warmup() -> threading.Thread:
    """Compile the large-map t-SNE kernels once per process (a few seconds the first time, then
    loaded from numba's disk cache), in a background thread. Returns the (daemon) thread."""
    from explorer.projection import warm_up_tsne

    return _warm_up_in_background("tsne-warmup", warm_up_tsne)


def get_projection(X: np.ndarray, method: str, n_components: int, seed: int, params: dict[str, object]) -> Projection:
    """``projection.project`` of ``X``, cached by the matrix's content (never by a name a link could forge),
    the method, its parameters and the seed.

    A t-SNE or UMAP map of more than ``PROJECTION_ONE_AT_A_TIME`` points waits for the one
    large-projection slot (and for memory under a ceiling); its visitor sees their place meanwhile.
    Over this server's points for the method (``limits.map_points_cap``) it raises ``LimitError``.
    """
    from explorer.projection import content_hash, project

    key = ("projection", content_hash(X), method, int(n_components), int(seed), tuple(sorted(params.items())))
    results = _results()
    hit = results.get(key)
    if hit is not None:
        return hit
    check_map_points(get_settings(), method, len(X))
    if method in ("pca", "axes") or len(X) <= PROJECTION_ONE_AT_A_TIME:
        value = project(X, method, n_components=int(n_components), seed=int(seed), **params)
    else:
        area = _WaitingArea()
        try:
            with _gate().hold(
                "projection",
                projection_cost(len(X)),
                f"a {method} map of {len(X):,} points",
                area.ticket,
                size=len(X),
            ):
                area.clear()
                value = project(X, method, n_components=int(n_components), seed=int(seed), **params)
        finally:
            area.clear()
        release_free_memory()  # a large map's working memory goes back to the system, not to the next peak
    results.put(key, value)
    return value


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


@st.cache_data(show_spinner=False, max_entries=8)
def _dictionary_comparison(
    key_a: str,
    key_b: str,
    k: int,
    pairs_key: str,
    holdout: float,
    seed: int,
    _a: WordVectors,
    _b: WordVectors,
    _pairs: Any,
) -> Comparison:
    from explorer.compare import compare
    from explorer.compare.dictionary import RETRIEVAL_WORDS, alignment_cost_bytes

    # CSLS's hub scores and retrieval hold (512, 20,000) score tables: admitted like a large map, one at a time
    what = f"aligning {_b.name} onto {_a.name} by a dictionary"
    with _gate().hold("projection", alignment_cost_bytes(_a, _b), what, size=min(len(_b), RETRIEVAL_WORDS)):
        return compare(_a, _b, k=k, pairs=_pairs, holdout=holdout, seed=seed)


def get_comparison(
    a: WordVectors, b: WordVectors, k: int, pairs: Any = None, holdout: float = 0.2, seed: int = 0
) -> Comparison:
    """``compare.compare(a, b, k)``, cached by both sets' content (never by an id a link could forge) and k;
    with ``pairs`` (a dictionary), aligned by it, cached by the pairs' content, ``holdout`` and ``seed`` too."""
    if pairs is None:
        return _comparison(_vectors_key(a), _vectors_key(b), int(k), a, b)
    from explorer.compare.pairfile import as_pairs

    plain = as_pairs(pairs)
    key = content_digest(json.dumps(plain))  # exact (every word escaped) and fast for many pairs
    return _dictionary_comparison(_vectors_key(a), _vectors_key(b), int(k), key, float(holdout), int(seed), a, b, plain)


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


# Why an index cannot be read, kept a minute per manifest version, so a damaged index is not read again on
# every page run of every visitor, and a repaired one is offered again within a minute.
@st.cache_resource(show_spinner=False, max_entries=256, ttl=60)
def _index_problem(folder: str, name: str, mtime: float) -> str | None:
    try:
        _index(folder, name, mtime)
    except (IndexBuildError, OSError) as exc:
        return str(exc)
    return None


def _listed_index(name: str) -> IndexInfo:
    mtime = _index_version(name)
    if (problem := _index_problem(get_settings().index_dir or "", name, mtime)) is not None:
        raise IndexBuildError(problem)
    return _index(get_settings().index_dir or "", name, mtime)


def index_listing() -> index_reader.IndexListing:
    """The indexes of the server's folder: the readable ones (opened once per manifest version) and the others.

    Pickers offer only ``readable``; the Context page's index source also shows ``unreadable`` with the reason.
    """
    return index_reader.scan_indexes(get_settings().index_dir, opener=_listed_index)


@st.cache_data(show_spinner="Reading the occurrences from the index…", max_entries=64)
def _index_sample(name: str, mtime: float, word: str, sample: int, seed: int) -> OccurrenceSample:
    info = _index(get_settings().index_dir or "", name, mtime)
    return index_reader.sample_occurrences(info, word, sample, seed)


def get_index_sample(name: str, word: str, sample: int, seed: int) -> OccurrenceSample:
    """A seeded sample of a word's stored occurrences, cached per index version, word, size and seed."""
    return _index_sample(name, _index_version(name), word.strip().lower(), int(sample), int(seed))


@st.cache_data(show_spinner="Measuring the layers from the index…", max_entries=32)
def _index_layer_metrics(name: str, mtime: float, word: str, sample: int, seed: int, corpus_words: int) -> tuple:
    info = _index(get_settings().index_dir or "", name, mtime)
    corpus = index_analysis.analyze_index(info, top=corpus_words, sample=INDEX_CORPUS_SAMPLE, seed=seed)
    mine = index_analysis.analyze_index(info, words=[word], sample=sample, seed=seed)
    return tuple(index_analysis.rebase(mine.word_rows(word), corpus.corpus_rows())), corpus, mine


INDEX_CORPUS_SAMPLE = 10  # stored occurrences per word of the corpus curves on the Context page


def get_index_layer_metrics(name: str, word: str, sample: int, seed: int, corpus_words: int = 100) -> tuple:
    """(the word's per-layer rows adjusted by the corpus baseline, the corpus ``IndexMetrics``, the word's),
    from an index of the server's folder; cached per index version, word, sample, seed and corpus size."""
    return _index_layer_metrics(
        name, _index_version(name), word.strip().lower(), int(sample), int(seed), int(corpus_words)
    )


@st.cache_resource(show_spinner="Reading the index's distilled vectors…", max_entries=8)
def _index_vectors(name: str, mtime: float, layer: int) -> WordVectors:
    return index_reader.distilled_vectors(_index(get_settings().index_dir or "", name, mtime), layer)


def get_index_vectors(name: str, layer: int) -> WordVectors:
    """One layer's distilled vectors of an index of the server's folder, as a read-only vector set."""
    return _index_vectors(name, _index_version(name), int(layer))


# ----- the vector library (EXPLORER_DATA_DIR/vectors) ----------------------------------------------
# Only the server's own data folder (an operator setting) is read here, keyed by the file's name, size and
# mtime, so a changed file is read again. The set's matrix is a read-only mapping of the library's cache:
# every visitor (and every process) shares its pages.
@st.cache_resource(show_spinner="Opening the library file (the first open converts it once)…", max_entries=8)
def _library_vectors(data_dir: str, name: str, size: int, mtime_ns: int) -> WordVectors:
    return library.open_vectors(data_dir, name)


# Whether a library file can be opened, kept a minute per file version, so a damaged file's first bytes are not
# read again on every page run of every visitor, and a repaired one is offered again within a minute.
@st.cache_resource(show_spinner=False, max_entries=256, ttl=60)
def _library_check(data_dir: str, name: str, size: int, mtime_ns: int) -> library.LibraryFile | str:
    try:
        return library.check_file(data_dir, name)
    except (VectorsError, OSError) as exc:
        return str(exc)


def _listed_library_file(name: str) -> library.LibraryFile:
    size, mtime_ns = library.file_version(get_settings().data_dir or "", name)
    checked = _library_check(get_settings().data_dir or "", name, size, mtime_ns)
    if isinstance(checked, str):
        raise library.LibraryError(checked)
    return checked


def library_listing() -> library.LibraryListing:
    """The vector files of the server's library: those that can be opened, and the others with the reason."""
    return library.scan_library(get_settings().data_dir, checker=_listed_library_file)


def get_library_vectors(name: str) -> WordVectors:
    """The vector set of the library file ``name`` (a plain file name; ``LibraryError`` for anything else)."""
    size, mtime_ns = library.file_version(get_settings().data_dir or "", library.check_name(name))
    return _library_vectors(get_settings().data_dir or "", name, size, mtime_ns)


# ----- word maps (Map page) ------------------------------------------------------------------------
# Only the server's own folder (EXPLORER_MAP_DIR, an operator setting) is read here, as for indexes:
# shared by every visitor, keyed by the map's name and its manifest's mtime, so a rebuilt map is read again.
@st.cache_resource(show_spinner=False, max_entries=32)
def _map_info(folder: str, name: str, mtime: float) -> MapInfo:
    return map_reader.open_map(folder, name)


def _map_version(name: str) -> float:
    """The manifest's mtime: a rebuilt map gets new cache entries."""
    return map_reader.manifest_mtime(get_settings().map_dir or "", name)


# Why a map cannot be read, kept a minute per manifest version (a repaired map is offered again within a minute).
@st.cache_resource(show_spinner=False, max_entries=256, ttl=60)
def _map_problem(folder: str, name: str, mtime: float) -> str | None:
    try:
        _map_info(folder, name, mtime)
    except (map_reader.MapBuildError, OSError) as exc:
        return str(exc)
    return None


def _listed_map(name: str) -> MapInfo:
    mtime = _map_version(name)
    if (problem := _map_problem(get_settings().map_dir or "", name, mtime)) is not None:
        raise map_reader.MapBuildError(problem)
    return _map_info(get_settings().map_dir or "", name, mtime)


def map_listing() -> map_reader.MapListing:
    """The maps of the server's folder: the readable ones (manifest validated once per version) and the others."""
    return map_reader.scan_maps(get_settings().map_dir, opener=_listed_map)


# A whole map held once for every visitor (read-only arrays); few entries, since a 1M-word map is ~100 MB.
@st.cache_resource(show_spinner="Reading the map…", max_entries=4)
def _map_data(folder: str, name: str, mtime: float) -> MapData:
    return map_reader.read_map(_map_info(folder, name, mtime))


def get_map_data(name: str) -> MapData:
    """Every point, label and neighbour of map ``name`` of the server's map folder; ``MapBuildError`` if unreadable."""
    return _map_data(get_settings().map_dir or "", name, _map_version(name))


# ----- shared vector sets (EXPLORER_SHARE_STORE) ------------------------------------------------------
# One store object per URL and limits. A shared set is immutable (an id is never reused), so its vectors are
# cached by id; every open first asks the store whether the item is still there (deleted or expired sets are
# not served from the cache), which also stamps its last use.
@st.cache_resource(max_entries=4)
def get_share_store(url: str, max_item: int, max_total: int, expire_days: int, per_session: int) -> sharing.ShareStore:
    return sharing.ShareStore(url, sharing.ShareLimits(max_item, max_total, expire_days, per_session))


def share_store() -> sharing.ShareStore | None:
    """The store this server shares sets through, with its limits; None when sharing is off."""
    s = get_settings()
    if not s.share_store:
        return None
    return get_share_store(
        s.share_store, s.share_max_item_bytes, s.share_max_total_bytes, s.share_expire_days, s.share_max_per_session
    )


@st.cache_resource(show_spinner="Opening the shared set…", max_entries=16)
def _shared_set(store_url: str, item_id: str) -> sharing.SharedSet:
    store = share_store()
    if store is None or store.url != store_url:
        raise sharing.ShareError("This server's shared store changed; open the link again.")
    return store.get(item_id)


def get_shared_set(item_id: str) -> sharing.SharedSet:
    """The shared set ``item_id`` (checked to still be in the store); ``SharedSetMissing`` or ``ShareError``."""
    store = share_store()
    if store is None:
        raise sharing.SharedSetMissing(
            "This server has no shared store (setting EXPLORER_SHARE_STORE), so it cannot open shared sets; open "
            "the link on the server it was made on."
        )
    store.note_use(item_id)
    return _shared_set(get_settings().share_store or "", item_id)


@st.cache_resource
def map_jobs() -> MapJobs:
    """The map jobs this server started from the Map page, by map name: one registry for the server's life, so a
    build goes on, and is found again, whichever page its visitor opens meanwhile."""
    return MapJobs()
