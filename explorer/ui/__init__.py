"""Widgets and state every page shares (the only place besides ``explorer.cache`` that imports Streamlit).

- ``bind_page``: a page's declared state (``explorer.pagestate``) kept across page switches,
  restored from links and written back (``state``);
- ``sidebar``: corpus, transformer and device (``sidebar``);
- ``vector_set_picker`` and this visitor's vector sets (``vectorsets``);
- ``chart``: a chart with its PNG, SVG, HTML and CSV downloads (``charts``);
- ``show_error`` / ``guarded``: failures as sentences (``messages``); any ``ExplorerError`` a page
  does not catch is drawn as a message too (``guard``, installed by ``bind_page`` and ``sidebar``);
- the training slot of this visitor (``training``).
"""

from __future__ import annotations

import streamlit as st

from explorer.pagestate import PageState
from explorer.ui.charts import chart
from explorer.ui.guard import install_error_guard
from explorer.ui.messages import clamp_to_range, guarded, show_error
from explorer.ui.share import share_for_page
from explorer.ui.sidebar import (
    BUNDLED_MODEL_LABEL,
    DEFAULT_CORPUS,
    SIDEBAR_STATE,
    UPLOAD_CHOICE,
    UPLOADED_CORPUS_KEY,
    SidebarState,
    load_embedder,
    model_label,
    short_model_name,
    sidebar,
)
from explorer.ui.state import (
    PageBinding,
    arrive,
    bounded_number,
    copy_link_control,
    kept_file_uploader,
    restore,
    shareable_url,
    write_link,
)
from explorer.ui.training import (
    acquire_training_slot,
    forget_training_run,
    keep_epoch_snapshot,
    keep_snapshot,
    live_messages,
    release_training_slot,
    run_provenance,
    session_token,
    snapshot_replay,
    training_controls,
    training_lease,
    training_run,
)
from explorer.ui.vectorsets import (
    ACTIVE_VECTORS_KEY,
    VECTOR_SETS_KEY,
    default_vector_set,
    parse_vector_set,
    register_vectors,
    session_vector_sets,
    vector_set_picker,
)
from explorer.vectorsets import REFERENCE_ID, REFERENCE_LABEL


def bind_page(page: PageState) -> PageBinding:
    """Bring back this page's values and the sidebar's before any widget draws, and write the link.

    Call it first on every page. Values come from the widget, else from the last visit, else (on
    the first visit in a session) from the link, else from the declaration's default.
    """
    install_error_guard()
    arrived = arrive(page.prefix)
    restore(SIDEBAR_STATE, arrived=arrived, where=st.sidebar)
    restore(page, arrived=arrived)
    write_link((SIDEBAR_STATE, page))
    return PageBinding(page, (SIDEBAR_STATE,))


__all__ = [
    "ACTIVE_VECTORS_KEY",
    "BUNDLED_MODEL_LABEL",
    "DEFAULT_CORPUS",
    "REFERENCE_ID",
    "REFERENCE_LABEL",
    "SIDEBAR_STATE",
    "UPLOADED_CORPUS_KEY",
    "UPLOAD_CHOICE",
    "VECTOR_SETS_KEY",
    "PageBinding",
    "SidebarState",
    "acquire_training_slot",
    "bind_page",
    "bounded_number",
    "chart",
    "clamp_to_range",
    "load_embedder",
    "copy_link_control",
    "default_vector_set",
    "guarded",
    "kept_file_uploader",
    "install_error_guard",
    "model_label",
    "parse_vector_set",
    "register_vectors",
    "release_training_slot",
    "run_provenance",
    "session_token",
    "share_for_page",
    "session_vector_sets",
    "shareable_url",
    "short_model_name",
    "show_error",
    "sidebar",
    "snapshot_replay",
    "training_lease",
    "training_run",
    "training_controls",
    "forget_training_run",
    "keep_epoch_snapshot",
    "live_messages",
    "keep_snapshot",
    "vector_set_picker",
]
