"""This visitor's vector sets (trained, uploaded, the reference table) and the picker every page uses."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from explorer import cache, vectorsets
from explorer.admission import trim_heap
from explorer.corpus import builtin_info, builtin_names
from explorer.errors import IndexBuildError, LimitError, LinkError, VectorsError
from explorer.index.views import index_vector_ids
from explorer.limits import check_upload_size
from explorer.settings import get_settings
from explorer.share import provenance
from explorer.sources import megabytes
from explorer.training import METHOD_TITLES
from explorer.ui import share
from explorer.ui.messages import show_error
from explorer.ui.session import upload_read_budget
from explorer.ui.sidebar import SidebarState
from explorer.vectors import WordVectors
from explorer.vectors_io import load_vectors
from explorer.vectorsets import REFERENCE_ID, REFERENCE_LABEL
from explorer.wording import count

VECTOR_SETS_KEY = "vectors.sets"  # dict id -> SessionVectorSet, this visitor's sets
ACTIVE_VECTORS_KEY = "vectors.active"  # id of the set trained or uploaded last
UPLOAD_OPTION = "__upload_vectors__"
SESSION_END_KEY = "vectors.session_end"  # a finalizer that returns the session's heap when the session ends
PARSED_UPLOAD_KEY = "vectors.parsed_upload"  # (picker key, file id) -> its set id: a rerun never parses again
HOSTED_UPLOADS_KEPT = 3  # uploaded vector sets one hosted session keeps (each may be tens of MB)


@dataclass(frozen=True)
class SessionVectorSet:
    """A vector set this visitor made: its id (see ``explorer.vectorsets``), label, vectors and, when known,
    how it was made (``explorer.share.provenance``: what a Share stores beside the vectors)."""

    id: str
    label: str
    vectors: WordVectors
    provenance: Mapping[str, Any] | None = None


class _SessionEnd:
    """Kept in a visitor's session state; when Streamlit drops the ended session, its finalizer hands the
    heap its vectors held back to the system, so an ended session's uploads stop counting as resident."""

    def __init__(self) -> None:
        weakref.finalize(self, trim_heap)


def register_vectors(
    label: str,
    vectors: WordVectors,
    make_active: bool = True,
    set_id: str | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> str:
    """Keep a visitor's vector set (trained or uploaded) for every page of this session; returns its id.

    In hosted mode a session keeps at most ``HOSTED_UPLOADS_KEPT`` uploaded sets: the oldest goes first.
    """
    set_id = set_id or vectorsets.upload_id(label)
    sets: dict[str, SessionVectorSet] = st.session_state.setdefault(VECTOR_SETS_KEY, {})
    st.session_state.setdefault(SESSION_END_KEY, _SessionEnd())
    sets.pop(set_id, None)
    if set_id.startswith("upload:") and get_settings().hosted:
        uploads = [i for i in sets if i.startswith("upload:")]
        for old in uploads[: max(0, len(uploads) - HOSTED_UPLOADS_KEPT + 1)]:
            dropped = sets.pop(old)
            st.info(f"{dropped.label} was let go: this server keeps {HOSTED_UPLOADS_KEPT} uploaded sets per visitor.")
    sets[set_id] = SessionVectorSet(set_id, label, vectors, provenance)
    if make_active:
        st.session_state[ACTIVE_VECTORS_KEY] = set_id
    return set_id


def session_vector_sets() -> dict[str, WordVectors]:
    """This visitor's own vector sets, by label."""
    return {s.label: s.vectors for s in st.session_state.get(VECTOR_SETS_KEY, {}).values()}


def default_vector_set() -> str:
    """The set a page opens on: the one trained or uploaded last in this session, else the reference."""
    active = st.session_state.get(ACTIVE_VECTORS_KEY)
    return active if active in st.session_state.get(VECTOR_SETS_KEY, {}) else REFERENCE_ID


def parse_vector_set(raw: str) -> str:
    """Link parser of a vector-set field: a valid id (checked against this session when the page draws)."""
    return vectorsets.parse_id(raw).text


def _explain_missing(key: str, wanted: str) -> None:
    """Say why a linked set is not here and how to get it; offer the Train page for a trained set."""
    parsed = vectorsets.parse_id(wanted)
    corpus_title = ""
    if parsed.corpus_source and parsed.corpus_source.startswith("builtin:"):
        name = parsed.corpus_source.split(":", 1)[1]
        corpus_title = builtin_info(name)["title"] if name in builtin_names() else name
    st.warning(vectorsets.missing_message(parsed, METHOD_TITLES.get(parsed.method or "", ""), corpus_title))
    if parsed.kind == "library" and (reason := cache.library_listing().reason(parsed.file_name or "")):
        st.caption(get_settings().for_visitor(f"The library holds a file of that name that cannot be read: {reason}"))
    if parsed.kind == "trained" and parsed.corpus_source and parsed.corpus_source.startswith("builtin:"):
        params = {"train.method": parsed.method or "sgns", "sidebar.corpus": parsed.corpus_source.split(":", 1)[1]}
        try:
            st.page_link(
                "pages/1_Train.py", label="Open the Train page with that method and corpus", query_params=params
            )
        except Exception:  # noqa: BLE001 - a page run on its own (AppTest) has no page registry to link to
            st.caption(f"Open the Train page, pick {params['train.method']} on {params['sidebar.corpus']}.")


def vector_set_picker(
    state: SidebarState, key: str, allow_upload: bool = True, label: str = "Vector set"
) -> WordVectors | None:
    """Choose among the session's vector sets, the reference set, or an uploaded file (state under ``key``).

    A page may hold several pickers, each under its own ``key`` and ``label`` (the Compare page's A and B).

    The chosen id lives in ``st.session_state[key]`` (declare it in the page's state with
    ``default=default_vector_set`` and ``parse=parse_vector_set`` so it travels in links). A link
    naming a set this session lacks gets a message saying why, and the reference set instead.
    Returns None (after showing why) when nothing usable is chosen.
    """
    sets: dict[str, SessionVectorSet] = st.session_state.get(VECTOR_SETS_KEY, {})
    indexed = _index_sets(state)  # id -> label: each stored layer of each index of EXPLORER_INDEX_DIR
    shelf = cache.library_listing()  # the vector files of EXPLORER_DATA_DIR/vectors
    shelved = {vectorsets.library_id(f.name): f.label for f in shelf.readable}  # an unreadable one is never offered
    wanted = st.session_state.get(key)
    gone = share.check_linked(key, wanted)  # a shared set named by the link or chosen before: still in the store?
    shared = share.offered()  # the shared sets this session shared or opened
    options = [*sets, *shared, REFERENCE_ID, *shelved, *indexed] + ([UPLOAD_OPTION] if allow_upload else [])
    if wanted not in options:
        if gone is not None:
            st.warning(get_settings().for_visitor(gone))
        elif wanted is not None:
            with contextlib.suppress(LinkError):
                _explain_missing(key, wanted)
        st.session_state[key] = REFERENCE_ID
    labels = {REFERENCE_ID: REFERENCE_LABEL, UPLOAD_OPTION: "Upload a vector file…"}
    labels.update({i: s.label for i, s in sets.items()} | shared | shelved | indexed)
    choice = st.selectbox(
        label,
        options,
        format_func=lambda i: labels.get(i, i),
        key=key,
        help="Vectors you trained on the Train page, the transformer's input-embedding rows, a file of the "
        "server's vector library, or a file (word2vec text/binary, GloVe text, or TensorFlow-projector vectors.tsv).",
    )
    if shelf.unreadable:
        with st.expander(f"{len(shelf.unreadable)} file(s) of the vector library cannot be opened"):
            for bad in shelf.unreadable:
                st.caption(get_settings().for_visitor(f"**{bad.name}**: {bad.reason}"))
    if choice == REFERENCE_ID:
        try:
            wv = cache.get_reference_vectors(state.model, str(state.device))
        except (OSError, ValueError) as exc:
            show_error("The transformer could not be loaded, so its input vectors are not available", exc)
            return None
    elif choice == UPLOAD_OPTION:
        wv = _uploaded_vectors(state, key)
    elif choice in shelved:
        wv = _library_set(choice)
    elif choice in indexed:
        wv = _index_vectors(state, choice)
    elif choice in shared:
        wv = share.vectors_of(key, choice)
    else:
        wv = sets[choice].vectors
    if wv is not None:
        for notice in wv.notices:
            st.info(get_settings().for_visitor(notice))
        st.caption(f"**{wv.name}**: {count(len(wv), 'word')}, {count(wv.vector_size, 'dimension')}. {_why(choice)}")
    if choice == UPLOAD_OPTION and wv is not None:  # the file just read is kept as a set of its own: share that
        choice = st.session_state.get(f"{key}.upload_id", choice)
    share.controls(
        key, choice, st.session_state.get(VECTOR_SETS_KEY, {})
    )  # Share for the visitor's own sets; provenance and Delete for shared ones
    return wv


def _index_sets(state: SidebarState) -> dict[str, str]:
    """The distilled vectors of every index of the server's folder, one set per stored layer: id -> label."""
    return index_vector_ids(cache.index_listing().readable)  # an unreadable index is never offered


def _library_set(choice: str) -> WordVectors | None:
    name = vectorsets.parse_id(choice).file_name or ""
    try:
        return cache.get_library_vectors(name)
    except (VectorsError, OSError) as exc:
        show_error(f"The library file {name} could not be read", exc)
        return None


def _index_vectors(state: SidebarState, choice: str) -> WordVectors | None:
    parsed = vectorsets.parse_id(choice)
    try:
        return cache.get_index_vectors(parsed.index_name or "", parsed.layer or 0)
    except (IndexBuildError, VectorsError, OSError) as exc:
        show_error(f"The distilled vectors of the index {parsed.index_name} could not be read", exc)
        return None


def _why(choice: str) -> str:
    """Why this set is the one in use, so a result that looks odd (all cosines near 1) can be traced to it."""
    if choice == REFERENCE_ID:
        return "The transformer's own input table: general English, the same in every session."
    if choice == st.session_state.get(ACTIVE_VECTORS_KEY):
        return "In use because it is the set you trained or uploaded last; pick another above."
    return ""


def _uploaded_vectors(state: SidebarState, key: str) -> WordVectors | None:
    settings = state.settings
    file = st.file_uploader(
        "Vector file",
        key=f"{key}.file",
        max_upload_size=state.settings.max_upload_mb,
        help="word2vec text (.txt/.vec) or binary (.bin), GloVe text, vectors.tsv (+ metadata.tsv), or a fastText "
        f"model (.bin); gzip allowed; up to {megabytes(settings.max_upload_bytes)} MB and "
        f"{settings.max_upload_rows:,} words. Any extension: the content decides.",
    )
    meta = st.file_uploader(
        "metadata.tsv (optional, for vectors.tsv)", key=f"{key}.meta", max_upload_size=state.settings.max_upload_mb
    )
    if file is None:
        st.info("Upload a vector file to use it here.")
        return None
    set_id = vectorsets.upload_id(file.name)
    parsed: dict[str, str] = st.session_state.setdefault(PARSED_UPLOAD_KEY, {})
    fingerprint = f"{file.file_id}:{getattr(meta, 'file_id', '')}"
    held = st.session_state.get(VECTOR_SETS_KEY, {}).get(set_id)
    st.session_state[f"{key}.upload_id"] = set_id
    if held is not None and parsed.get(key) == fingerprint:
        return held.vectors  # read on an earlier run: a rerun never parses the file again
    try:
        check_upload_size(settings, file.size, file.name)
        wv = load_vectors(
            file,
            metadata=meta,
            name=file.name,
            max_bytes=settings.max_upload_bytes,
            max_rows=settings.max_upload_rows,
            budget=upload_read_budget(),
            admit=cache.admit_upload,
        )
    except LimitError as exc:
        st.error(settings.for_visitor(f"{exc} Trim the file (the most frequent words first)."))
        return None
    except (VectorsError, ValueError) as exc:
        st.error(settings.for_visitor(f"{file.name} could not be read as word vectors: {exc}"))
        return None
    label = f"Uploaded: {file.name}"
    register_vectors(label, wv, make_active=False, set_id=set_id, provenance=provenance.uploaded(file.name, wv))
    parsed[key] = fingerprint
    st.caption(f"Kept in this session as **Uploaded: {file.name}**: every page can pick it now.")
    return wv
