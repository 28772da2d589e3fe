"""The Map page's build control: send any vector set of the pickers to the map job, and follow its progress.

Local servers only: a hosted server shows the maps its operator built and says so in one sentence.
The job runs as a background process (``explorer.map.jobs``) held in the server's registry
(``cache.map_jobs``), so its progress is shown again when the visitor comes back from another
page; when it ends, the page runs again and the new map is picked.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from explorer import cache, vectorsets
from explorer.errors import ExplorerError
from explorer.library.convert import file_format
from explorer.library.store import vectors_root
from explorer.map.contract import METHODS, method_title
from explorer.map.jobs import DIRECT_FORMATS, DONE, FAILED, RUNNING, STOPPED, BuildRequest, MapJob
from explorer.safefiles import safe_path
from explorer.settings import Settings
from explorer.ui.sidebar import SidebarState
from explorer.ui.vectorsets import vector_set_picker

OPEN_KEY = "map.build.open"
SET_KEY = "map.build.set"
SEEN_KEY = "map.build.seen"  # (name, start time) of the ended jobs this session has already reacted to
PICK_KEY = "map.build.pick"  # a map just built, to be picked before the page's map list draws
NAMED_FOR_KEY = "map.build.named_for"  # the set the map name was last suggested for
METHOD_HELP = "PCA takes seconds; UMAP and t-SNE show neighbourhoods better and take minutes on big sets."
HOSTED_NOTE = (
    "This server shows the maps its operator built; building a new map from a vector set runs on a local "
    "copy of the explorer."
)

BUILD_COMMAND = (
    "`python -m explorer.map build vectors.txt --out MAPS/NAME` (UMAP by default; `--method pca` takes seconds)"
)


def how_to_build(settings: Settings) -> str:
    """How maps get onto this page, worded for who reads it: nothing for a hosted server's visitor (no command
    or setting they could use), the form and the command on a local server, and the setting where none is set."""
    if settings.hosted:
        return ""
    if not settings.map_dir:
        return (
            f"Build a map of any vector file with {BUILD_COMMAND.replace('MAPS', 'maps')} and start the app with "
            "`EXPLORER_MAP_DIR=maps`: every folder written there is listed here by its name."
        )
    return (
        "Build one from a vector set with **Build a new map from a vector set** above, or of any vector file with "
        f"{BUILD_COMMAND}, MAPS being this server's map folder: every map written there is listed here by its name."
    )


def build_panel(state: SidebarState) -> None:
    """The jobs' progress, then a toggle that opens the build form (vector set, name, method, size)."""
    settings = state.settings
    if settings.hosted:
        st.caption(HOSTED_NOTE)
        return
    ss = st.session_state
    if (pick := ss.pop(PICK_KEY, None)) is not None:
        ss["map.name"] = pick  # set before the page's map list is drawn in this run
        ss[OPEN_KEY] = False  # the form closes, so the new map is not pushed below it
    _progress()
    if not st.toggle("Build a new map from a vector set", key=OPEN_KEY):
        return
    with st.container(border=True):
        wv = vector_set_picker(state, key=SET_KEY, label="Vector set to map")
        if ss.get(NAMED_FOR_KEY) != ss.get(SET_KEY) or not ss.get("map.build.name"):
            ss["map.build.name"] = _suggested_name(wv.name if wv is not None else "")
            ss[NAMED_FOR_KEY] = ss.get(SET_KEY)
        c1, c2, c3, c4 = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
        name = c1.text_input("Map name", key="map.build.name", help="The map's folder name in the server's map folder.")
        method = c2.selectbox(
            "Layout", METHODS, index=METHODS.index("pca"), key="map.build.method", help=METHOD_HELP,
            format_func=method_title,
        )  # fmt: skip
        limit = c3.number_input("First N words (0: all)", min_value=0, value=0, step=1000, key="map.build.limit")
        replace = c4.checkbox("Replace it", key="map.build.replace", help="Rebuild a map of that name.")
        if not st.button("Build the map", icon=":material/map:", type="primary", disabled=wv is None):
            return
        request = BuildRequest(
            name=name, label=wv.name if wv is not None else "", vectors=wv, method=str(method),
            limit=int(limit) or None, replace=bool(replace),
        )  # fmt: skip
        try:
            request = _direct_source(request, str(st.session_state.get(SET_KEY, "")), settings.data_dir)
            cache.map_jobs().start(settings.map_dir or "", request)
        except (ExplorerError, OSError) as exc:
            st.error(f"The map was not started: {settings.for_visitor(str(exc))}", icon=":material/error:")
            return
        st.rerun()  # the progress shows above the form from the next run on


def _direct_source(request: BuildRequest, set_id: str, data_dir: str | None) -> BuildRequest:
    """A library file the job can read itself is passed by its path (no copy of a big file)."""
    with contextlib.suppress(ExplorerError):
        parsed = vectorsets.parse_id(set_id)
        if (
            parsed.kind == "library"
            and parsed.file_name
            and data_dir
            and file_format(parsed.file_name) in DIRECT_FORMATS
        ):
            path = safe_path(vectors_root(data_dir), parsed.file_name)
            return BuildRequest(request.name, request.label, None, path, request.method, request.limit, request.replace)
    return request


def _suggested_name(set_name: str) -> str:
    """A map name from the set's name: letters, digits, '_', '.' and '-' only.

    >>> _suggested_name("Library: glove 6B.txt")
    'Library-glove-6B'
    """
    stem = set_name.rsplit(".", 1)[0] if "." in set_name[-6:] else set_name
    cleaned = "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in stem)
    cleaned = "-".join(part for part in cleaned.split("-") if part)
    return cleaned[:60] or "my-map"


def _progress() -> None:
    """Each job of this server: a progress bar while it runs (redrawn every second), how it ended afterwards."""
    jobs = cache.map_jobs().jobs()
    if not jobs:
        return
    running = any(j.state == RUNNING for j in jobs)
    st.fragment(run_every=1.0 if running else None)(_show_jobs)()


def _show_jobs() -> None:
    seen: set[tuple[str, float]] = st.session_state.setdefault(SEEN_KEY, set())
    for job in cache.map_jobs().jobs()[:3]:
        state = job.state
        if state == RUNNING:
            left, right = st.columns([6, 1], vertical_alignment="bottom")
            left.progress(job.share, text=f"Building map **{job.name}** of {job.label}: {job.status}")
            right.button("Stop", key=f"map.build.stop.{job.name}", on_click=job.stop, icon=":material/stop:")
            continue
        if (job.name, job.started) not in seen:
            seen.add((job.name, job.started))
            if state == DONE:
                st.session_state[PICK_KEY] = job.name  # the new map is the one shown
            st.rerun()  # the whole page: the map list now holds the new map
        _ended(job, state)


def _ended(job: MapJob, state: str) -> None:
    if state == DONE:
        seconds = (job.ended or job.started) - job.started
        st.success(
            f"Map **{job.name}** was built from {job.label} in {seconds:,.0f} s.",
            icon=":material/check_circle:",
        )
    elif state == FAILED:
        st.error(f"Map **{job.name}** of {job.label} was not built: {job.error}", icon=":material/error:")
    elif state == STOPPED:
        st.info(f"Map **{job.name}**: {job.status}; the map folder was left as it was.", icon=":material/stop:")
