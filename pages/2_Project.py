"""Project: PCA, t-SNE, UMAP or semantic axes of any vector set, with neighbours, clusters and exports."""

from __future__ import annotations

import streamlit as st

from explorer import cache, limits, links, mapview, ui
from explorer import projection as proj
from explorer.charts import projection as charts
from explorer.neighbours import NEIGHBOURS_LABEL, nearest_neighbours, neighbour_table
from explorer.pagestate import Field, PageState
from explorer.settings import get_settings
from explorer.vectors_io import to_projector_tsv
from explorer.wording import count, shown_of

st.set_page_config(page_title="Project", page_icon=":material/scatter_plot:", layout="wide")

DEFAULT_WORDS = 2000
N_WORDS_LABEL = "Number of words (most frequent first)"
CSV_NEIGHBOURS_LIMIT = 5000  # the CSV lists neighbours for maps up to this size
AXIS_DEFAULTS = {"x": ("man", "woman"), "y": ("bad", "good"), "z": ("small", "big")}


def _when(*methods: str):
    return lambda v: v["project.method"] in methods


PAGE_STATE = PageState(
    "project.",
    (
        Field("project.vectors", ui.default_vector_set, parse=ui.parse_vector_set),
        Field("project.method", "pca", parse=links.choice(proj.METHODS)),
        Field("project.dims", 2, parse=links.choice([2, 3])),
        Field("project.seed", 0, parse=links.int_in(0, 2**31 - 1)),
        Field("project.n_words", DEFAULT_WORDS, parse=links.int_in(3, get_settings().max_points)),
        Field("project.words", "", parse=links.text(2000)),
        Field("project.filter", "", parse=links.text(200)),
        Field("project.colour", "cluster", parse=links.choice(list(mapview.COLOURINGS))),
        Field("project.k", 8, parse=links.int_in(2, 40), link_when=lambda v: v["project.colour"] == "cluster"),
        Field("project.groups", "", parse=links.text(2000), link_when=lambda v: v["project.colour"] == "groups"),
        Field("project.search", "", parse=links.text(100)),
        Field("project.perplexity_auto", True, parse=links.flag(), link_when=_when("tsne")),
        Field("project.perplexity", 30.0, parse=links.float_in(2.0, 100.0), link_when=_when("tsne")),
        Field("project.n_iter", 500, parse=links.int_in(100, 2000), link_when=_when("tsne")),
        Field("project.n_neighbors", 15, parse=links.int_in(2, 200), link_when=_when("umap")),
        Field("project.min_dist", 0.1, parse=links.float_in(0.0, 1.0), link_when=_when("umap")),
        *(
            Field(f"project.axis_{axis}_{end}", AXIS_DEFAULTS[axis][i], parse=links.text(60), link_when=_when("axes"))
            for axis in "xyz"
            for i, end in enumerate(("from", "to"))
        ),
        Field("project.neighbour_of", None, parse=links.text(60)),
        Field("project.topn", 10, parse=links.int_in(1, 50)),
        Field("project.only_shown", False, parse=links.flag()),
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
warmup = cache.start_umap_warmup()
cache.start_tsne_warmup()
ss = st.session_state

st.title("Project")
st.markdown(
    "Squeeze a vector set into 2 or 3 dimensions to look at it. **PCA** keeps the directions of largest "
    "variance (fast, linear, honest about global distances); **t-SNE** and **UMAP** keep each word's "
    "neighbourhood (clusters stand out, but distances between clusters mean little); **semantic axes** "
    "place words along directions you name, such as *man → woman*. Nearest neighbours are always "
    f"computed by **{NEIGHBOURS_LABEL}**, never on the map."
)
wv = ui.vector_set_picker(state, key="project.vectors")
if wv is None:
    st.stop()

# ----- controls ---------------------------------------------------------------------------------
left, middle, right = st.columns(3)
method = left.selectbox("Method", list(proj.METHODS), format_func=proj.METHOD_LABELS.get, key="project.method")
dims = left.radio("Dimensions", [2, 3], format_func=lambda d: f"{d}D", horizontal=True, key="project.dims")
seed = left.number_input("Seed", 0, 2**31 - 1, step=1, key="project.seed", help="The same seed gives the same map.")
cap = min(len(wv), limits.map_points_cap(state.settings, method))
n_words = ui.bounded_number(
    middle, N_WORDS_LABEL, min(3, cap), cap, "project.n_words", step=100,
    help=f"This server projects at most {limits.map_points_cap(state.settings, 'pca'):,} words with PCA or semantic axes, {limits.map_points_cap(state.settings, 'tsne'):,} with t-SNE or UMAP.",
)  # fmt: skip
if len(wv) > cap:
    middle.caption(
        f"This set has {len(wv):,} words; at most {cap:,} can be projected here with {proj.METHOD_LABELS[method]}. {mapview.whole_set_hint(state.settings)}"
    )
word_list = middle.text_area(
    "Only these words (optional)", key="project.words", height=68, placeholder="refund, invoice, fee …",
    help="Commas, spaces or new lines between words. When given, the filter below is ignored.",
)  # fmt: skip
pattern = middle.text_input(
    "Filter by regular expression (optional)", key="project.filter", placeholder="^pay|ment$",
    help="Keeps the words the expression matches anywhere (Python syntax).",
)  # fmt: skip
colour = right.radio("Colour by", list(mapview.COLOURINGS), format_func=mapview.COLOURINGS.get, horizontal=True, key="project.colour")  # fmt: skip
k = right.slider("Clusters (k)", 2, 40, key="project.k", disabled=colour != "cluster")
groups_text = right.text_area(
    "Word groups (one per line)", key="project.groups", height=80, disabled=colour != "groups",
    placeholder="billing: refund, invoice, fee\nshipping: box, parcel, delivery",
)  # fmt: skip
search = right.text_input("Search (highlights matches)", key="project.search", help="Part of a word; put it in quotes for an exact match.")  # fmt: skip

params: dict[str, object] = {}
pairs: list[tuple[str, str]] = []
with st.expander(f"{proj.METHOD_LABELS[method]} settings", expanded=method == "axes"):
    c1, c2 = st.columns(2)
    if method == "pca":
        st.caption("PCA has no settings: vectors are scaled to unit length (cosine geometry) and centred.")
    elif method == "tsne":
        if not c1.checkbox("Perplexity: automatic", key="project.perplexity_auto", help="min(30, (words − 1) / 3)"):
            params["perplexity"] = c1.slider("Perplexity", 2.0, 100.0, key="project.perplexity", help="Roughly how many neighbours each word pays attention to; at most (words − 1) / 3.")  # fmt: skip
        params["n_iter"] = c2.slider("Iterations (after 250 of early exaggeration)", 100, 2000, step=50, key="project.n_iter")  # fmt: skip
    elif method == "umap":
        params["n_neighbors"] = c1.slider("Neighbours (n_neighbors)", 2, 200, key="project.n_neighbors", help="Small values show local detail, large values the global shape.")  # fmt: skip
        params["min_dist"] = c2.slider("Minimum distance (min_dist)", 0.0, 1.0, step=0.05, key="project.min_dist", help="How tightly points may pack together.")  # fmt: skip
        if warmup.is_alive():
            st.caption("UMAP is still compiling in the background (once per server start); the first map may wait.")
    else:
        st.caption("Each axis runs from the first word to the second; every word is placed by its cosine geometry.")
        for axis in "xy" + ("z" if dims == 3 else ""):
            a = c1.text_input(f"{axis} axis from", key=f"project.axis_{axis}_from")
            b = c2.text_input(f"{axis} axis to", key=f"project.axis_{axis}_to")
            pairs.append((a.strip(), b.strip()))

# ----- the words and the projection --------------------------------------------------------------
include = proj.parse_word_list(word_list)
always = [w for pair in pairs for w in pair if w] + mapview.group_words(colour, groups_text)
points = ui.guarded("These words cannot be projected", proj.choose_words, wv, int(n_words), include=include, pattern=pattern.strip(), always=always)  # fmt: skip
if points is None:
    st.stop()
keys = list(points.keys)
if len(keys) < 3:
    st.error(
        f"Only {count(len(keys), 'word')} left to project; a map needs at least 3. Loosen the filter or list more words."
    )
    st.stop()
label = proj.METHOD_LABELS[method]
try:
    with st.spinner(f"Running {label} on {len(keys):,} words…", show_time=True):
        if method == "axes":
            result = cache.get_semantic_axes(wv, points, pairs)
        else:
            result = cache.get_projection(points.vectors, method, int(dims), int(seed), params)
except proj.ProjectionError as exc:
    st.error(f"{label} could not run: {exc}")
    st.stop()

clusters = cache.get_kmeans_labels(points.vectors, int(k), int(seed)) if colour == "cluster" else None
colours = mapview.colour_by(colour, keys, clusters=clusters, groups_text=groups_text, vectors=points.vectors)
if colours.error:
    st.error(colours.error)
if colours.hint:
    st.info(colours.hint)
if colours.missing:
    st.caption(f"Not on the map: {', '.join(colours.missing[:15])}{' …' if len(colours.missing) > 15 else ''}")
highlight = proj.search_matches(keys, search)
if search.strip():
    st.caption(f"Search {search.strip()!r}: {count(len(highlight), 'match', 'matches')} on the map.")
chart_state = ss.get("project.chart")
selection = chart_state.get("selection", {}) if dims == 2 and hasattr(chart_state, "get") else {}
selected = [keys[i] for i in charts.selected_rows(selection.get("points", []), len(keys))]
if ss["project.neighbour_of"] not in (None, *keys):
    ss["project.neighbour_of"] = None  # the word left the map
focus = mapview.focus_view(wv, keys, selected, ss["project.neighbour_of"], int(ss["project.topn"]), bool(ss["project.only_shown"]))  # fmt: skip
fig = charts.projection_figure(
    keys, result.coords, colour_labels=colours.labels, highlight=highlight, focus=focus.highlighted,
    n_labels=40 if len(keys) <= 3000 else 25, axis_titles=mapview.axis_titles(method, result, pairs),
    emphasise_groups=colour == "groups" and colours.labels is not None, axis_ends=pairs if method == "axes" else (),
)  # fmt: skip
csv_neighbours = (lambda: nearest_neighbours(wv, keys, topn=10)) if len(keys) <= CSV_NEIGHBOURS_LIMIT else dict
export_title = f"{label} of {wv.name}: {count(len(keys), 'word')}, {dims}-D"  # the files name what they show
coordinates = lambda: proj.coordinates_csv(keys, result, colours.labels, csv_neighbours())  # noqa: E731

# ----- render -------------------------------------------------------------------------------------
m1, m2, m3, m4 = st.columns(4)
m1.metric("Words on the map", f"{len(keys):,}")
m2.metric("Time", f"{result.seconds:.2f} s")
m3.metric(f"k-NN kept (k={result.k})", f"{result.knn_overlap:.0%}")
m4.metric("Trustworthiness", f"{result.trustworthiness:.3f}")
if not include and not pattern.strip() and n_words < cap and (note := shown_of(n_words, len(wv), N_WORDS_LABEL)):
    st.caption(note)
st.caption(
    f"Faithfulness: on average {result.knn_overlap:.0%} of each word's {result.k} nearest neighbours "
    f"({NEIGHBOURS_LABEL}) are also its nearest on the map; trustworthiness (1 = no false neighbours, "
    f"about 0.5 = random) measured on {result.n_scored:,} words."
)
if dims == 2:
    ui.chart(fig, key="project.chart", file_stem=f"projection_{method}_2d", data=coordinates, export_title=export_title, on_select="rerun", selection_mode=("points", "box", "lasso"), config={"scrollZoom": True, "displaylogo": False})  # fmt: skip
    st.caption(
        "Drag a box (or pick the lasso in the toolbar), or click a point, to list nearest neighbours below. "
        f"The chart's Data (CSV) holds every word's coordinates and, for maps up to {CSV_NEIGHBOURS_LIMIT:,} words, its 10 neighbours."
    )  # fmt: skip
else:
    ui.chart(fig, key="project.chart3d", file_stem=f"projection_{method}_3d", data=coordinates, export_title=export_title, config={"displaylogo": False})  # fmt: skip
    st.caption("Drag to rotate, scroll to zoom. Pick a word below to see its neighbours.")

st.subheader(f"Nearest neighbours ({NEIGHBOURS_LABEL})")
n1, n2, n3 = st.columns([2, 1, 1])
n1.selectbox("Show neighbours of word", keys, index=None, key="project.neighbour_of", placeholder="Type to search the words on the map…")  # fmt: skip
n2.slider("How many", 1, 50, key="project.topn")
n3.checkbox("Only words on the map", key="project.only_shown", help="Otherwise the whole vector set.")
if len(focus.selected) > 1:
    more = (
        f"; neighbours of the first {mapview.MAX_NEIGHBOUR_WORDS}"
        if len(focus.selected) > mapview.MAX_NEIGHBOUR_WORDS
        else ""
    )
    st.caption(f"{count(len(focus.selected), 'word')} selected{more}")
    st.dataframe(neighbour_table(focus.selected_neighbours), hide_index=True, width="stretch")
elif focus.word:
    st.markdown(f"**{focus.word}**" + (" (selected on the map)" if focus.selected else ""))
    on_map = set(keys)
    st.dataframe([{"neighbour": w, "cosine": round(s, 4), "on the map": w in on_map} for w, s in focus.neighbours], hide_index=True, width="stretch")  # fmt: skip
else:
    st.caption("Select points on the map or pick a word above.")
if focus.note:
    st.info(focus.note, icon=":material/school:")

# ----- exports -------------------------------------------------------------------------------------
st.subheader("Export for the TensorFlow projector")
e1, e2 = st.columns(2)
e1.download_button("vectors.tsv", data=lambda: to_projector_tsv(points)[0], file_name="vectors.tsv", mime="text/tab-separated-values", icon=":material/download:", on_click="ignore")  # fmt: skip
e2.download_button("metadata.tsv", data=lambda: to_projector_tsv(points)[1], file_name="metadata.tsv", mime="text/tab-separated-values", icon=":material/download:", on_click="ignore")  # fmt: skip
st.caption(
    "The TSV pair holds the words on this map; load both at projector.tensorflow.org. "
    "An uploaded or trained set travels in the link once you press Share under the vector set."
)
binding.save()
