"""Map: a whole vocabulary on one WebGL map, opened from a prebuilt map folder; search, neighbours, selections."""

from __future__ import annotations

import streamlit as st

from explorer import cache, links, ui
from explorer.charts import wordmap
from explorer.map import reader as map_reader
from explorer.map import viewport as vp
from explorer.map import views
from explorer.map.contract import method_title
from explorer.pagestate import Field, PageState
from explorer.settings import get_settings
from explorer.ui import map_build
from explorer.wording import count

st.set_page_config(page_title="Map · Embedding Explorer", page_icon=":material/map:", layout="wide")


def _default_map() -> str | None:
    names = cache.map_listing().names  # only readable maps
    return names[0] if names else None


PAGE_STATE = PageState(
    "map.",
    (
        Field("map.name", _default_map, parse=map_reader.link_parser(get_settings().map_dir)),
        Field("map.search", "", parse=links.text(100)),
        Field("map.word", "", parse=links.text(100)),
        Field("map.view", None, parse=vp.parse_view),  # x0,x1,y0,y1 the names are chosen for; None: the whole map
        Field("map.region", "", keep=False),  # the region picked last in the list (the view flies there once)
        Field("map.build.open", False),  # the build form is open
        Field("map.build.set", ui.default_vector_set),  # the vector set the build form sends to the map job
        Field("map.clicked", None, keep=False),  # the last click applied to map.word (a click applies once)
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
ss = st.session_state

st.title("Map")
st.markdown(
    "A whole vocabulary on one map, drawn with WebGL (any browser, no GPU needed): each dot is a word, "
    "coloured by its region; the region names come from their most representative words. Search flies to "
    "a word; click a word to see its nearest words in the **original** vectors (cosine), drawn as lines; "
    "drag a box or a lasso to list and download the words inside."
)
if not state.settings.map_dir:
    st.info(
        "No word maps are configured on this server. " + map_build.how_to_build(state.settings), icon=":material/map:"
    )
    st.stop()
map_build.build_panel(state)  # local servers: send a vector set to the map job and follow it; hosted: one sentence

listing = cache.map_listing()
if listing.unreadable:
    with st.expander(f"{count(len(listing.unreadable), 'map')} cannot be read", expanded=not listing.readable):
        for bad in listing.unreadable:
            st.warning(f"**{bad.name}**: {state.settings.for_visitor(bad.reason)}", icon=":material/error:")
if not listing.readable:
    st.info(
        "No readable word map is on this server yet. " + map_build.how_to_build(state.settings), icon=":material/map:"
    )
    st.stop()
infos = {info.name: info for info in listing.readable}
if ss.get("map.name") not in infos:
    ss["map.name"] = next(iter(infos))  # a map that was removed or became unreadable
name = st.selectbox("Map", list(infos), format_func=lambda n: infos[n].describe(), key="map.name")
data = ui.guarded("This map cannot be read", cache.get_map_data, name)
if data is None:
    st.stop()

# ----- the view: set by search, a region, a box or lasso selection, or "Zoom out"; the names follow it -------
view = None if vp.changed(ss, "map.name", name) else ss.get("map.view")  # another map opens whole
chart_key = vp.chart_key(name, view)  # a new view starts a new chart: the box zoomed to is not carried along
chart_state = ss.get(chart_key)
selected = views.selected_rows(views.chart_points(chart_state), len(data))
clicked = (name, selected[0]) if len(selected) == 1 else None
if clicked is not None and ss.get("map.clicked") != clicked:
    ss["map.word"] = data.words[selected[0]]  # a click on the chart (from the last run) names the word
ss["map.clicked"] = clicked

c1, c2, c3 = st.columns([2, 2, 3])
search = c1.text_input("Search a word (the map zooms to it)", key="map.search", placeholder=views.example_word(data))
word = c2.text_input("Neighbours of (or click a word)", key="map.word", placeholder="a word on the map")
regions = vp.region_options(data)
if ss.get("map.region") not in regions:
    ss["map.region"] = ""
region = c3.selectbox(
    "Go to a region", ["", *regions], key="map.region", format_func=lambda o: regions.get(o, "(pick a region)")
)
found = views.find_word(data, search)
if found.hint:
    st.warning(found.hint)
focus = views.find_word(data, word)
if focus.hint:
    st.warning(focus.hint)
b1, b2, b3 = st.columns([1.5, 1.1, 3.4], vertical_alignment="center")
boxed = vp.selection_view(data, chart_state, selected)
if vp.changed(ss, "map.search", search, first=view is None) and found.row is not None:
    view = vp.word_view(data, found.row)
if vp.changed(ss, "map.region", region) and (picked := vp.parse_region(region)) is not None:
    view = vp.region_view(data, *picked) or view
if b1.button("Zoom to selection", icon=":material/zoom_in:", disabled=boxed is None, help=vp.selection_help(boxed)):
    view = boxed
if b2.button(
    "Zoom out", icon=":material/zoom_out_map:", disabled=view is None, on_click=ss.__setitem__, args=("map.region", "")
):
    view = None
ss["map.view"] = view
chart_key = vp.chart_key(name, view)
shown = view or vp.whole_view(data)
b3.caption(
    vp.stage_note(vp.label_stage(data, shown)) + " The wheel and drag zoom the picture only; the names follow "
    "the view set by search, a region, **Zoom to selection** (after dragging a box) or **Zoom out**."
)

near = views.neighbours(data, focus.row) if focus.row is not None else []
highlight = focus.row if focus.row is not None else found.row
fig = wordmap.map_figure(data, view=shown, focus=highlight, neighbour_rows=[r for r, _ in near])

manifest = data.info.manifest
ui.chart(
    fig, key=chart_key, file_stem=f"map_{name}", downloads=False, on_select="rerun",
    selection_mode=("points", "box", "lasso"), config={"scrollZoom": True, "displaylogo": False, "modeBarButtonsToRemove": vp.PICTURE_ONLY_BUTTONS},
)  # fmt: skip
st.caption(
    "Hover a dot for its word; zoomed out, the shading beneath the dots counts the words in each cell (log "
    f"scale). Neighbours come from the map's file, computed "
    f"{'exactly' if manifest['neighbors']['engine'] == 'exact' else 'approximately'} in the original "
    f"{manifest['source']['dims']}-dimensional space of {manifest['source']['name']}, not read off the map."
)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Words on the map", f"{len(data):,}")
m2.metric("Layout", method_title(manifest["method"]))
m3.metric("Regions (coarse · fine)", f"{manifest['levels'][0]['k']} · {manifest['levels'][-1]['k']}")
m4.metric(f"Neighbour recall@{manifest['neighbors']['k']}", f"{manifest['neighbors']['recall']:.1%}")

if focus.row is not None:
    st.subheader(f"Nearest words to “{data.words[focus.row]}”")
    if near:
        st.dataframe(views.neighbour_table(data, focus.row), hide_index=True, width="stretch")
    else:
        st.caption("The map's neighbour file lists no neighbours for this word.")
if len(selected) > 1:
    st.subheader(f"{count(len(selected), 'word')} selected")
    if len(selected) > views.MAX_LISTED:
        st.caption(f"The first {views.MAX_LISTED:,} are listed; the CSV holds them all.")
    st.dataframe(views.selection_table(data, selected), hide_index=True, width="stretch")
    st.download_button(
        "Selected words (CSV)", data=lambda: views.selection_csv(data, selected), file_name=f"map_{name}_selection.csv",
        mime="text/csv", icon=":material/download:", on_click="ignore",
    )  # fmt: skip
elif focus.row is None:
    st.caption("Click a word for its neighbours, or drag a box (box or lasso in the toolbar) to list words.")
with st.expander("About this map"):
    st.markdown(
        f"Built from **{manifest['source']['name']}** ({manifest['source']['rows']:,} × "
        f"{manifest['source']['dims']}) with {method_title(manifest['method'])}; neighbours by "
        f"{manifest['neighbors']['engine']} search (recall@{manifest['neighbors']['k']} "
        f"{manifest['neighbors']['recall']:.3f} against exact neighbours). " + map_build.how_to_build(state.settings)
    )
binding.save()
