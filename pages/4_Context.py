"""Context: one word across sentences, a transformer's vector per occurrence, layer by layer."""

from __future__ import annotations

import streamlit as st

from explorer import cache, contextual, links, ui
from explorer.charts import context as charts

st.set_page_config(page_title="Context · Embedding Explorer", page_icon="🔍", layout="wide")
state = ui.sidebar()

st.title("Context: one word, a different vector in every sentence")
st.markdown(
    "A lookup table (word2vec, GloVe, or a transformer's own input-embedding table) gives a word **one row**, "
    "whatever the sentence. A transformer gives **every occurrence its own vector**, shaped by the words around "
    "it. Below, each cell is the cosine similarity of the word's vectors in two sentences: on the left from the "
    "transformer's hidden states, on the right from the lookup table."
)

try:
    embedder = cache.get_embedder(state.model, str(state.device))
except (OSError, ValueError) as exc:
    ui.show_error(
        f"The transformer {state.model_label!r} could not be loaded, so this page cannot compute contextual vectors. "
        "Unset EXPLORER_MODEL to use the bundled offline model, or point it at a local model folder",
        exc,
    )
    st.stop()

PRESETS = contextual.load_presets()
SOURCES = {"preset": "A preset", "custom": "My own sentences", "corpus": "Sentences from the corpus"}
num_layers = embedder.num_layers
KEPT_KEYS = [
    "context.source",
    "context.preset",
    "context.word",
    "context.text",
    "context.corpus_word",
    "context.sample",
    "context.seed",
    "context.layer",
    "context.center",
    "context.pooling",
]

save_widgets = ui.keep_widgets("context.", KEPT_KEYS)
ui.restore_from_link(
    {
        "context.source": links.choice(list(SOURCES)),
        "context.preset": links.choice(list(PRESETS)),
        "context.word": links.text(40),
        "context.text": links.text(links.MAX_PARAM_CHARS),
        "context.corpus_word": links.text(40),
        "context.sample": links.int_in(2, 100),
        "context.seed": links.int_in(0, 2**31 - 1),
        "context.layer": links.int_in(0, num_layers),
        "context.center": links.flag(),
        "context.pooling": links.choice(list(contextual.POOLINGS)),
    }
)
defaults = {
    "context.source": "preset",
    "context.preset": "bank",
    "context.word": PRESETS["bank"].word,
    "context.text": PRESETS["bank"].as_lines(),
    "context.corpus_word": "charge",
    "context.sample": 30,
    "context.seed": 0,
    "context.layer": num_layers,
    "context.center": False,
    "context.pooling": "mean",
}
for key, value in defaults.items():
    # Re-assigning keeps a widget's value while another source hides that widget.
    st.session_state[key] = st.session_state.get(key, value)
if not 0 <= st.session_state["context.layer"] <= num_layers:
    st.session_state["context.layer"] = num_layers
save_widgets()

# ----- what to compare ------------------------------------------------------------------------
source = st.radio("Sentences", list(SOURCES), format_func=SOURCES.get, key="context.source", horizontal=True)
word, sentences, labels = "", [], None
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
        "how well the senses separate at each layer; without them it suggests a grouping.",
    )
    try:
        parsed = contextual.parse_sentence_lines(text)
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    sentences, labels = list(parsed.sentences), None if parsed.labels is None else list(parsed.labels)
    if parsed.unlabeled:
        lines = ", ".join(str(i) for i in parsed.unlabeled[:12])
        st.warning(
            f"Line(s) {lines} have no ` | sense` label while others do, so the senses are ignored. "
            "Label every line, or none."
        )
else:
    col_word, col_n, col_seed = st.columns([2, 1, 1])
    word = col_word.text_input("Word to find in the corpus", key="context.corpus_word")
    n_max = col_n.number_input("At most this many sentences", min_value=2, max_value=100, key="context.sample")
    seed = col_seed.number_input("Sampling seed", min_value=0, max_value=2**31 - 1, key="context.seed")
    if word.strip():
        found = list(state.corpus.sentences_with(word.strip()))
        sentences = contextual.sample_sentences(found, int(n_max), seed=int(seed))
        note = f", a random sample of {len(sentences)} (change the seed for another)" if len(found) > n_max else ""
        st.caption(f"{len(found):,} sentences of **{state.corpus.name}** contain “{word.strip()}”{note}.")

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
ui.write_link(
    ["context.source", "context.layer", "context.center", "context.pooling"]
    + {
        "preset": ["context.preset"],
        "custom": ["context.word", "context.text"],
        "corpus": ["context.corpus_word", "context.sample", "context.seed"],
    }[source]
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
    stack = cache.get_context_layers(state.model, str(state.device), tuple(sentences), word, pooling)
except ValueError as exc:
    st.error(f"The vectors could not be computed: {exc}")
    st.stop()

if stack.missing:
    listed = "; ".join(f"{i + 1}: “{sentences[i][:60]}”" for i in stack.missing[:8])
    more = f" and {len(stack.missing) - 8} more" if len(stack.missing) > 8 else ""
    st.warning(
        f"“{word}” does not occur as a whole word in sentence(s) {listed}{more}. They are left out "
        "(a word inside a longer one, such as “house” in “houseplant”, does not count)."
    )
if stack.truncated:
    listed = ", ".join(str(i + 1) for i in stack.truncated)
    st.info(
        f"Sentence(s) {listed} are longer than the model's limit of {embedder.max_length} tokens; "
        "each occurrence was read in a window of the text around it."
    )
if len(stack) < 2:
    found = "No occurrence" if len(stack) == 0 else "Only one occurrence"
    st.error(f"{found} of “{word}” was found; the heatmap needs at least two. Add sentences that contain the word.")
    st.stop()

occ = stack.at(layer)
matrix = contextual.cosine_matrix(occ.vectors, center=center)
static = contextual.static_matrix(embedder.static_vector(word), len(occ))
names = charts.occurrence_labels(occ.sentence_index, occ.sentences, occ.spans)
occ_labels = None if labels is None else [labels[i] for i in occ.sentence_index]

pairs = contextual.off_diagonal(matrix)
pieces = embedder.word_pieces(word)
st.markdown(
    f"**Static lookup:** every cell is **1.00**: the table has one row for “{word}”, the same in every sentence. "
    f"**Contextual, layer {layer}:** cosines from **{pairs.min():.2f}** to **{pairs.max():.2f}** "
    f"(mean {pairs.mean():.2f}) over {len(occ)} occurrences."
    + (f" “{word}” is split into {' + '.join(pieces)}; their states are pooled ({pooling})." if len(pieces) > 1 else "")
)
if center:
    st.caption(
        f"Centering applies to the contextual side only. The lookup table has a single row for “{word}”, so "
        "centering it would subtract that row from itself and leave nothing to compare: its cells stay 1.00."
    )
heatmap = charts.heatmap_pair(matrix, static, names, list(occ.sentences), layer=layer, centered=center, word=word)
st.plotly_chart(heatmap, width="stretch", key="context.heatmap")
col_csv, col_html, _ = st.columns([1, 1, 2])
col_csv.download_button(
    "⬇ Matrix as CSV",
    data=contextual.matrix_csv(matrix, names, list(occ.sentences)),
    file_name=f"context_{word}_layer{layer}.csv",
    mime="text/csv",
    on_click="ignore",
    key="context.download_csv",
)
col_html.download_button(
    "⬇ Figure as HTML",
    data=lambda: heatmap.to_html(include_plotlyjs=True, full_html=True),
    file_name=f"context_{word}_layer{layer}.html",
    mime="text/html",
    on_click="ignore",
    key="context.download_html",
)

# ----- senses ---------------------------------------------------------------------------------
col_sense, col_map = st.columns(2)
with col_sense:
    if occ_labels is not None and len(set(occ_labels)) >= 2:
        per_layer = contextual.separation_by_layer(stack.vectors, occ_labels, center=center)
        here = per_layer[layer]
        best = max(range(len(per_layer)), key=lambda k: per_layer[k].score)
        st.plotly_chart(
            charts.separation_chart(
                [s.same for s in per_layer], [s.cross for s in per_layer], current_layer=layer, centered=center
            ),
            width="stretch",
            key="context.separation",
        )
        m1, m2, m3 = st.columns(3)
        m1.metric("Same sense", f"{here.same:.2f}", help="Mean cosine of pairs with the same sense label.")
        m2.metric("Different sense", f"{here.cross:.2f}", help="Mean cosine of pairs with different labels.")
        m3.metric(f"Separation, layer {layer}", f"{here.score:+.2f}", help="Same minus different.")
        st.caption(f"The senses are furthest apart at layer {best} (separation {per_layer[best].score:+.2f}).")
        groups = occ_labels
    else:
        if occ_labels is not None:
            st.info("Every sentence has the same sense label; give at least two senses to measure separation.")
        else:
            st.caption("No sense labels: the grouping below is suggested by clustering the heatmap.")
        clusters = contextual.suggest_groups(matrix)
        groups = [f"group {g + 1}" for g in clusters]
        st.dataframe(
            {"group": groups, "occurrence": names, "sentence": list(occ.sentences)},
            hide_index=True,
            width="stretch",
        )
        st.caption("Add ` | sense` to each line (My own sentences) to see where in the network the senses split.")
with col_map:
    coords, share = contextual.project_2d(occ.vectors)
    st.plotly_chart(
        charts.occurrence_map(coords, groups, names, list(occ.sentences), share), width="stretch", key="context.map"
    )

# ----- what a token can see -------------------------------------------------------------------
st.subheader("Why context gets in: what the word's state can see")
choice = st.selectbox(
    "Sentence", list(range(len(occ))), format_func=lambda i: names[i], key="context.visible_occurrence"
)
chosen = int(choice) if choice is not None and int(choice) < len(occ) else 0
nth = occ.sentence_index[: chosen + 1].count(occ.sentence_index[chosen]) - 1
vis = embedder.visibility(occ.sentences[chosen], word, occurrence=nth)
st.plotly_chart(
    charts.visibility_chart(vis.tokens, vis.target, vis.encoder, vis.causal), width="stretch", key="context.vis"
)
kind = "a decoder (causal)" if embedder.is_causal else "an encoder (bidirectional)"
st.caption(
    f"{embedder.name} is {kind}. An encoder's state for the word mixes in every token of the sentence, left and "
    "right; a decoder's sees only the tokens before it, so the words after it cannot change its vector. "
    "The lookup table sees nothing: its row is the same in every sentence."
)
