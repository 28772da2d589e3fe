"""The Context page's layer analyses: "How contextual" (per-layer metrics) and "Senses by neighbours".

Both work on every source of the page. For typed sentences, presets and corpus samples the
metrics need every word of the sentences (one more cached forward pass, ``cache.get_sentence_words``)
and a seeded sample of the sidebar's corpus for the corpus curves; for an index they come from
the stored vectors (``explorer.index.analysis``, no model run).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from explorer import cache, links
from explorer.charts import layers as layer_charts
from explorer.contextual import layerviews
from explorer.contextual.inputs import sample_sentences
from explorer.contextual.metrics import metrics_csv
from explorer.contextual.occurrences import AllLayers
from explorer.contextual.views import LayerView
from explorer.errors import ExplorerError
from explorer.index import analysis as index_analysis
from explorer.index import reader as index_reader
from explorer.index.views import sense_clusters
from explorer.pagestate import Field
from explorer.ui.charts import chart
from explorer.ui.index_source import SESSION_INDEX, SESSION_KEY
from explorer.ui.sidebar import SidebarState
from explorer.wording import plain_markdown

CORPUS_SENTENCES = 64  # sentences of the sidebar's corpus behind the corpus curves (fewer where the server caps it)
MAX_NEIGHBOURS = 20


def page_fields() -> tuple[Field, ...]:
    """The page-state fields of the two views."""
    return (
        Field("context.how", False, parse=links.flag()),
        Field("context.neighbours_k", 5, parse=links.int_in(1, MAX_NEIGHBOURS)),
        Field("context.picked", None),
    )


# ----- senses by neighbours -----------------------------------------------------------------------
def _sense_labels(view: LayerView, stack: AllLayers, source: str) -> tuple[list[str] | None, str]:
    """The labels the accuracy is measured against, and where they come from."""
    if view.labels is not None and len(set(view.labels)) >= 2:
        return list(view.labels), "the sentences' sense labels"
    k = int(st.session_state.get("context.index_k") or 0)
    if source == "index" and k >= 2:
        seed = int(st.session_state.get("context.index_seed") or 0)
        clusters = sense_clusters(stack.at(view.layer).vectors, list(stack.sentences), k, seed=seed, center=view.center)
        return [f"cluster {c + 1}" for c in clusters.labels], f"the {k} sense clusters found at layer {view.layer}"
    return None, ""


GENERATIONS = "context.pick_generation"  # chart name -> how many times its selection was cleared
CLICKABLE = ("heatmap", "map")


def chart_key(name: str) -> str:
    """The widget key of a clickable chart ("heatmap", "map"). A new key draws the chart without a
    selection: Streamlit offers no other way to clear one, and a stale highlight would name another
    occurrence than the one listed."""
    generation = st.session_state.get(GENERATIONS, {}).get(name, 0)
    return f"context.{name}" if not generation else f"context.{name}.{generation}"


def _clear_selections(names: Sequence[str]) -> None:
    generations = dict(st.session_state.get(GENERATIONS, {}))
    for name in names:
        generations[name] = generations.get(name, 0) + 1
    st.session_state[GENERATIONS] = generations


def _apply_clicks(names: list[str], clicks: Sequence[tuple[str, Any, Sequence[str] | None]]) -> None:
    """A click on a chart picks its occurrence once, and clears the other chart's selection (one rerun);
    a selection that stays from an earlier run picks nothing again."""
    for name, selection, groups in clicks:
        points = ((selection or {}).get("selection") or {}).get("points") or []
        signature = repr(points[:1])
        seen_key = f"context.last_click.{chart_key(name)}"
        fresh = bool(points) and st.session_state.get(seen_key) != signature
        st.session_state[seen_key] = signature
        index = layerviews.picked_occurrence(selection, names, groups) if fresh else None
        if index is not None:
            st.session_state["context.picked"] = names[index]
            _clear_selections([other for other in CLICKABLE if other != name])
            st.rerun()


def senses_by_neighbours(
    view: LayerView, stack: AllLayers, source: str, clicks: Sequence[tuple[str, Any, Sequence[str] | None]] = ()
) -> None:
    """The picked occurrence's nearest occurrences at the layer shown, and the sense accuracy per layer.

    ``clicks``: (chart key, its selection state, the map's groups or None for the heatmap).
    """
    names = list(view.names)
    st.subheader("Senses by neighbours: which occurrences are nearest this one?")
    _apply_clicks(names, clicks)
    if st.session_state.get("context.picked") not in names:
        st.session_state["context.picked"] = names[0]
    col_pick, col_k = st.columns([4, 1])
    choice = col_pick.selectbox(
        "Occurrence (or click a cell of the heatmap, or a point on the map)", names, key="context.picked",
        on_change=_clear_selections, args=(CLICKABLE,),
    )  # fmt: skip
    k = col_k.number_input(
        "Neighbours", 1, MAX_NEIGHBOURS, key="context.neighbours_k",
        help=f"At most {MAX_NEIGHBOURS}, and at most the {len(names) - 1} other occurrences.",
    )  # fmt: skip
    labels, labels_from = _sense_labels(view, stack, source)
    index = names.index(choice)
    near = layerviews.neighbour_view(stack, view.layer, index, int(k), labels=labels, center=view.center)
    occ = stack.at(view.layer)
    mine = f" ({plain_markdown(labels[index])})" if labels else ""
    st.markdown(
        f"**{plain_markdown(names[index])}**{mine}: {layerviews.highlight(occ.sentences[index], occ.spans[index])}"
    )
    lines = [
        f"{rank}. cosine **{cos:.3f}** · {plain_markdown(names[j])}" + (f" · *{plain_markdown(lab)}*" if lab else "")
        + f" — {text}"
        for rank, (j, cos, text, lab) in enumerate(near.neighbours, start=1)
    ]  # fmt: skip
    st.markdown("\n".join(lines))
    st.caption(
        f"Nearest by cosine at layer {view.layer}{' after centering' if view.center else ''}. The lookup table "
        "cannot rank them: it gives every occurrence the same vector, so every cosine is 1."
    )
    if not near.accuracy:
        st.caption(
            "With sense labels (a preset, or ` | sense` on each line) or sense clusters (an index source), the "
            "page also measures, layer by layer, how often the nearest occurrence has the same sense."
        )
        return
    fig = layer_charts.neighbour_accuracy_chart(near.accuracy, near.static, view.layer, labels_from)
    csv = "layer,nearest_neighbour_accuracy,static_accuracy\n" + "".join(
        f"{layer},{acc:.4f},{near.static:.4f}\n" for layer, acc in enumerate(near.accuracy)
    )
    chart(fig, key="context.neighbour_accuracy", file_stem=f"context_{stack.word}_neighbour_accuracy", data=csv)
    here = near.accuracy[view.layer]
    m1, m2, m3 = st.columns(3)
    m1.metric(f"Nearest-neighbour accuracy, layer {view.layer}", f"{here:.0%}")
    m2.metric("Static lookup", f"{near.static:.0%}", help="Every occurrence has the same vector: a random pick.")
    m3.metric("Best layer", f"{near.best_layer}", help="Where the nearest occurrence most often shares the sense.")
    circular = (
        " (clusters found at this layer make its value high by construction)" if "clusters" in labels_from else ""
    )
    st.caption(
        f"Each of the {len(names)} occurrences is classified by its single nearest other occurrence (leave one "
        f"out), against {labels_from}{circular}."
    )


# ----- how contextual ---------------------------------------------------------------------------------
def _corpus_sample(state: SidebarState) -> list[str]:
    limit = min(CORPUS_SENTENCES, state.settings.max_sentences)
    usable = [
        s for s in state.corpus.raw_sentences if len(s.split()) >= 3 and len(s) <= state.settings.max_sentence_chars
    ]
    return sample_sentences(usable, limit, seed=0)


def _sample_size(state: SidebarState, source: str) -> str:
    """What the corpus curves are measured on, with the bound this server sets."""
    if source == "index":
        return f"{cache.INDEX_CORPUS_SAMPLE} stored occurrences of each of the index's 100 most frequent words."
    limit = min(CORPUS_SENTENCES, state.settings.max_sentences)
    capped = " (this server's limit on sentences read at once)" if limit < CORPUS_SENTENCES else ""
    return f"a seeded sample of at most {limit} sentences of the sidebar's corpus{capped}."


def _from_sentences(
    state: SidebarState, stack: AllLayers, sentences: list[str], pooling: str
) -> tuple[list[Any], list[Any], str]:
    own = cache.get_sentence_words(state.model, str(state.device), tuple(sentences), pooling)
    sample = _corpus_sample(state)
    if len(sample) < 2:
        raise ExplorerError(f"{state.corpus.name} has too few sentences for the corpus curves; pick another corpus.")
    corpus = cache.get_sentence_words(state.model, str(state.device), tuple(sample), pooling)
    view = layerviews.contextuality(stack, own, corpus)
    return list(view.word_rows), list(view.corpus_rows), f"{view.sizes}, a seeded sample of {state.corpus.name}."


def _from_index(word: str) -> tuple[list[Any], list[Any], str]:
    name = st.session_state.get("context.index")
    sample, seed = int(st.session_state["context.index_sample"]), int(st.session_state["context.index_seed"])
    if name == SESSION_INDEX:  # this visitor's own index: read directly, never through the shared cache
        info = index_reader.open_index(st.session_state[SESSION_KEY][0].path, "upload")
        corpus = index_analysis.analyze_index(info, top=100, sample=cache.INDEX_CORPUS_SAMPLE, seed=seed)
        mine = index_analysis.analyze_index(info, words=[word.lower()], sample=sample, seed=seed)
        rows = index_analysis.rebase(mine.word_rows(word.lower()), corpus.corpus_rows())
    else:
        rows, corpus, mine = cache.get_index_layer_metrics(str(name), word, sample, seed)
    sizes = f"“{word}”: {mine.occurrences} stored occurrences; corpus: {corpus.describe()}"
    return list(rows), corpus.corpus_rows(), sizes


def how_contextual(
    state: SidebarState, source: str, word: str, stack: AllLayers, sentences: list[str], pooling: str, layer: int
) -> None:
    """The per-layer metrics of the word against the corpus, behind a toggle (it reads more than the heatmap)."""
    st.subheader("How contextual are the vectors? Every layer measured")
    on = st.toggle(
        "Measure every layer", key="context.how",
        help="Self-similarity, intra-sentence similarity, the anisotropy baseline and the first principal "
        "component's share of the variance (Ethayarajh, 2019), for this word and for a sample of the corpus: "
        + _sample_size(state, source),
    )  # fmt: skip
    if not on:
        st.caption("Turn on to see, layer by layer, how much the sentence changes this word's vector.")
        return
    try:
        if source == "index":
            rows, corpus, sizes = _from_index(word)
        else:
            rows, corpus, sizes = _from_sentences(state, stack, sentences, pooling)
    except ExplorerError as exc:  # library messages may name a server setting: a hosted visitor reads none
        st.error(state.settings.for_visitor(f"The layers could not be measured: {exc}"))
        return
    except OSError as exc:  # an index that went away or cannot be read: the reason, never the server's path
        st.error(
            f"The layers could not be measured: the index could not be read ({exc.strerror or type(exc).__name__})."
        )
        return
    fig = layer_charts.layer_metrics_chart(rows, corpus, word, current_layer=layer)
    chart(fig, key="context.how_chart", file_stem=f"context_{word}_layers", data=lambda: metrics_csv([*rows, *corpus]))
    st.caption(f"Sample: {sizes}")
    notes = "\n".join(f"- **{name}**: {text}" for name, text in layerviews.METRIC_NOTES)
    st.markdown(f"{notes}\n\n{layerviews.READING}")
