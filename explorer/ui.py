"""Widgets every page shares: the sidebar (corpus, transformer, device) and vector-set choice.

Session-state keys written here carry the ``sidebar.`` or ``vectors.`` prefix. Anything a
visitor uploads or trains stays in that visitor's ``st.session_state``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import streamlit as st
import torch
from streamlit.errors import StreamlitPageNotFoundError

from explorer import cache, corpus, links, readers
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
    restore_from_link({"sidebar.corpus": links.builtin_name(names)}, where=st.sidebar)
    # Streamlit drops a widget's value while another page runs: fall back to the last choice seen.
    default = st.session_state.get("sidebar.corpus", st.session_state.get("sidebar.corpus_last", DEFAULT_CORPUS))
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
    st.session_state["sidebar.corpus_last"] = choice
    if choice != UPLOAD_CHOICE:
        st.sidebar.caption(corpus.builtin_info(choice)["description"])
        return cache.get_builtin_corpus(choice)

    uploaded = _uploaded_corpus(settings)
    if uploaded is not None:
        _offer_corpus_download(uploaded)
        return uploaded
    st.sidebar.info("Until a file is read, the pages use the built-in support-ticket corpus.")
    return cache.get_builtin_corpus(DEFAULT_CORPUS)


def _offer_corpus_download(uploaded: Corpus) -> None:
    """Uploaded text cannot travel in a link: say so and offer the parsed text as a file instead."""
    st.sidebar.caption(
        "Uploaded text stays in this browser session and cannot travel in a shared link "
        "(a link opens the built-in corpus). Send the file along with the link:"
    )
    stem = uploaded.name.rsplit(".", 1)[0] or "corpus"
    st.sidebar.download_button(
        "Download the corpus (.txt)",
        data=lambda: "\n".join(uploaded.raw_sentences) + "\n",
        file_name=f"{stem}.txt",
        mime="text/plain",
        on_click="ignore",
        key="sidebar.corpus_download",
    )


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
        guess = readers.guess_text_column(columns)
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


def _navigation() -> None:
    """Links to every page (the automatic page list is switched off in .streamlit/config.toml)."""
    from explorer.pages_index import HOME, PAGES

    try:
        for page in (HOME, *PAGES):
            st.sidebar.page_link(page.path, label=page.title, icon=page.icon)
    except StreamlitPageNotFoundError:
        # A page script run on its own (AppTest, `streamlit run pages/X.py`) has no app.py to link to.
        return
    st.sidebar.divider()


def sidebar() -> SidebarState:
    """Draw the shared sidebar and return the corpus, device and transformer it resolved."""
    settings = get_settings()
    _navigation()
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
    if st.session_state.get("sidebar.corpus") == UPLOAD_CHOICE:
        if "sidebar.corpus" in st.query_params:
            del st.query_params["sidebar.corpus"]
    else:
        write_link(["sidebar.corpus"], control=False)
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
def restore_from_link(fields: dict[str, Callable[[str], Any]], where: Any = None) -> list[str]:
    """Once per session and page, copy address parameters into session state before widgets draw.

    ``fields`` maps a session-state key (also the parameter name, e.g. ``"train.method"``) to a
    parser that turns the text into the widget's value and raises ValueError on bad text (use the
    parsers of ``explorer.links``: ``choice``, ``int_in``, ``float_in``, ``words``, ``text``,
    ``flag``). Returns the names of parameters that were refused (a warning is shown for each, in
    ``where``, default the main area), so a hand-edited link degrades to defaults instead of failing.

    Example (in a page, before its widgets):
        >>> ui.restore_from_link({"project.method": links.choice(["pca", "umap"]), "project.seed": links.int_in(0, 2**31 - 1)})  # doctest: +SKIP
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
            if len(raw) > links.MAX_PARAM_CHARS:
                raise links.LinkError(
                    f"the value is {len(raw):,} characters long; at most {links.MAX_PARAM_CHARS:,} fit."
                )
            st.session_state[key] = parse(raw)
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            refused.append(key)
            reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            (where or st).warning(f"The link's value for {key!r} was ignored (the default is used): {reason}")
    return refused


def _link_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(float(value))  # shortest round-trip text, also for numpy floats
    return str(value)


def write_link(keys: list[str], control: bool = True) -> None:
    """Write the current values of these session-state keys into the address bar.

    A value too long for a link (over ``links.MAX_PARAM_CHARS`` characters, such as many long
    sentences) is left out, so the link opens the default there. With ``control`` (the default)
    the sidebar shows a "Copy link" box for the resulting address (see ``copy_link_control``).
    """
    for key in keys:
        if key not in st.session_state:
            continue
        text = _link_text(st.session_state[key])
        if len(text) > links.MAX_PARAM_CHARS:
            if key in st.query_params:
                del st.query_params[key]
            continue
        if st.query_params.get(key) != text:
            st.query_params[key] = text
    if control:
        copy_link_control()


def shareable_url() -> str:
    """The address that reproduces this view: the page's URL (when the browser reported it) plus its parameters.

    Without a browser (AppTest) the result is relative: ``?train.method=sgns&...``.
    """
    params = {k: st.query_params.get(k, "") for k in st.query_params}
    query = urlencode(params, safe=",")
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 - an older or headless runtime without the field
        base = ""
    return f"{base}?{query}" if query else (base or "?")


def copy_link_control(where: Any = None) -> None:
    """A small "Copy link" box: the shareable address in a code block, which has a copy button.

    Streamlit has no clipboard API, so the address is shown for the code block's own copy button.
    """
    box = (where or st.sidebar).expander("Copy link to this view", expanded=False, icon=":material/link:")
    box.code(shareable_url(), language=None, wrap_lines=True)
    box.caption(
        "Opening this address shows the same view: corpus, method, parameters, seed and words. "
        "Uploaded files and trained vectors stay in your session; download them to share them."
    )


def session_token() -> str:
    """An unguessable id of this visitor's session (for the training limiter); never shown or linked."""
    token = st.session_state.get("session.token")
    if token is None:
        token = st.session_state["session.token"] = secrets.token_urlsafe(16)
    return token


def acquire_training_slot(state: SidebarState) -> bool:
    """Take or renew this visitor's training slot; when all are taken, show who waits and return False.

    Call it before each training step (or tick of a running training) and ``release_training_slot``
    when the training stops. A slot that is not renewed for 30 s lapses by itself.
    """
    slots = cache.get_training_slots(state.settings.max_concurrent_trainings)
    if slots.acquire(session_token(), max_seconds=float(state.settings.max_train_seconds)):
        return True
    st.info(f"⏳ {slots.busy_message()}")
    return False


def release_training_slot(state: SidebarState) -> None:
    """Give this visitor's training slot back (a stopped or finished training)."""
    cache.get_training_slots(state.settings.max_concurrent_trainings).release(session_token())


# ----- widget values across page switches -----------------------------------------------------
def keep_widgets(prefix: str, keys: list[str] | tuple[str, ...]) -> Callable[[], None]:
    """Keep these widgets' values while the visitor is on another page; returns ``save`` for the run's end.

    Streamlit forgets a page's widget values once another page has run. Call this at the top of a
    page, before ``restore_from_link`` (so a link still wins) and before the widgets draw: it puts
    back the values saved under the non-widget key ``f"{prefix}saved_widgets"`` (for keys not set
    already), then saves the current ones at once, so a run that stops early keeps them too. Call
    the returned ``save()`` after the widgets to also keep values the script changed while it ran.
    Never list buttons, file uploaders or download buttons: Streamlit refuses values set for them.

    Example (in a page, before ``ui.restore_from_link``):
        >>> save = ui.keep_widgets("context.", ["context.word", "context.layer"])  # doctest: +SKIP
        >>> save()  # at the end of the page  # doctest: +SKIP
    """
    store = f"{prefix}saved_widgets"
    for key, value in st.session_state.get(store, {}).items():
        if key not in st.session_state:
            st.session_state[key] = value
    wanted = list(keys)

    def save() -> None:
        st.session_state[store] = {k: st.session_state[k] for k in wanted if k in st.session_state}

    save()
    return save
