"""Sentences: from word vectors to sentence vectors, averaged three ways or pooled by the transformer."""

from __future__ import annotations

import streamlit as st

from explorer import cache, links, ui
from explorer import sentences as sv
from explorer.charts import sentences as charts

st.set_page_config(page_title="Sentences · Embedding Explorer", page_icon="📝", layout="wide")
state = ui.sidebar()

st.title("Sentences: from word vectors to sentence vectors")
st.markdown(
    "How do whole messages compare? The simplest answer **averages the word vectors** of a sentence; that "
    "average is dominated by *the*, *of* and *and* unless stopwords are dropped or words are weighted by "
    "**TF-IDF** (rare words count more; document frequencies come from the sidebar's corpus). A sentence "
    "transformer instead **pools its last layer's token states**, which already carry context. Below, the four "
    "methods compare the same sentences side by side."
)

PRESETS = sv.load_presets()
DEFAULT_PRESET = "support"
TEXT_LINK_CHARS = 1500  # longer sentence lists are left out of the link (the preset opens instead)

save_widgets = ui.keep_widgets(
    "sentences.", ["sentences.preset", "sentences.text", "sentences.query", "sentences.metric", "sentences.topn"]
)
ui.restore_from_link(
    {
        "sentences.preset": links.choice(list(PRESETS)),
        "sentences.text": links.text(links.MAX_PARAM_CHARS),
        "sentences.query": links.text(300),
        "sentences.metric": links.choice(list(sv.METRICS)),
        "sentences.topn": links.int_in(1, 10),
    }
)
preset_id = st.session_state.setdefault("sentences.preset", DEFAULT_PRESET)
st.session_state.setdefault("sentences.text", PRESETS[preset_id].text)
st.session_state.setdefault("sentences.query", PRESETS[preset_id].query)
st.session_state.setdefault("sentences.metric", "cosine")
st.session_state.setdefault("sentences.topn", 3)


def _use_preset() -> None:
    preset = PRESETS[st.session_state["sentences.preset"]]
    st.session_state["sentences.text"] = preset.text
    st.session_state["sentences.query"] = preset.query


# ----- input ----------------------------------------------------------------------------------
col_text, col_opts = st.columns([3, 2])
with col_text:
    preset = PRESETS[
        st.selectbox(
            "Preset",
            list(PRESETS),
            key="sentences.preset",
            format_func=lambda p: PRESETS[p].title,
            on_change=_use_preset,
            help="Choosing a preset replaces the sentences and the query below.",
        )
    ]
    st.caption(preset.description)
    text = st.text_area("Sentences, one per line", key="sentences.text", height=240)
with col_opts:
    wv = ui.vector_set_picker(state, key="sentences.vectors")
    query = st.text_input("Query sentence", key="sentences.query", help="Ranked against the sentences on the left.")
    metric = st.radio(
        "Compare by",
        list(sv.METRICS),
        key="sentences.metric",
        format_func=sv.METRIC_LABELS.get,
        horizontal=True,
        help="Cosine looks at directions only; Euclidean distance also sees the vectors' lengths (see the end of "
        "the page).",
    )
    topn = st.slider("Matches to show", 1, 10, key="sentences.topn")

link_keys = ["sentences.preset", "sentences.query", "sentences.metric", "sentences.topn"]
if text.strip() != preset.text and len(text) <= TEXT_LINK_CHARS:
    link_keys.append("sentences.text")
elif "sentences.text" in st.query_params:
    del st.query_params["sentences.text"]
ui.write_link(link_keys)
save_widgets()

try:
    sentences = sv.parse_sentences(text)
except sv.SentenceError as exc:
    st.error(str(exc))
    st.stop()

# ----- encode with every method -----------------------------------------------------------------
results: dict[str, sv.SentenceVectors] = {}
queries: dict[str, sv.SentenceVectors] = {}
failures: dict[str, str] = {}
if wv is None:
    for method in sv.AVERAGING_METHODS:
        failures[method] = "No static vector set is chosen: pick one above (train one on the Train page)."
else:
    doc_freq = cache.get_document_frequencies(state.corpus)
    for method in sv.AVERAGING_METHODS:
        results[method] = sv.encode_average(sentences, wv, method, document_frequencies=doc_freq)
        if query.strip():
            queries[method] = sv.encode_average([query.strip()], wv, method, document_frequencies=doc_freq)
try:
    results["transformer"] = cache.get_transformer_sentence_vectors(state.model, str(state.device), sentences)
    if query.strip():
        queries["transformer"] = cache.get_transformer_sentence_vectors(
            state.model, str(state.device), (query.strip(),)
        )
except (OSError, ValueError) as exc:
    failures["transformer"] = f"The transformer {state.model_label!r} could not be loaded ({exc})."

methods = [m for m in sv.METHODS if m in results]
for message in sv.empty_warnings({m: results[m] for m in methods}):
    st.warning(message)
if "tfidf" in results:
    st.caption(
        f"TF-IDF document frequencies: each of the {cache.get_document_frequencies(state.corpus).n_documents:,} "
        f"sentences of **{state.corpus.name}** is one document (change the corpus in the sidebar)."
    )

# ----- heatmaps ---------------------------------------------------------------------------------
st.subheader(f"{sv.METRIC_LABELS[metric]} of every pair of sentences")
if len(sentences) < 2:
    st.info(
        "Only one sentence: add a second line to compare sentences. The words behind the sentence's vector are "
        "shown below."
    )
else:
    st.caption(
        "Cells are darker for more alike sentences (higher cosine, or smaller distance). Hover a cell to read "
        "both sentences. "
        + (
            "Cosine uses one colour scale for all four methods."
            if metric == "cosine"
            else "Each method has its own distance scale: vector lengths differ between methods, so compare "
            "the pattern within a heatmap, not the numbers across them."
        )
    )
    all_methods = list(sv.METHODS)
    for row in range(2):
        cols = st.columns(2)
        for col, method in zip(cols, all_methods[2 * row : 2 * row + 2], strict=True):
            with col:
                if method in failures:
                    st.markdown(f"**{sv.METHOD_LABELS[method]}**")
                    st.error(failures[method])
                    continue
                fig = charts.similarity_heatmap(
                    sv.compare(results[method], metric),
                    sentences,
                    metric=metric,
                    title=sv.METHOD_LABELS[method],
                )
                st.plotly_chart(fig, width="stretch", key=f"sentences.heatmap.{method}")
    with st.expander("Sentence numbers", expanded=len(sentences) <= 12):
        st.dataframe(
            {"#": [f"S{i + 1}" for i in range(len(sentences))], "sentence": list(sentences)},
            hide_index=True,
            width="stretch",
        )

# ----- query ------------------------------------------------------------------------------------
st.subheader("Top matches for the query")
if not query.strip():
    st.info("Type a query sentence above to rank the sentences against it.")
else:
    n_rows = min(topn, len(sentences))
    table: dict[str, list[str]] = {"rank": [str(r) for r in range(1, n_rows + 1)]}
    notes = sv.empty_warnings({m: queries[m] for m in methods}, query=True)
    for method in methods:
        column = sv.METHOD_LABELS[method]
        matches = []
        if not queries[method].empty:
            try:
                matches = sv.top_matches(queries[method], results[method], metric, topn=topn)
            except sv.SentenceError as exc:
                notes.append(f"**{column}:** {exc}")
        cells = [f"S{m.index + 1} ({m.score:.2f}) {sv.shorten(m.sentence, 70)}" for m in matches]
        table[column] = cells + ["–"] * (n_rows - len(cells))
    st.caption(
        f"“{query.strip()}” against the sentences, best first; in brackets the "
        + ("cosine similarity (higher is closer)." if metric == "cosine" else "Euclidean distance (lower is closer).")
    )
    if methods:
        st.table(table, border="horizontal", hide_index=True)
    for note in notes:
        st.warning(note)

# ----- contributions ----------------------------------------------------------------------------
st.subheader("Which words make each sentence vector")
st.markdown(
    "Each bar is a word's **share of the sentence vector's length**: its weight in the average times how far its "
    "vector points along the sentence's direction. The shares add up to 100%. Grey bars are stopwords, red bars "
    "pull against the sentence's direction. For the transformer the bars are its subword tokens, [CLS] and [SEP] "
    "included, since they are pooled too."
)
if methods:
    col_pick, col_method = st.columns(2)
    focus = col_pick.selectbox(
        "Sentence",
        list(range(len(sentences))),
        format_func=lambda i: f"S{i + 1}: {sentences[i]}",
        key="sentences.focus",
    )
    focus_method = col_method.radio(
        "Method", methods, format_func=sv.METHOD_LABELS.get, key="sentences.focus_method", horizontal=True
    )
    chosen = results[focus_method]
    contributions = chosen.contributions(focus, topn=15)
    if not contributions:
        st.warning(chosen.empty_message() or "This sentence has no vector for this method.")
    else:
        fig = charts.contributions_bar(
            [c.word for c in contributions],
            [c.share for c in contributions],
            title=f"S{focus + 1} · {sv.METHOD_LABELS[focus_method]}",
            mark_stopwords=focus_method != "transformer",
        )
        st.plotly_chart(fig, width="stretch", key="sentences.contributions")
    left_out = []
    if chosen.unknown[focus]:
        left_out.append("not in the vector set: " + ", ".join(chosen.unknown[focus]))
    if chosen.removed[focus]:
        left_out.append("stopwords removed: " + ", ".join(chosen.removed[focus]))
    if left_out:
        st.caption("Left out of this average: " + "; ".join(left_out) + ".")
    for note in chosen.notes:
        st.caption(note)

# ----- why length matters -----------------------------------------------------------------------
with st.expander("Cosine or Euclidean: why length matters for one and not the other", expanded=metric == "euclidean"):
    st.markdown(
        "Word vectors point in many directions, so **averaging more of them gives a shorter vector**: the parts "
        "that disagree cancel (for unrelated directions the length falls roughly like 1/√n). A long sentence's "
        "average therefore sits near the origin, and **Euclidean distance**, which measures the gap between the "
        "points, calls two long sentences close whatever they say, and a short sentence far from everything. "
        "**Cosine similarity** compares only the directions, so it ignores the length the averaging took away. "
        "The transformer's vectors are scaled to length 1, so for them the two agree: distance² = 2 − 2·cosine."
    )
    series = {m: (results[m].token_counts, results[m].norms) for m in methods}
    if series:
        st.plotly_chart(
            charts.norm_by_length(series, sv.METHOD_LABELS, sentences), width="stretch", key="sentences.norms"
        )
