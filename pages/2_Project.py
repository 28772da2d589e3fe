"""Project: PCA, t-SNE, UMAP or semantic axes of any vector set, with neighbours, clusters and exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import cache, links, ui
from explorer import projection as proj
from explorer.charts import projection as charts
from explorer.clustering import GroupsError, group_labels, parse_groups
from explorer.neighbours import NEIGHBOURS_LABEL, nearest_neighbours, neighbour_table

st.set_page_config(page_title="Project", page_icon="🗺️", layout="wide")
state = ui.sidebar()
warmup = cache.start_umap_warmup()
cache.start_tsne_warmup()

DEFAULT_WORDS = 2000
MAX_NEIGHBOUR_WORDS = 20  # words whose neighbours a lasso selection lists
CSV_NEIGHBOURS_LIMIT = 5000  # the CSV lists neighbours for maps up to this size
AXIS_KEYS = [f"project.axis_{a}_{end}" for a in "xyz" for end in ("from", "to")]
COLOURINGS = {"cluster": "k-means clusters", "groups": "my word groups", "none": "one colour"}
LINK_KEYS = [
    "project.method",
    "project.dims",
    "project.n_words",
    "project.words",
    "project.filter",
    "project.search",
    "project.colour",
    "project.k",
    "project.groups",
    "project.seed",
    "project.perplexity_auto",
    "project.perplexity",
    "project.n_iter",
    "project.n_neighbors",
    "project.min_dist",
    *AXIS_KEYS,
]

ui.restore_from_link(
    {
        "project.method": links.choice(proj.METHODS),
        "project.dims": links.choice([2, 3]),
        "project.n_words": links.int_in(3, state.settings.max_points),
        "project.words": links.text(2000),
        "project.filter": links.text(200),
        "project.search": links.text(100),
        "project.colour": links.choice(list(COLOURINGS)),
        "project.k": links.int_in(2, 40),
        "project.groups": links.text(2000),
        "project.seed": links.int_in(0, 2**31 - 1),
        "project.perplexity_auto": links.flag(),
        "project.perplexity": links.float_in(2.0, 100.0),
        "project.n_iter": links.int_in(100, 2000),
        "project.n_neighbors": links.int_in(2, 200),
        "project.min_dist": links.float_in(0.0, 1.0),
        **{key: links.text(60) for key in AXIS_KEYS},
    }
)

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
for notice in getattr(wv, "notices", ()):
    st.info(notice)
st.caption(f"**{wv.name}**: {len(wv):,} words, {wv.vector_size} dimensions.")

# ----- controls ---------------------------------------------------------------------------------
left, middle, right = st.columns(3)
with left:
    method = st.selectbox(
        "Method",
        list(proj.METHODS),
        format_func=proj.METHOD_LABELS.get,
        key="project.method",
    )
    dims = st.radio("Dimensions", [2, 3], format_func=lambda d: f"{d}D", horizontal=True, key="project.dims")
    seed = st.number_input(
        "Seed", 0, 2**31 - 1, value=0, step=1, key="project.seed", help="The same seed gives the same map."
    )
with middle:
    cap = min(len(wv), state.settings.max_points)
    if st.session_state.get("project.n_words", 0) > cap:
        st.session_state["project.n_words"] = cap
    n_words = st.number_input(
        "Number of words (most frequent first)",
        min_value=min(3, cap),
        max_value=cap,
        value=min(DEFAULT_WORDS, cap),
        step=100,
        key="project.n_words",
    )
    if len(wv) > state.settings.max_points:
        st.caption(
            f"This set has {len(wv):,} words; at most {state.settings.max_points:,} can be projected here "
            "(setting EXPLORER_MAX_POINTS)."
        )
    word_list = st.text_area(
        "Only these words (optional)",
        key="project.words",
        height=68,
        placeholder="refund, invoice, fee …",
        help="Commas, spaces or new lines between words. When given, the filter below is ignored.",
    )
    pattern = st.text_input(
        "Filter by regular expression (optional)",
        key="project.filter",
        placeholder="^pay|ment$",
        help="Keeps the words the expression matches anywhere (Python syntax).",
    )
with right:
    colour = st.radio("Colour by", list(COLOURINGS), format_func=COLOURINGS.get, horizontal=True, key="project.colour")
    k = st.slider("Clusters (k)", 2, 40, value=8, key="project.k", disabled=colour != "cluster")
    groups_text = st.text_area(
        "Word groups (one per line)",
        key="project.groups",
        height=80,
        placeholder="billing: refund, invoice, fee\nshipping: box, parcel, delivery",
        disabled=colour != "groups",
    )
    search = st.text_input(
        "Search (highlights matches)", key="project.search", help="Part of a word; put it in quotes for an exact match."
    )

params: dict[str, object] = {}
pairs: list[tuple[str, str]] = []
with st.expander(f"{proj.METHOD_LABELS[method]} settings", expanded=method == "axes"):
    if method == "pca":
        st.caption("PCA has no settings: vectors are scaled to unit length (cosine geometry) and centred.")
    elif method == "tsne":
        c1, c2 = st.columns(2)
        auto = c1.checkbox(
            "Perplexity: automatic", value=True, key="project.perplexity_auto", help="min(30, (words − 1) / 3)"
        )
        if not auto:
            params["perplexity"] = c1.slider(
                "Perplexity",
                2.0,
                100.0,
                value=30.0,
                key="project.perplexity",
                help="Roughly how many neighbours each word pays attention to; at most (words − 1) / 3.",
            )
        params["n_iter"] = c2.slider(
            "Iterations (after 250 of early exaggeration)", 100, 2000, value=500, step=50, key="project.n_iter"
        )
    elif method == "umap":
        c1, c2 = st.columns(2)
        params["n_neighbors"] = c1.slider(
            "Neighbours (n_neighbors)",
            2,
            200,
            value=15,
            key="project.n_neighbors",
            help="Small values show local detail, large values the global shape.",
        )
        params["min_dist"] = c2.slider(
            "Minimum distance (min_dist)",
            0.0,
            1.0,
            value=0.1,
            step=0.05,
            key="project.min_dist",
            help="How tightly points may pack together.",
        )
        if warmup.is_alive():
            st.caption("UMAP is still compiling in the background (once per server start); the first map may wait.")
    else:
        st.caption("Each axis runs from the first word to the second; every word is placed by its cosine geometry.")
        defaults = {"x": ("man", "woman"), "y": ("bad", "good"), "z": ("small", "big")}
        for axis in "xy" + ("z" if dims == 3 else ""):
            c1, c2 = st.columns(2)
            a = c1.text_input(f"{axis} axis from", value=defaults[axis][0], key=f"project.axis_{axis}_from")
            b = c2.text_input(f"{axis} axis to", value=defaults[axis][1], key=f"project.axis_{axis}_to")
            pairs.append((a.strip(), b.strip()))

# ----- the words ----------------------------------------------------------------------------------
axis_words = [w for pair in pairs for w in pair if w]
points = ui.guarded(
    "These words cannot be projected",
    proj.choose_words,
    wv,
    int(n_words),
    include=proj.parse_word_list(word_list),
    pattern=pattern.strip(),
    always=axis_words,
)
if points is None:
    st.stop()
keys = list(points.keys)
if len(keys) < 3:
    st.error(
        f"Only {len(keys)} word(s) are left to project; a map needs at least 3. Loosen the filter or list more words."
    )
    st.stop()

# ----- projection (cached on the matrix content + method + params + seed) -----------------------
matrix_hash = proj.content_hash(points.vectors)
label = proj.METHOD_LABELS[method]
try:
    with st.spinner(f"Running {label} on {len(keys):,} words…", show_time=True):
        if method == "axes":
            set_hash = proj.content_hash(wv.vectors) + str(hash(wv.keys))
            result = cache.get_semantic_axes(set_hash, matrix_hash + str(hash(points.keys)), tuple(pairs), wv, points)
        else:
            result = cache.get_projection(
                matrix_hash, method, int(dims), int(seed), tuple(sorted(params.items())), points.vectors
            )
except proj.ProjectionError as exc:
    st.error(f"{label} could not run: {exc}")
    st.stop()

# ----- colours, search, selection ---------------------------------------------------------------
colour_labels: list[str] | None = None
if colour == "cluster":
    k_eff = min(int(k), len(keys))
    labels = cache.get_kmeans_labels(matrix_hash, k_eff, int(seed), points.vectors)
    colour_labels = [f"cluster {int(c) + 1}" for c in labels]
elif colour == "groups":
    try:
        groups = parse_groups(groups_text)
    except GroupsError as exc:
        st.error(f"The word groups could not be read: {exc}")
        groups = {}
    if groups:
        colour_labels = group_labels(keys, groups)
        missing = [w for ws in groups.values() for w in ws if w not in set(keys)]
        if missing:
            st.caption(f"Not on the map: {', '.join(missing[:15])}{' …' if len(missing) > 15 else ''}")
    elif not groups_text.strip():
        st.info("Type word groups (one per line, like `billing: refund, invoice, fee`) to colour by them.")

highlight = proj.search_matches(keys, search)
if search.strip():
    st.caption(f"Search {search.strip()!r}: {len(highlight)} match(es) on the map.")

selected_words: list[str] = []
chart_state = st.session_state.get("project.chart")
if dims == 2 and chart_state is not None:
    selection = chart_state.get("selection", {}) if hasattr(chart_state, "get") else {}
    selected_words = [keys[i] for i in charts.selected_rows(selection.get("points", []), len(keys))]

if st.session_state.get("project.neighbour_of") not in (None, *keys):
    st.session_state["project.neighbour_of"] = None  # the word left the map
neighbour_choice = st.session_state.get("project.neighbour_of")
focus_word = selected_words[0] if len(selected_words) == 1 else neighbour_choice if neighbour_choice in keys else None
topn = int(st.session_state.get("project.topn", 10))
only_shown = bool(st.session_state.get("project.only_shown", False))
among = keys if only_shown else None
focus_nbs = nearest_neighbours(wv, [focus_word], topn=topn, among=among) if focus_word else {}
index_of = {w: i for i, w in enumerate(keys)}
focus_idx = (
    [index_of[focus_word]] + [index_of[w] for w, _ in focus_nbs.get(focus_word, []) if w in index_of]
    if focus_word
    else []
)

axis_titles = None
if method == "axes":
    axis_titles = [f"{a} → {b}" for a, b in pairs]
elif method == "pca" and result.explained_variance:
    axis_titles = [f"PC{i + 1} ({v:.0%} of variance)" for i, v in enumerate(result.explained_variance)]
fig = charts.projection_figure(
    keys,
    result.coords,
    colour_labels=colour_labels,
    highlight=highlight,
    focus=focus_idx,
    n_labels=40 if len(keys) <= 3000 else 25,
    axis_titles=axis_titles,
)

# ----- render -------------------------------------------------------------------------------------
m1, m2, m3, m4 = st.columns(4)
m1.metric("Words on the map", f"{len(keys):,}")
m2.metric("Time", f"{result.seconds:.2f} s")
m3.metric(f"k-NN kept (k={result.k})", f"{result.knn_overlap:.0%}")
m4.metric("Trustworthiness", f"{result.trustworthiness:.3f}")
st.caption(
    f"Faithfulness: on average {result.knn_overlap:.0%} of each word's {result.k} nearest neighbours "
    f"({NEIGHBOURS_LABEL}) are also its nearest on the map; trustworthiness (1 = no false neighbours, "
    f"about 0.5 = random) measured on {result.n_scored:,} words."
)

if dims == 2:
    st.plotly_chart(
        fig,
        key="project.chart",
        on_select="rerun",
        selection_mode=("points", "box", "lasso"),
        config={"scrollZoom": True, "displaylogo": False},
    )
    st.caption("Click a point, or drag a box or lasso, to list nearest neighbours below.")
else:
    st.plotly_chart(fig, key="project.chart3d", config={"displaylogo": False})
    st.caption("Drag to rotate, scroll to zoom. Pick a word below to see its neighbours.")

# ----- neighbours ---------------------------------------------------------------------------------
st.subheader(f"Nearest neighbours ({NEIGHBOURS_LABEL})")
n1, n2, n3 = st.columns([2, 1, 1])
n1.selectbox(
    "Show neighbours of word",
    keys,
    index=None,
    key="project.neighbour_of",
    placeholder="Type to search the words on the map…",
)
n2.slider("How many", 1, 50, value=10, key="project.topn")
n3.checkbox("Only words on the map", key="project.only_shown", help="Otherwise the whole vector set.")

if len(selected_words) > 1:
    shown = selected_words[:MAX_NEIGHBOUR_WORDS]
    st.caption(
        f"{len(selected_words)} words selected"
        + (f"; neighbours of the first {MAX_NEIGHBOUR_WORDS}" if len(selected_words) > MAX_NEIGHBOUR_WORDS else "")
    )
    table = neighbour_table(nearest_neighbours(wv, shown, topn=topn, among=among))
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
elif focus_word:
    rows = focus_nbs.get(focus_word, [])
    st.markdown(f"**{focus_word}**" + (" (selected on the map)" if selected_words else ""))
    st.dataframe(
        pd.DataFrame([{"neighbour": w, "cosine": round(s, 4), "on the map": w in index_of} for w, s in rows]),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("Select points on the map or pick a word above.")

# ----- exports -------------------------------------------------------------------------------------
st.subheader("Export")
colour_for_csv = colour_labels


def _csv() -> str:
    nbs = nearest_neighbours(wv, keys, topn=10) if len(keys) <= CSV_NEIGHBOURS_LIMIT else {}
    return proj.coordinates_csv(keys, result, colour_for_csv, nbs)


e1, e2, e3, e4 = st.columns(4)
e1.download_button(
    "Coordinates + neighbours (CSV)",
    data=_csv,
    file_name=f"projection_{method}_{dims}d.csv",
    mime="text/csv",
    help=f"Neighbours are listed for maps of up to {CSV_NEIGHBOURS_LIMIT:,} words.",
)
e2.download_button(
    "Figure (standalone HTML)",
    data=lambda: charts.figure_html(fig),
    file_name=f"projection_{method}_{dims}d.html",
    mime="text/html",
)
e3.download_button(
    "vectors.tsv (TF projector)",
    data=lambda: points.to_projector_tsv()[0],
    file_name="vectors.tsv",
    mime="text/tab-separated-values",
)
e4.download_button(
    "metadata.tsv (TF projector)",
    data=lambda: points.to_projector_tsv()[1],
    file_name="metadata.tsv",
    mime="text/tab-separated-values",
)
st.caption(
    "The TSV pair holds the words on this map; load both at projector.tensorflow.org. "
    "Uploaded vector files cannot travel in a shared link: the link keeps the settings only."
)

ui.write_link(LINK_KEYS)
