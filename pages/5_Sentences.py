"""Sentences: from word vectors to sentence vectors, averaged three ways or pooled by the transformer."""

from __future__ import annotations

import streamlit as st

from explorer import cache, links, ui
from explorer import sentences as sv
from explorer.charts import sentences as charts
from explorer.pagestate import Field, PageState

st.set_page_config(page_title="Sentences · Embedding Explorer", page_icon=":material/notes:", layout="wide")

PRESETS = sv.load_presets()
DEFAULT_PRESET = "support"
TEXT_LINK_CHARS = 1500  # longer sentence lists are left out of the link (the preset opens instead)
PAGE_STATE = PageState(
    "sentences.",
    (
        Field("sentences.preset", DEFAULT_PRESET, parse=links.choice(list(PRESETS))),
        # None: the chosen preset's sentences and query (a link naming only a preset opens them)
        Field(
            "sentences.text",
            None,
            parse=links.text(links.MAX_PARAM_CHARS),
            link_when=lambda v: (
                len(v["sentences.text"] or "") <= TEXT_LINK_CHARS
                and (v["sentences.text"] or "").strip() != getattr(PRESETS.get(v["sentences.preset"]), "text", None)
            ),
        ),
        Field("sentences.query", None, parse=links.text(300)),
        Field("sentences.vectors", ui.default_vector_set, parse=ui.parse_vector_set),
        Field("sentences.metric", "cosine", parse=links.choice(list(sv.METRICS))),
        Field("sentences.topn", 3, parse=links.int_in(1, 10)),
        Field("sentences.focus", None),
        Field("sentences.focus_method", None),
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
for key, field in (("sentences.text", "text"), ("sentences.query", "query")):
    if st.session_state[key] is None:
        st.session_state[key] = getattr(PRESETS[st.session_state["sentences.preset"]], field)

st.title("Sentences: from word vectors to sentence vectors")
st.markdown(
    "How do whole messages compare? The simplest answer **averages the word vectors** of a sentence; that "
    "average is dominated by *the*, *of* and *and* unless stopwords are dropped or words are weighted by "
    "**TF-IDF** (rare words count more; document frequencies come from the sidebar's corpus). A sentence "
    "transformer instead **pools its last layer's token states**, which already carry context. Below, the four "
    "methods compare the same sentences side by side."
)


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
    text = st.text_area(
        "Sentences, one per line", key="sentences.text", height=240,
        help=f"The transformer reads at most {state.settings.max_sentences:,} sentences of at most "
        f"{state.settings.max_sentence_chars:,} characters here; the averaging methods take up to {sv.MAX_SENTENCES}.",
    )  # fmt: skip
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


try:
    sentences = sv.parse_sentences(text)
except sv.SentenceError as exc:
    st.error(str(exc))
    st.stop()

# ----- encode with every method -----------------------------------------------------------------
view = sv.encode_all(
    sentences,
    query,
    wv,
    cache.get_document_frequencies(state.corpus) if wv is not None else None,
    lambda texts: cache.get_transformer_sentence_vectors(state.model, str(state.device), tuple(texts)),
    transformer_name=state.model_label,
)
results, failures, methods = view.results, view.failures, list(view.methods)
for message in view.warnings:
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
                fig = charts.similarity_heatmap(view.matrix(method, metric), sentences, metric=metric, title=sv.METHOD_LABELS[method])  # fmt: skip
                ui.chart(fig, key=f"sentences.heatmap.{method}", file_stem=f"sentences_{method}_{metric}")
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
    table = sv.match_table(view, metric, topn)
    st.caption(
        f"“{query.strip()}” against the sentences, best first; in brackets the "
        + ("cosine similarity (higher is closer)." if metric == "cosine" else "Euclidean distance (lower is closer).")
    )
    if methods:
        st.table(table.columns, border="horizontal", hide_index=True)
    for note in table.notes:
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
    # The options are the labels themselves, so a label never outlives the sentences it names.
    focus_labels = [f"S{i + 1}: {s}" for i, s in enumerate(sentences)]
    if st.session_state["sentences.focus"] not in focus_labels:
        st.session_state["sentences.focus"] = focus_labels[0]
    if st.session_state["sentences.focus_method"] not in methods:
        st.session_state["sentences.focus_method"] = methods[0]
    focus = focus_labels.index(col_pick.selectbox("Sentence", focus_labels, key="sentences.focus"))
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
        ui.chart(fig, key="sentences.contributions", file_stem=f"sentence_{focus + 1}_{focus_method}_contributions")
    left_out = chosen.left_out(focus)
    if left_out:
        st.caption(left_out)
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
    series = view.lengths()
    if series:
        ui.chart(charts.norm_by_length(series, sv.METHOD_LABELS, sentences), key="sentences.norms", file_stem="sentence_vector_lengths")  # fmt: skip
binding.save()
