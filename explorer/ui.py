"""Widgets every page shares: the sidebar (corpus, transformer, device) and vector-set choice.

Session-state keys written here carry the ``sidebar.`` or ``vectors.`` prefix. Anything a
visitor uploads or trains stays in that visitor's ``st.session_state``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st
import torch

from explorer import cache, corpus, readers
from explorer.corpus import Corpus, CorpusError
from explorer.device import describe_device, select_device
from explorer.settings import Settings, get_settings
from explorer.vectors import VectorsError, WordVectors

DEFAULT_CORPUS = "support_tickets"
UPLOAD_CHOICE = "__upload__"
BUNDLED_MODEL_LABEL = "all-MiniLM-L6-v2 (bundled, offline)"

_UPLOADED_CORPUS_KEY = "sidebar.uploaded_corpus"  # (fingerprint, Corpus)
VECTOR_SETS_KEY = "vectors.sets"  # dict label -> WordVectors, this visitor's sets
ACTIVE_VECTORS_KEY = "vectors.active"  # label of the active set
REFERENCE_LABEL = "Transformer input embeddings (reference)"

T = TypeVar("T")


@dataclass(frozen=True)
class SidebarState:
    """What the shared sidebar resolved for this run of a page."""

    corpus: Corpus
    device: torch.device
    device_label: str
    model: str | None  # None: the bundled MiniLM
    model_label: str
    settings: Settings


def model_label(model: str | None) -> str:
    return BUNDLED_MODEL_LABEL if model is None else model


def show_error(message: str, exc: BaseException | None = None) -> None:
    """Show a failure as a sentence, never a traceback."""
    detail = f" ({exc})" if exc is not None and str(exc) and str(exc) not in message else ""
    st.error(f"{message}{detail}")


def guarded(message: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run ``fn``; on a ValueError/KeyError (bad input) show ``message`` and the reason, return None."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, KeyError) as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        st.error(f"{message}: {reason}")
        return None


def _fingerprint(data: bytes, column: str | None) -> str:
    return hashlib.sha256(data).hexdigest() + f":{column}"


def _corpus_picker(settings: Settings) -> Corpus:
    names = corpus.builtin_names()
    choices = names + [UPLOAD_CHOICE]
    default = st.session_state.get("sidebar.corpus", DEFAULT_CORPUS)
    if default not in choices:
        default = DEFAULT_CORPUS
    choice = st.sidebar.selectbox(
        "Corpus",
        choices,
        index=choices.index(default),
        format_func=lambda n: "Upload your own…" if n == UPLOAD_CHOICE else corpus.builtin_info(n)["title"],
        key="sidebar.corpus",
        help="Built-in corpora ship with the app. Uploads stay in your browser session only.",
    )
    if choice != UPLOAD_CHOICE:
        st.sidebar.caption(corpus.builtin_info(choice)["description"])
        return cache.get_builtin_corpus(choice)

    uploaded = _uploaded_corpus(settings)
    if uploaded is not None:
        return uploaded
    st.sidebar.info("Until a file is read, the pages use the built-in support-ticket corpus.")
    return cache.get_builtin_corpus(DEFAULT_CORPUS)


def _uploaded_corpus(settings: Settings) -> Corpus | None:
    limit_mb = settings.max_upload_bytes / (1024 * 1024)
    file = st.sidebar.file_uploader(
        "Text file",
        type=["txt", "csv", "tsv", "jsonl", "zip"],
        key="sidebar.upload",
        help=f".txt, .csv/.tsv (pick the text column), .jsonl (pick the field) or .zip of .txt files; "
        f"up to {limit_mb:.0f} MB. Uploaded text cannot travel in a shared link.",
    )
    if file is None:
        held = st.session_state.get(_UPLOADED_CORPUS_KEY)
        return None if held is None else held[1]
    if file.size > settings.max_upload_bytes:
        st.sidebar.error(
            f"{file.name} is {file.size / 1e6:.1f} MB; the limit is {limit_mb:.0f} MB "
            "(setting EXPLORER_MAX_UPLOAD_MB). Upload a smaller file or a sample of it."
        )
        return None
    column = None
    try:
        columns = readers.list_columns(file)
    except CorpusError as exc:
        st.sidebar.error(str(exc))
        return None
    if columns is not None:
        guess = readers.guess_text_column(columns) if hasattr(readers, "guess_text_column") else columns[0]
        column = st.sidebar.selectbox(
            "Text column" if not file.name.lower().endswith(".jsonl") else "Text field",
            columns,
            index=columns.index(guess) if guess in columns else 0,
            key="sidebar.upload_column",
        )
    data = file.getvalue()
    fingerprint = _fingerprint(data, column)
    held = st.session_state.get(_UPLOADED_CORPUS_KEY)
    if held is not None and held[0] == fingerprint:
        return held[1]
    file.seek(0)
    try:
        with st.spinner(f"Reading {file.name}…"):
            parsed = Corpus.from_file(file, column=column, name=file.name)
    except CorpusError as exc:
        st.sidebar.error(str(exc))
        return None
    st.session_state[_UPLOADED_CORPUS_KEY] = (fingerprint, parsed)
    return parsed


def _device(settings: Settings) -> torch.device:
    try:
        return select_device(settings.device)
    except ValueError as exc:
        st.sidebar.warning(f"{exc} Falling back to the CPU.")
        return torch.device("cpu")


def sidebar() -> SidebarState:
    """Draw the shared sidebar and return the corpus, device and transformer it resolved."""
    settings = get_settings()
    st.sidebar.markdown("### Embedding Explorer")
    active = _corpus_picker(settings)
    st.sidebar.caption(
        f"**{active.name}**: {active.token_count:,} tokens, {active.vocab_size:,} distinct words, "
        f"{len(active.sentences):,} sentences."
    )
    for notice in active.notices:
        st.sidebar.warning(notice)
    device = _device(settings)
    st.sidebar.markdown(f"**Transformer:** {model_label(settings.model)}")
    st.sidebar.markdown(f"**Device:** {describe_device(device)}")
    if settings.hosted:
        st.sidebar.caption("Hosted demo: limits on uploads, training time and points are tightened.")
    return SidebarState(
        corpus=active,
        device=device,
        device_label=describe_device(device),
        model=settings.model,
        model_label=model_label(settings.model),
        settings=settings,
    )


# ----- vector sets ----------------------------------------------------------------------------
def register_vectors(label: str, vectors: WordVectors, make_active: bool = True) -> None:
    """Keep a visitor's vector set (trained or uploaded) for every page of this session."""
    sets: dict[str, WordVectors] = st.session_state.setdefault(VECTOR_SETS_KEY, {})
    sets[label] = vectors
    if make_active:
        st.session_state[ACTIVE_VECTORS_KEY] = label


def session_vector_sets() -> dict[str, WordVectors]:
    """This visitor's own vector sets, by label."""
    return dict(st.session_state.get(VECTOR_SETS_KEY, {}))


def vector_set_picker(state: SidebarState, key: str, allow_upload: bool = True) -> WordVectors | None:
    """Choose among the session's vector sets, the reference set, or an uploaded file.

    Returns None (after showing why) when nothing usable is chosen.
    """
    labels = list(session_vector_sets()) + [REFERENCE_LABEL]
    upload_label = "Upload a vector file…"
    if allow_upload:
        labels.append(upload_label)
    active = st.session_state.get(ACTIVE_VECTORS_KEY)
    index = labels.index(active) if active in labels else 0
    choice = st.selectbox(
        "Vector set",
        labels,
        index=index,
        key=key,
        help="Vectors you trained on the Train page, the transformer's input-embedding rows, or a file "
        "(word2vec text/binary, GloVe text, or TensorFlow-projector vectors.tsv).",
    )
    if choice == REFERENCE_LABEL:
        try:
            return cache.get_reference_vectors(state.model, str(state.device))
        except (OSError, ValueError) as exc:
            show_error("The transformer could not be loaded, so its input vectors are not available", exc)
            return None
    if choice == upload_label:
        file = st.file_uploader(
            "Vector file",
            type=["txt", "vec", "bin", "tsv", "gz"],
            key=f"{key}.file",
            help="word2vec text (.txt/.vec) or binary (.bin), GloVe text, or vectors.tsv (+ metadata.tsv).",
        )
        meta = st.file_uploader("metadata.tsv (optional, for vectors.tsv)", type=["tsv"], key=f"{key}.meta")
        if file is None:
            st.info("Upload a vector file to use it here.")
            return None
        if file.size > state.settings.max_upload_bytes:
            st.error(
                f"{file.name} is {file.size / 1e6:.1f} MB; the limit is "
                f"{state.settings.max_upload_bytes / 1e6:.0f} MB. Trim the file (the most frequent words first)."
            )
            return None
        try:
            wv = WordVectors.load(file, metadata=meta, name=file.name)
        except (VectorsError, ValueError) as exc:
            st.error(f"{file.name} could not be read as word vectors: {exc}")
            return None
        register_vectors(f"Uploaded: {file.name}", wv, make_active=False)
        return wv
    return session_vector_sets()[choice]


# ----- shareable links ------------------------------------------------------------------------
def restore_from_link(fields: dict[str, Callable[[str], Any]]) -> list[str]:
    """Once per session and page, copy address parameters into session state before widgets draw.

    ``fields`` maps a session-state key (also the parameter name, e.g. ``"train.method"``) to a
    parser that turns the text into the widget's value and raises ValueError on bad text. Returns
    the names of parameters that were refused (a warning is shown for each), so a hand-edited link
    degrades to defaults instead of failing.
    """
    marker = "link.restored." + ",".join(sorted(fields))
    if st.session_state.get(marker):
        return []
    st.session_state[marker] = True
    refused: list[str] = []
    for key, parse in fields.items():
        if key not in st.query_params:
            continue
        raw = st.query_params.get(key, "")
        try:
            st.session_state[key] = parse(raw)
        except (ValueError, TypeError, KeyError) as exc:
            refused.append(key)
            st.warning(f"The link's value for {key!r} was ignored: {exc}")
    return refused


def write_link(keys: list[str]) -> None:
    """Write the current values of these session-state keys into the address bar."""
    for key in keys:
        if key not in st.session_state:
            continue
        value = st.session_state[key]
        if isinstance(value, list | tuple):
            text = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = str(value)
        if st.query_params.get(key) != text:
            st.query_params[key] = text
