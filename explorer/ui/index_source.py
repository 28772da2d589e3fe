"""The Context page's "From a corpus index" source: an index, a word, a seeded sample of its stored occurrences.

The vectors come from the index (``explorer.index``), so the page runs no model for them; the
heatmap, layer slider, centering and map then work on them as on the other sources. Indexes are
read from the server's ``EXPLORER_INDEX_DIR``; a visitor who uploaded a corpus can build a small
index of it here, in this process and for this session only (never listed to anyone else).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from explorer import cache, links, vectorsets
from explorer.contextual import AllLayers
from explorer.errors import ExplorerError
from explorer.index import reader as index_reader
from explorer.index import views
from explorer.index.contract import Targets
from explorer.pagestate import Field
from explorer.settings import get_settings
from explorer.share import provenance
from explorer.ui.share import share_for_page
from explorer.ui.sidebar import SidebarState
from explorer.ui.vectorsets import register_vectors
from explorer.wordhints import default_word, missing_word_hint
from explorer.wording import count, plain_markdown

SOURCE = {"index": "From a corpus index"}
SESSION_INDEX = "__session__"  # the option for this session's own index of its uploaded corpus
SESSION_KEY = "context.session_index"  # (_SessionFolder, title) of that index
MAX_SAMPLE = 300
MAX_CLUSTERS = 10
# What a button may build in-process from an uploaded corpus: (sentences, target words), local / hosted.
UPLOAD_LIMITS = {False: (20_000, 2_000), True: (2_000, 300)}
NOT_CONFIGURED = (
    "No corpus index is configured on this server. Build one with `python -m explorer.index build FILES --out "
    "indexes/NAME` and start the app with `EXPLORER_INDEX_DIR=indexes`; or upload a corpus in the sidebar and "
    "build a small index of it here."
)


def _default_index() -> str | None:
    names = cache.index_listing().names  # only readable indexes
    return names[0] if names else None


def page_fields(link_when: Callable[[Mapping[str, Any]], bool]) -> tuple[Field, ...]:
    """The page-state fields of this source; ``link_when`` says when the source is chosen.

    An index travels in a link by its name, parsed against the names present in the server's
    folder (never a path); this session's own index never travels.
    """
    folder = get_settings().index_dir

    def named_index(values: Mapping[str, Any]) -> bool:
        return link_when(values) and values.get("context.index") != SESSION_INDEX

    return (
        Field("context.index", _default_index, parse=index_reader.link_parser(folder), link_when=named_index),
        Field("context.index_word", "", parse=links.text(40), link_when=link_when),
        Field("context.index_sample", 50, parse=links.int_in(2, MAX_SAMPLE), link_when=link_when),
        Field("context.index_seed", 0, parse=links.int_in(0, 2**31 - 1), link_when=link_when),
        Field("context.index_k", 0, parse=links.int_in(0, MAX_CLUSTERS), link_when=link_when),
    )


class _SessionFolder:
    """A temporary folder that is removed when the session that holds it is gone."""

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="explorer-index-")
        weakref.finalize(self, shutil.rmtree, self.path, True)


def _offer_upload_build(state: SidebarState) -> None:
    """A button that builds a small index of the uploaded corpus, in this process, for this session."""
    corpus = state.corpus
    if not corpus.source.startswith("upload:"):
        return
    max_sentences, max_words = UPLOAD_LIMITS[state.settings.hosted]
    clicked = st.button(
        f"Build an index of {corpus.name}",
        key="context.build_index",
        help=f"Runs the transformer over the first {max_sentences:,} sentences of your upload for its "
        f"{max_words:,} most frequent words, here and for this session only (it may take a minute).",
    )
    if not clicked:
        return
    holder = _SessionFolder()
    title = f"{corpus.name} (this session)"
    try:
        embedder = cache.get_embedder(state.model, str(state.device))
        with st.spinner(f"Running {embedder.name} over {corpus.name}…"):
            from explorer.index.build import build_index_from_texts

            out = Path(holder.path) / "upload"
            texts = corpus.raw_sentences[:max_sentences]
            targets = Targets.most_frequent(max_words, max_words)
            options = {"targets": targets, "keep_per_word": 200, "title": title}
            build_index_from_texts(texts, out, label=corpus.name, embedder=embedder, **options)
            info = index_reader.open_index(holder.path, "upload")
            last = info.layers[-1]
            layer_vectors = index_reader.distilled_vectors(info, last)
            register_vectors(
                info.vectors_label(last),
                layer_vectors,
                make_active=False,
                set_id=vectorsets.upload_id(info.vectors_label(last)),
                provenance=provenance.index_layer(info.model, last, corpus.name, layer_vectors),
            )
    except (ExplorerError, OSError) as exc:
        st.error(f"The index could not be built: {exc}")
        return
    st.session_state[SESSION_KEY] = (holder, title)
    st.session_state["context.index"] = SESSION_INDEX
    st.caption(
        f"Built. Its layer-{last} word vectors are kept for this session: every page's vector picker lists them."
    )


def _show_clusters(stacked: views.LayerStack, k: int, seed: int) -> None:
    """k-means sense clusters at the layer the slider shows, with the sentences nearest each centre."""
    layer = st.session_state.get("context.layer")
    layer = stacked.num_layers if layer is None else max(0, min(int(layer), stacked.num_layers))
    center = bool(st.session_state.get("context.center"))
    occ = stacked.stack.at(layer)
    clusters = views.sense_clusters(occ.vectors, list(occ.sentences), k, seed=seed, center=center)
    with st.expander(f"{len(clusters.sizes)} sense clusters at layer {layer} (k-means, seed {seed})", expanded=True):
        st.dataframe(
            {
                "cluster": [r[0] for r in clusters.rows],
                "size": [r[1] for r in clusters.rows],
                "cosine to centre": [round(r[2], 3) for r in clusters.rows],
                "sentence nearest the centre": [r[3] for r in clusters.rows],
            },
            hide_index=True,
            width="stretch",
        )


SHOWN_UNREADABLE = 3  # unreadable indexes named in the warning; the rest in an expander below it


def _show_unreadable(unreadable: tuple[index_reader.UnreadableIndex, ...]) -> None:
    """The indexes of the folder that cannot be read, each with its reason; none of them is offered."""
    if not unreadable:
        return
    lines = [f"- **{plain_markdown(u.name)}**: {plain_markdown(u.reason)}" for u in unreadable]
    st.warning(
        f"{count(len(unreadable), 'index', 'indexes')} in the server's folder cannot be read and "
        f"{'is' if len(unreadable) == 1 else 'are'} not offered:\n" + "\n".join(lines[:SHOWN_UNREADABLE])
    )
    if len(lines) > SHOWN_UNREADABLE:  # a folder of many damaged indexes must not push the page down
        with st.expander(f"The other {count(len(lines) - SHOWN_UNREADABLE, 'unreadable index', 'unreadable indexes')}"):
            st.markdown("\n".join(lines[SHOWN_UNREADABLE:]))


def pick(state: SidebarState) -> tuple[str, list[str], AllLayers, int]:
    """Draw the source's widgets; (word, sentences, all-layer stack, the model's layers) of the sample.

    Stops the page after saying why when there is no index, no word or too few occurrences.
    """
    folder = state.settings.index_dir
    _offer_upload_build(state)
    session = st.session_state.get(SESSION_KEY)
    listing = cache.index_listing()
    _show_unreadable(listing.unreadable)
    options = listing.names + ([SESSION_INDEX] if session else [])
    if not options:
        held = "no readable index" if listing.unreadable else "no index yet"
        st.info(NOT_CONFIGURED if not folder else f"{NOT_CONFIGURED} (The folder {folder} holds {held}.)")
        st.stop()
    if st.session_state.get("context.index") not in options:
        st.session_state["context.index"] = options[0]
    col_index, col_word, col_n, col_seed, col_k = st.columns([3, 2, 1, 1, 1])
    titles = {SESSION_INDEX: session[1] if session else ""}
    titles.update({info.name: info.describe() for info in listing.readable})
    name = col_index.selectbox("Index", options, format_func=lambda n: titles.get(n, n), key="context.index")
    own = name == SESSION_INDEX  # this visitor's in-session index: read directly, never through the shared cache
    try:
        info = index_reader.open_index(session[0].path, "upload") if own else cache.get_index(name)
        counts = index_reader.word_counts(info)
    except (ExplorerError, OSError) as exc:
        st.error(f"The index {name} cannot be read: {exc}")
        st.stop()
    if own:  # its layer's word vectors are this session's own set: they travel by link once shared
        label = info.vectors_label(info.layers[-1])
        share_for_page(vectorsets.upload_id(label), "context.shared", "pages/2_Project.py", "project.vectors", "Open the shared layer vectors on the Project page")  # fmt: skip
    if not st.session_state.get("context.index_word") and counts:
        st.session_state["context.index_word"] = default_word(list(counts))
    word = col_word.text_input("Word", key="context.index_word", help="Any word the index holds.").strip()
    n = col_n.number_input("Sample", min_value=2, max_value=MAX_SAMPLE, key="context.index_sample", help=f"Stored occurrences drawn by the seed, at most {MAX_SAMPLE}.")  # fmt: skip
    seed = col_seed.number_input("Seed", min_value=0, max_value=2**31 - 1, key="context.index_seed")
    k = col_k.number_input(
        "Sense clusters",
        min_value=0,
        max_value=MAX_CLUSTERS,
        key="context.index_k",
        help=f"0: none; at most {MAX_CLUSTERS}.",
    )
    if word.lower() not in counts:
        st.warning(missing_word_hint(word, list(counts), info.title))
        st.stop()
    try:
        if own:
            sample = index_reader.sample_occurrences(info, word.strip().lower(), int(n), int(seed))
        else:
            sample = cache.get_index_sample(name, word, int(n), int(seed))
    except (ExplorerError, OSError) as exc:
        st.error(f"The occurrences of “{word}” cannot be read from {name}: {exc}")
        st.stop()
    for note in sample.notes:  # vectors with NaN or infinite values were left out
        st.warning(note)
    st.caption(
        f"“{word}” occurs {sample.total:,} times in **{info.title}** ({sample.stored:,} stored in the index); "
        f"a seeded sample of {len(sample)} (change the seed for another). The vectors were computed by "
        f"{info.model} ({info.manifest.get('pooling', 'mean')} pooling) when the index was built: no model runs now."
    )
    if len(sample) < 2:
        st.warning(f"The index stores {len(sample)} occurrence of “{word}”; the heatmap needs two. Try another word.")
        st.stop()
    stacked = views.sample_stack(sample, info.num_layers)
    layer = st.session_state.get("context.layer")
    if layer is not None and layer > info.num_layers:  # the slider below spans the index's model
        st.session_state["context.layer"] = layer = info.num_layers
    if layer is not None and (note := stacked.note(int(layer))):
        st.caption(note)
    if k:
        _show_clusters(stacked, int(k), int(seed))
    return word, list(stacked.stack.sentences), stacked.stack, info.num_layers
