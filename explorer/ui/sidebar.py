"""The sidebar every page shares: navigation, the corpus (built-in or uploaded), transformer and device."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st
import torch
from streamlit.errors import StreamlitPageNotFoundError

from explorer import cache, corpus, links, readers
from explorer.contextual import ContextualEmbedder
from explorer.corpus import Corpus
from explorer.device import describe_device, select_device
from explorer.errors import CorpusError, LimitError
from explorer.limits import check_upload_size
from explorer.pagestate import Field, PageState
from explorer.settings import Settings, get_settings
from explorer.sources import megabytes
from explorer.ui.messages import show_error
from explorer.ui.session import upload_read_budget
from explorer.ui.state import copy_link_control, restore, write_link

DEFAULT_CORPUS = "support_tickets"
UPLOAD_CHOICE = "__upload__"
BUNDLED_MODEL_LABEL = "all-MiniLM-L6-v2 (bundled, offline)"
UPLOADED_CORPUS_KEY = "sidebar.uploaded_corpus"  # (fingerprint, Corpus) of this visitor's upload

SIDEBAR_STATE = PageState(
    "sidebar.",
    (
        Field(
            "sidebar.corpus",
            DEFAULT_CORPUS,
            parse=links.builtin_name([*corpus.builtin_names(), UPLOAD_CHOICE]),
            link_when=lambda v: v["sidebar.corpus"] != UPLOAD_CHOICE,
        ),
        Field("sidebar.upload_column", None),
    ),
)


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


MODEL_NAME_CHARS = 22  # what a metric shows whole in a third of a wide page


def short_model_name(label: str) -> str:
    """A model's name short enough for a metric: no "(bundled, offline)", a path's last folder only.

    >>> short_model_name("all-MiniLM-L6-v2 (bundled, offline)"), short_model_name("/models/org/bert-base-cased/")
    ('all-MiniLM-L6-v2', 'bert-base-cased')
    """
    name = str(label).split(" (", 1)[0].rstrip("/\\")
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or str(label)
    return name if len(name) <= MODEL_NAME_CHARS else name[: MODEL_NAME_CHARS - 1] + "…"


def _corpus_picker(settings: Settings) -> Corpus:
    names = corpus.builtin_names()
    choices = names + [UPLOAD_CHOICE]
    if st.session_state.get("sidebar.corpus") not in choices:
        st.session_state["sidebar.corpus"] = DEFAULT_CORPUS
    choice = st.sidebar.selectbox(
        "Corpus",
        choices,
        format_func=lambda n: "Upload your own…" if n == UPLOAD_CHOICE else corpus.builtin_info(n)["title"],
        key="sidebar.corpus",
        help="Built-in corpora ship with the app. Uploads stay in your browser session only.",
    )
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
    held = st.session_state.get(UPLOADED_CORPUS_KEY)
    # No ``type=`` filter: Streamlit would refuse a .cor or .log text file with a bare "files are not
    # allowed"; the reader looks at the content instead and explains a file that is not text.
    file = st.sidebar.file_uploader(
        "Text file",
        key="sidebar.upload",
        max_upload_size=settings.max_upload_mb,  # the uploader shows and enforces this server's limit
        help=f".txt, .csv/.tsv (pick the text column), .jsonl (pick the field), .zip of .txt files, or plain text "
        f"under any other name; up to {megabytes(settings.max_upload_bytes)} MB. Uploaded text cannot travel in a "
        "shared link.",
    )
    if file is None:
        if held is None:
            return None
        # Streamlit's uploader forgets its file on a page switch; the parsed corpus stays in the session.
        st.sidebar.caption(f"In use: **{held[1].name}**, uploaded earlier in this session.")
        st.sidebar.button(
            "Remove this upload", icon=":material/delete:", on_click=_forget_upload, key="sidebar.remove_upload"
        )
        return held[1]
    try:
        check_upload_size(settings, file.size, file.name)
        columns = readers.list_columns(file)
    except (LimitError, CorpusError) as exc:
        st.sidebar.error(settings.for_visitor(str(exc)))
        return None
    column = None
    if columns is not None:
        if st.session_state.get("sidebar.upload_column") not in columns:
            guess = readers.guess_text_column(columns)
            st.session_state["sidebar.upload_column"] = guess if guess in columns else columns[0]
        column = st.sidebar.selectbox(
            "Text column" if not file.name.lower().endswith(".jsonl") else "Text field",
            columns,
            key="sidebar.upload_column",
        )
    data = file.getvalue()
    fingerprint = hashlib.sha256(data).hexdigest() + f":{column}"
    if held is not None and held[0] == fingerprint:
        return held[1]
    file.seek(0)
    try:
        cost = readers.read_cost_bytes(file.size, file.name, settings.max_tokens)
        with cache.admit_upload(cost, f"reading {file.name}"), st.spinner(f"Reading {file.name}…"):
            parsed = Corpus.from_file(
                file,
                column=column,
                name=file.name,
                max_bytes=settings.max_upload_bytes,
                max_tokens=settings.max_tokens,
                budget=upload_read_budget(),
            )
    except (CorpusError, LimitError) as exc:
        st.sidebar.error(settings.for_visitor(str(exc)))
        return None
    st.session_state[UPLOADED_CORPUS_KEY] = (fingerprint, parsed)
    return parsed


def _forget_upload() -> None:
    st.session_state.pop(UPLOADED_CORPUS_KEY, None)
    st.session_state["sidebar.corpus"] = DEFAULT_CORPUS


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
    restore(SIDEBAR_STATE, where=st.sidebar)
    _navigation()
    active = _corpus_picker(settings)
    st.sidebar.caption(
        f"**{active.name}**: {active.token_count:,} tokens, {active.vocab_size:,} distinct words, "
        f"{len(active.sentences):,} sentences."
    )
    for notice in active.notices:
        st.sidebar.warning(settings.for_visitor(notice))
    device = _device(settings)
    st.sidebar.markdown(f"**Transformer:** {model_label(settings.model)}")
    st.sidebar.markdown(f"**Device:** {describe_device(device)}")
    if settings.hosted:
        st.sidebar.caption("Hosted demo: limits on uploads, training time and points are tightened.")
    write_link([SIDEBAR_STATE], exact=False)
    copy_link_control()
    return SidebarState(
        corpus=active,
        device=device,
        device_label=describe_device(device),
        model=settings.model,
        model_label=model_label(settings.model),
        settings=settings,
    )


def load_embedder(state: SidebarState, needed_for: str) -> ContextualEmbedder | None:
    """The transformer the sidebar names, or None after saying why it could not be loaded and how to fix it."""
    try:
        return cache.get_embedder(state.model, str(state.device))
    except (OSError, ValueError) as exc:
        show_error(
            f"The transformer {state.model_label!r} could not be loaded, so {needed_for}. Unset EXPLORER_MODEL "
            "to use the bundled offline model, or point it at a local model folder",
            exc,
        )
        return None
