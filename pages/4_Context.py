"""Context: one word across sentences, a transformer's vector per occurrence, layer by layer."""

from __future__ import annotations

import streamlit as st

from explorer import cache, contextual, links, ui
from explorer.charts import context as charts
from explorer.pagestate import Field, PageState
from explorer.settings import get_settings
from explorer.ui import context_layers as layers_ui
from explorer.ui import index_source as ix
from explorer.ui.token_visibility import token_visibility
from explorer.wording import count

st.set_page_config(page_title="Context · Embedding Explorer", page_icon=":material/search:", layout="wide")

PRESETS = contextual.load_presets()
SOURCES = {"preset": "A preset", "custom": "My own sentences", "corpus": "Sentences from the corpus", **ix.SOURCE}
MAX_LAYERS = 100  # a link's layer is checked against the loaded model below
MAX_SAMPLE = min(100, get_settings().max_sentences)  # the transformer reads at most this many at once here


def _source_is(name: str):
    return lambda v: v["context.source"] == name


PAGE_STATE = PageState(
    "context.",
    (
        Field("context.source", "preset", parse=links.choice(list(SOURCES))),
        Field("context.preset", "bank", parse=links.choice(list(PRESETS)), link_when=_source_is("preset")),
        Field("context.word", PRESETS["bank"].word, parse=links.text(40), link_when=_source_is("custom")),
        Field(
            "context.text",
            PRESETS["bank"].as_lines(),
            parse=links.text(links.MAX_PARAM_CHARS),
            link_when=_source_is("custom"),
        ),
        Field("context.corpus_word", "charge", parse=links.text(40), link_when=_source_is("corpus")),
        Field("context.sample", 30, parse=links.int_in(2, MAX_SAMPLE), link_when=_source_is("corpus")),
        Field("context.seed", 0, parse=links.int_in(0, 2**31 - 1), link_when=_source_is("corpus")),
        Field("context.layer", None, parse=links.int_in(0, MAX_LAYERS)),
        Field("context.center", False, parse=links.flag()),
        Field("context.pooling", "mean", parse=links.choice(list(contextual.POOLINGS))),
        Field("context.visible_occurrence", None),
        *ix.page_fields(_source_is("index")),
        *layers_ui.page_fields(),
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
st.title("Context: one word, a different vector in every sentence")
st.markdown(
    "A lookup table (word2vec, GloVe, or a transformer's own input-embedding table) gives a word **one row**, "
    "whatever the sentence. A transformer gives **every occurrence its own vector**, shaped by the words around "
    "it. Below, each cell is the cosine similarity of the word's vectors in two sentences: on the left from the "
    "transformer's hidden states, on the right from the lookup table."
)

embedder = ui.load_embedder(state, "this page cannot compute contextual vectors")
if embedder is None:
    st.stop()
num_layers = embedder.num_layers
layer_note = ui.clamp_to_range("context.layer", 0, num_layers, f"{embedder.name} has layers 0 to {num_layers}")
if layer_note:
    st.warning(layer_note)

# ----- what to compare ------------------------------------------------------------------------
source = st.radio("Sentences", list(SOURCES), format_func=SOURCES.get, key="context.source", horizontal=True)
word, sentences, labels, stack = "", [], None, None
if source == "preset":
    name = st.selectbox(
        "Preset", list(PRESETS), key="context.preset", format_func=lambda n: f"{n}: {PRESETS[n].description}"
    )
    preset = PRESETS[name]
    word, sentences, labels = preset.word, list(preset.sentences), list(preset.labels)
    with st.expander(f"The {len(sentences)} sentences and their senses"):
        st.dataframe(
            {"#": list(range(1, len(sentences) + 1)), "sentence": sentences, "sense": labels},
            hide_index=True,
            width="stretch",
        )
elif source == "custom":
    col_word, col_text = st.columns([1, 3])
    word = col_word.text_input("Word", key="context.word", help="Matched as a whole word, any case.")
    col_word.caption("To start from an example, pick a preset and switch back here; its sentences stay editable.")
    text = col_text.text_area(
        "Sentences, one per line; add ` | sense` at the end of a line to label it",
        key="context.text",
        height=220,
        help="Example line: `The bank approved my loan. | money`. With a sense on every line the page measures "
        "how well the senses separate at each layer; without them it suggests a grouping. This server reads at "
        f"most {state.settings.max_sentences:,} sentences of at most {state.settings.max_sentence_chars:,} characters.",
    )
    try:
        parsed = contextual.parse_sentence_lines(text)
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    sentences, labels = list(parsed.sentences), None if parsed.labels is None else list(parsed.labels)
    if parsed.unlabeled_note:
        st.warning(parsed.unlabeled_note)
elif source == "index":  # a corpus index's stored vectors: no model run (explorer/ui/index_source.py)
    word, sentences, stack, num_layers = ix.pick(state)
else:
    col_word, col_n, col_seed = st.columns([2, 1, 1])
    word = col_word.text_input("Word to find in the corpus", key="context.corpus_word")
    st.session_state["context.sample"] = max(2, min(int(st.session_state["context.sample"]), MAX_SAMPLE))
    n_max = col_n.number_input("At most this many sentences", 2, MAX_SAMPLE, key="context.sample", help=f"This server reads at most {MAX_SAMPLE} at once.")  # fmt: skip
    seed = col_seed.number_input("Sampling seed", min_value=0, max_value=2**31 - 1, key="context.seed")
    if word.strip():
        found = list(state.corpus.sentences_with(word.strip()))
        sentences = contextual.sample_sentences(found, int(n_max), seed=int(seed))
        note = f", a random sample of {len(sentences)} (change the seed for another)" if len(found) > n_max else ""
        st.caption(f"{count(len(found), 'sentence')} of **{state.corpus.name}** contain “{word.strip()}”{note}.")

col_layer, col_center, col_pool = st.columns([3, 1, 1])
layer = col_layer.slider(
    "Layer",
    min_value=0,
    max_value=num_layers,
    key="context.layer",
    help=f"0 is the embedding output (the lookup row plus position); {num_layers} is the last layer of "
    f"{embedder.name}.",
)
center = col_center.toggle(
    "Center the vectors",
    key="context.center",
    help="Subtract the mean occurrence vector before the cosine. Contextual vectors share a common direction "
    "(anisotropy) that makes every cosine high; centering removes it.",
)
pooling = col_pool.selectbox(
    "Subword pooling",
    list(contextual.POOLINGS),
    key="context.pooling",
    help="A word split into several pieces (house ##plant) gets the mean, the first or the last piece's state.",
)

# ----- compute (all layers once; the slider only picks one) -----------------------------------
word = word.strip()
if not word:
    st.info("Type a word to compare across sentences.")
    st.stop()
if not sentences:
    st.warning(f"No sentence of {state.corpus.name} contains “{word}”. Try another word or corpus.")
    st.stop()
try:
    stack = stack or cache.get_context_layers(state.model, str(state.device), tuple(sentences), word, pooling)
except ValueError as exc:
    st.error(f"The vectors could not be computed: {exc}")
    st.stop()

notes = contextual.stack_notes(stack, sentences, embedder.max_length)
if notes.missing:
    st.warning(notes.missing)
if notes.truncated:
    st.info(notes.truncated)
try:
    view = contextual.layer_view(stack, layer, center=center, labels=labels, static_vector=embedder.static_vector(word))
except ValueError as exc:
    st.error(str(exc))
    st.stop()
occ, names = view.occurrences, list(view.names)

pieces = embedder.word_pieces(word)
st.markdown(
    f"**Static lookup:** every cell is **1.00**: the table has one row for “{word}”, the same in every sentence. "
    f"**Contextual, layer {layer}:** cosines from **{view.pair_min:.2f}** to **{view.pair_max:.2f}** "
    f"(mean {view.pair_mean:.2f}) over {count(len(occ), 'occurrence')}."
    + (f" “{word}” is split into {' + '.join(pieces)}; their states are pooled ({pooling})." if len(pieces) > 1 else "")
)
if center:
    st.caption(
        f"Centering applies to the contextual side only. The lookup table has a single row for “{word}”, so "
        "centering it would subtract that row from itself and leave nothing to compare: its cells stay 1.00."
    )
heatmap = cache.shared_figure(charts.heatmap_pair, view.matrix, view.static, names, list(occ.sentences), layer=layer, centered=center, word=word, order=view.order, clickable=True)  # fmt: skip
heat_pick = ui.chart(heatmap, key=layers_ui.chart_key("heatmap"), file_stem=f"context_{word}_layer{layer}", data=lambda: contextual.matrix_csv(view.matrix, names, list(occ.sentences)), on_select="rerun", selection_mode="points")  # fmt: skip
if view.seriated:
    st.caption(contextual.views.SERIATION_NOTE)

# ----- senses ---------------------------------------------------------------------------------
col_sense, col_map = st.columns(2)
with col_sense:
    if view.separation:
        here, best = view.here, view.best_layer
        same, cross = [s.same for s in view.separation], [s.cross for s in view.separation]
        ui.chart(cache.shared_figure(charts.separation_chart, same, cross, current_layer=layer, centered=center), key="context.separation", file_stem=f"context_{word}_separation")  # fmt: skip
        m1, m2, m3 = st.columns(3)
        m1.metric("Same sense", f"{here.same:.2f}", help="Mean cosine of pairs with the same sense label.")
        m2.metric("Different sense", f"{here.cross:.2f}", help="Mean cosine of pairs with different labels.")
        m3.metric(f"Separation, layer {layer}", f"{here.score:+.2f}", help="Same minus different.")
        st.caption(f"The senses are furthest apart at layer {best} (separation {view.separation[best].score:+.2f}).")
    else:
        if view.labels is not None:
            st.info("Every sentence has the same sense label; give at least two senses to measure separation.")
        else:
            st.caption("No sense labels: the grouping below is suggested by clustering the heatmap.")
        st.dataframe(
            {"group": list(view.groups), "occurrence": names, "sentence": list(occ.sentences)},
            hide_index=True,
            width="stretch",
        )
        st.caption("Add ` | sense` to each line (My own sentences) to see where in the network the senses split.")
with col_map:
    occurrence_map = cache.shared_figure(charts.occurrence_map, view.coords, list(view.groups), names, list(occ.sentences), view.variance_share)  # fmt: skip
    map_pick = ui.chart(occurrence_map, key=layers_ui.chart_key("map"), file_stem=f"context_{word}_layer{layer}_map", on_select="rerun", selection_mode="points")  # fmt: skip
layers_ui.senses_by_neighbours(
    view, stack, source, [("heatmap", heat_pick, None), ("map", map_pick, list(view.groups))]
)
layers_ui.how_contextual(state, source, word, stack, list(sentences), pooling, layer)

token_visibility(embedder, occ, names, word)
binding.save()
