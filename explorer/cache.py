"""The one shared, cached model layer of the app.

Heavy read-only objects that every visitor may share (the transformer, the reference vector
set, the built-in corpora) live in ``st.cache_resource``; pure results live in
``st.cache_data``. Per-visitor mutable state (a trainer in progress, an uploaded corpus) never
comes here: it lives in ``st.session_state`` (see ``explorer.ui``).

Pages call these through the module (``cache.get_embedder(...)``) so tests can patch them.
"""

from __future__ import annotations

import streamlit as st

from explorer.contextual import ContextualEmbedder
from explorer.corpus import Corpus
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
