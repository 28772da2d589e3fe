"""Compare: two vector sets side by side, aligned on one map, with the words whose neighbours changed most."""

from __future__ import annotations

import streamlit as st

from explorer import cache, links, ui
from explorer.charts import compare as charts
from explorer.compare import DEFAULT_K, agreement_csv, aligned_csv
from explorer.compare import dictionary_views as dv
from explorer.compare import page_views as pv
from explorer.errors import LimitError
from explorer.limits import check_upload_size
from explorer.pagestate import Field, PageState
from explorer.ui.dictionary import dictionary_controls, dictionary_results
from explorer.wording import shown_of

st.set_page_config(page_title="Compare", page_icon=":material/compare:", layout="wide")

A, B, WORD = "compare.a", "compare.b", "compare.word"


def _when(*methods: str):
    return lambda v: v["compare.method"] in methods


def _by_dictionary(v) -> bool:
    return v["compare.align"] == "dictionary"


PAGE_STATE = PageState(
    "compare.",
    (
        Field(A, ui.default_vector_set, parse=ui.parse_vector_set),
        Field(B, ui.REFERENCE_ID, parse=ui.parse_vector_set),
        Field("compare.k", DEFAULT_K, parse=links.int_in(1, 50)),
        Field("compare.by", "overlap", parse=links.choice(list(pv.ORDER_LABELS))),
        Field("compare.n_changed", 15, parse=links.int_in(1, 100)),
        Field("compare.min_count", pv.DEFAULT_MIN_COUNT, parse=links.int_in(1, 10**9)),
        Field(WORD, None, parse=links.text(60)),
        Field("compare.method", "pca", parse=links.choice(pv.MAP_METHODS)),
        Field("compare.dims", 2, parse=links.choice([2, 3])),
        Field("compare.seed", 0, parse=links.int_in(0, 2**31 - 1), link_when=_when("tsne", "umap")),
        Field("compare.n_words", pv.DEFAULT_MAP_WORDS, parse=links.int_in(2, pv.MAX_MAP_WORDS)),
        Field("compare.bench_on", False, parse=links.flag()),
        Field("compare.bench", lambda: list(pv.benchmark_choices()), parse=pv.parse_benchmarks),
        Field("compare.bench_sections", False, parse=links.flag()),
        Field("compare.bench_shared", False, parse=links.flag()),
        Field("compare.bench_kind", "analogies"),
        Field("compare.align", "shared", parse=links.choice(list(dv.ALIGN_MODES))),
        Field("compare.holdout", 0.2, parse=links.float_in(0.0, 0.9), link_when=_by_dictionary),
        Field("compare.dict_seed", 0, parse=links.int_in(0, 2**31 - 1), link_when=_by_dictionary),
        Field("compare.pairs_text", ""),
        Field("compare.translate", "", parse=links.text(100), link_when=_by_dictionary),
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
cache.start_umap_warmup()
cache.start_tsne_warmup()
ss = st.session_state

st.title("Compare")
st.markdown(
    "Two vector sets, word by word: your training against the transformer's table, one method against "
    "another, or two snapshots of one training run. **Neighbour overlap** asks, for each word both sets "
    "know, how many of its nearest neighbours are the same in both; it needs no alignment. To share one "
    "map, B is **rotated onto A** (orthogonal Procrustes over the shared words); when the sets differ in "
    "size, B is rotated and then projected onto A's dimensions, an approximation the page points out. Sets "
    "with different words (two languages) are aligned by **a dictionary** of word pairs instead."
)

# ----- the two sets ---------------------------------------------------------------------------------
col_a, col_b = st.columns(2)
with col_a:
    wv_a = ui.vector_set_picker(state, key=A, label="Set A")
with col_b:
    wv_b = ui.vector_set_picker(state, key=B, label="Set B")
if wv_a is None or wv_b is None:
    st.stop()
if (note := pv.link_note(ss[A], ss[B])) is not None:
    st.info(note, icon=":material/link_off:")
if wv_a is wv_b:  # the same choice twice (two uploaded files are two sets)
    st.info(
        "A and B are the same set. Train a set on the **Train** page (keep snapshots there to compare "
        "stages of one run), or upload a vector file, then pick it as A.",
        icon=":material/compare:",
    )
    st.stop()

align = st.radio("Align the sets on", list(dv.ALIGN_MODES), format_func=dv.ALIGN_MODES.get, horizontal=True, key="compare.align")  # fmt: skip
dictionary = dictionary_controls(state.settings) if align == "dictionary" else ()
if dictionary is None:
    st.stop()
controls = st.columns(4)
k = controls[0].number_input("Neighbours per word (k)", 1, 50, step=1, key="compare.k", help="At most 50.")
by = controls[1].radio("Rank by", list(pv.ORDER_LABELS), format_func=pv.ORDER_LABELS.get, horizontal=True, key="compare.by")  # fmt: skip
n_changed = controls[2].number_input("Words in each list", 1, 100, step=1, key="compare.n_changed")
with st.spinner("Comparing the two sets…", show_time=True):
    c = ui.guarded("These two sets cannot be compared", cache.get_comparison, wv_a, wv_b, int(k), *dictionary)
if c is None:
    st.stop()
min_count = controls[3].number_input(
    "Seen at least (times)", 1, 10**9, step=1, key="compare.min_count", disabled=not c.has_counts,
    help="Keeps words seen at least this often in both sets' training text: rare words move most, and say least."
    if c.has_counts else "Only sets that know their word counts (trained sets) can be filtered by frequency.",
)  # fmt: skip
for note in c.notes:
    st.warning(note, icon=":material/warning:")
st.markdown(pv.summary_line(c) if c.dictionary is None else dv.summary_line(c))
st.caption(pv.search_line(c))
if c.dictionary is not None:
    dictionary_results(c)

changed = pv.ranked_words(c, int(n_changed), int(min_count), by)
if not changed:
    st.warning(f"No shared word is seen at least {min_count:,} times in both sets; lower the frequency filter.")
if (clicked := pv.clicked_word(ss.get("compare.chart"), c)) and clicked != ss.get("compare.clicked"):
    ss[WORD] = ss["compare.clicked"] = clicked  # a point clicked on the map chooses its word
if ss[WORD] is not None and ss[WORD] not in c:
    st.warning(f"{ss[WORD]!r} is not a word both sets have; the most changed word is shown instead.")
    ss[WORD] = None
focus = ss[WORD] or (changed[0] if changed else c.words[0])

# ----- one map of both sets -----------------------------------------------------------------------------
st.subheader("One map of both sets")
jm = fig = None
left, middle, right = st.columns([2, 1, 2])
method = left.radio("Projection", list(pv.MAP_METHODS), format_func=pv.MAP_METHOD_LABELS.get, horizontal=True, key="compare.method")  # fmt: skip
dims = middle.radio("Dimensions", [2, 3], format_func=lambda d: f"{d}D", horizontal=True, key="compare.dims")
cap = max(2, min(len(c), pv.MAX_MAP_WORDS))
n_words = ui.bounded_number(right, "Words on the map (most frequent shared first)", 2, cap, "compare.n_words", step=50)  # fmt: skip
if n_words < cap and (note := shown_of(n_words, len(c), "Words on the map", "shared words")):
    right.caption(note)
seed = 0
if method != "pca":
    seed = left.number_input("Seed", 0, 2**31 - 1, step=1, key="compare.seed", help="The same seed gives the same map.")  # fmt: skip
chosen = pv.map_words(c, int(n_words), changed, focus)
project = lambda x: cache.get_projection(x, method, int(dims), int(seed), {})  # noqa: E731
with st.spinner(f"Running {pv.MAP_METHOD_LABELS[method]} on {2 * len(chosen.words):,} points…", show_time=True):
    jm = ui.guarded("The map could not be drawn", pv.joint_map, c, chosen, project)
if jm is not None:
    title = f"{pv.MAP_METHOD_LABELS[method]} of A and of B rotated onto A"
    fig = charts.joint_map_figure(chosen.words, jm.coords_a, jm.coords_b, c.name_a, c.name_b, focus=chosen.focus, title=title, **dv.map_options(c, chosen.words, chosen.joined))  # fmt: skip
    select = {"on_select": "rerun", "selection_mode": "points"} if dims == 2 else {}
    ui.chart(fig, key="compare.chart", file_stem=f"compare_map_{method}_{dims}d", data=lambda: aligned_csv(jm.rows, jm.coords), config={"scrollZoom": True, "displaylogo": False}, **select)  # fmt: skip
    st.caption(dv.map_caption(c, len(chosen.joined), jm.projection.knn_overlap, jm.projection.k))

# ----- most changed and most stable -------------------------------------------------------------------
st.subheader("Most changed and most stable words")
changed_rows = pv.ranking_rows(c, int(n_changed), True, int(min_count), by)
stable_rows = pv.ranking_rows(c, int(n_changed), False, int(min_count), by)
t1, t2 = st.columns(2)
t1.markdown("**Most changed**: fewest neighbours in common")
t1.dataframe(changed_rows, hide_index=True, width="stretch", key="compare.changed_table")
t2.markdown("**Most stable**: most neighbours in common")
t2.dataframe(stable_rows, hide_index=True, width="stretch", key="compare.stable_table")
ui.chart(charts.agreement_figure(changed_rows, stable_rows), key="compare.bars", file_stem="compare_changed_and_stable")

# ----- one word's neighbours ----------------------------------------------------------------------------
st.subheader("Neighbours of one word, in A and in B")
options = pv.word_options(c, [r["word"] for r in changed_rows + stable_rows], ss[WORD])
st.selectbox(
    "Word", options, index=None, key=WORD, placeholder=f"Type to search; empty shows the most changed word ({focus})",
    help="Any word both sets have (the ranked ones first).",
)  # fmt: skip
st.markdown(pv.word_line(c, focus, int(min_count), by))
st.dataframe(pv.neighbour_rows(c, focus), hide_index=True, width="stretch", key="compare.neighbours")
st.caption(
    f"Neighbours among the {len(c):,} {'paired' if c.dictionary else 'shared'} words, by cosine on each set's own vectors; "
    "a tick marks a neighbour that is in the other set's list too."
)

# ----- benchmarks ---------------------------------------------------------------------------------------
st.subheader("Benchmarks for both sets")
if st.toggle("Score both sets on evaluation files", key="compare.bench_on"):
    b1, b2 = st.columns([3, 2])
    names = b1.multiselect("Built-in files", list(pv.benchmark_choices()), format_func=pv.benchmark_choices().get, key="compare.bench")  # fmt: skip
    kind = b2.radio("Your own file holds", ["analogies", "pairs"], horizontal=True, key="compare.bench_kind", format_func=lambda x: "analogy questions" if x == "analogies" else "word pairs")  # fmt: skip
    own = b2.file_uploader(
        "Your own file (optional)",
        type=["txt", "tsv", "gz"],
        key="compare.bench_file",
        max_upload_size=state.settings.max_upload_mb,
    )
    sections = b1.checkbox("One row per section of an analogy file", key="compare.bench_sections")
    shared = b1.checkbox("Only words both sets have", key="compare.bench_shared", help="Neither set is scored on words the other lacks.")  # fmt: skip
    upload = None
    if own is not None:
        try:
            check_upload_size(state.settings, own.size, own.name)
            upload = (own.name, kind, own.getvalue())
        except LimitError as exc:
            st.error(str(exc))
    files = pv.benchmark_files(names, upload)
    if not files:
        st.info("Choose a built-in file or upload one.")
    else:
        with st.spinner("Scoring both sets…", show_time=True):
            rows = ui.guarded("The files could not be scored", cache.get_benchmarks, wv_a, wv_b, files, sections, shared, state.settings.max_upload_bytes)  # fmt: skip
        if rows is not None:
            st.dataframe(pv.benchmark_rows(rows, c.name_a, c.name_b), hide_index=True, width="stretch", key="compare.bench_table")  # fmt: skip
            st.caption("Analogy accuracy with 3CosAdd and 3CosMul (gensim's rules), Spearman ρ for word pairs.")

# ----- exports ------------------------------------------------------------------------------------------
st.subheader("Export")
st.download_button(
    "Per-word agreement (CSV)", data=lambda: agreement_csv(c, True, pv.effective_min_count(c, int(min_count)), by),
    file_name="agreement.csv", mime="text/csv", icon=":material/download:", on_click="ignore",
)  # fmt: skip
st.caption("The map's aligned coordinates, and every chart as PNG, SVG or HTML, are in the row under each chart.")
binding.save()
