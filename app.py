"""Home page of Embedding Explorer: what the app is, what runs it, and the way into each page."""

from __future__ import annotations

import streamlit as st

from explorer import cache, ui
from explorer.pages_index import PAGES
from explorer.pagestate import PageState

st.set_page_config(page_title="Embedding Explorer", page_icon=":material/explore:", layout="wide")
binding = ui.bind_page(PageState("home.", ()))
state = ui.sidebar()
# Compile UMAP in the background once per process, so the first UMAP a visitor asks for is quick.
cache.start_umap_warmup()
cache.start_tsne_warmup()

st.title("Embedding Explorer")
st.markdown(
    "See how words become vectors, and why context matters. Train static embeddings live, "
    "project any vector set, ask analogy questions, and watch a transformer give one word a "
    "different vector in every sentence."
)

col_corpus, col_model, col_device = st.columns(3)
col_corpus.metric(
    "Corpus", state.corpus.name, f"{state.corpus.token_count:,} tokens", delta_color="off", delta_arrow="off"
)
col_device.metric("Device", state.device_label)
loading = cache.start_embedder_warmup(state.model, str(state.device))


@st.fragment(run_every=1.0 if loading.is_alive() else None)
def transformer_status() -> None:
    """The transformer loads in the background; the badge turns to "ready" when it has."""
    if loading.is_alive():
        col_model.metric(
            "Transformer", ui.short_model_name(state.model_label), "loading in the background…", delta_color="off",
            delta_arrow="off", help=f"{state.model_label}: loading in the background",
        )  # fmt: skip
        col_model.caption("Train, Project and Analogies work now; Context and Sentences wait for the model.")
        return
    try:
        embedder = cache.get_embedder(state.model, str(state.device))
    except (OSError, ValueError) as exc:
        col_model.metric("Transformer", ui.short_model_name(state.model_label), "not loaded", delta_color="off", delta_arrow="off", help=state.model_label)  # fmt: skip
        ui.show_error("The transformer could not be loaded; the Context page needs it", exc)
        return
    col_model.metric(
        "Transformer", ui.short_model_name(embedder.name), f"{embedder.num_layers} layers, ready",
        delta_color="off", delta_arrow="off", help=f"{embedder.name} ({state.model_label})",
    )  # fmt: skip


transformer_status()
st.divider()
for page in PAGES:
    with st.container(border=True):
        st.page_link(page.path, label=page.title, icon=page.icon)
        st.markdown(page.summary)

binding.save()
