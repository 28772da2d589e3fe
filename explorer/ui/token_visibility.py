"""The Context page's last section: which tokens the word's state can see (encoder or decoder)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import cache, contextual
from explorer.charts import context as charts
from explorer.contextual.occurrences import Occurrences
from explorer.ui.charts import chart


def token_visibility(embedder: Any, occ: Occurrences, names: list[str], word: str) -> None:
    """A select box of the occurrences and the chart of what the chosen one's state attends to."""
    st.subheader("Why context gets in: what the word's state can see")
    # The options are the labels themselves, so a label never outlives the sentences it names.
    if st.session_state["context.visible_occurrence"] not in names:
        st.session_state["context.visible_occurrence"] = names[0]
    choice = st.selectbox("Sentence", names, key="context.visible_occurrence")
    vis = contextual.occurrence_visibility(embedder, occ, names.index(choice))
    figure = cache.shared_figure(charts.visibility_chart, vis.tokens, vis.target, vis.encoder, vis.causal)
    chart(figure, key="context.vis", file_stem=f"context_{word}_visibility")
    kind = "a decoder (causal)" if embedder.is_causal else "an encoder (bidirectional)"
    st.caption(
        f"{embedder.name} is {kind}. An encoder's state for the word mixes in every token of the sentence, left and "
        "right; a decoder's sees only the tokens before it, so the words after it cannot change its vector. "
        "The lookup table sees nothing: its row is the same in every sentence."
    )
