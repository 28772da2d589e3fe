"""Train static word embeddings live and watch them form."""

from __future__ import annotations

import streamlit as st

from explorer import cache, links, ui, vectorsets
from explorer.charts import train as charts
from explorer.pagestate import Field, PageState
from explorer.training import METHOD_TITLES, METHODS, make_trainer, teaching
from explorer.training import views as tv
from explorer.training.params import PARAMS, page_config, param_key, param_parser

st.set_page_config(page_title="Train", page_icon=":material/model_training:", layout="wide")

METHOD, SEED, WATCH, PINS, MAP_SIZE = "train.method", "train.seed", "train.watch", "train.pins", "train.map_size"
MAP_PREV, EPOCH_SNAPSHOTS = "train.map_prev", "train.epoch_snapshots"
LIVE_REDRAW_SECONDS = 1.0  # the browser asks for a redraw this often while live training runs
PAGE_STATE = PageState(
    "train.",
    (
        Field(METHOD, "sgns", parse=links.choice(list(METHODS), case_sensitive=True)),
        Field(SEED, 1, parse=links.int_in(0, 2**31 - 1)),
        Field(WATCH, "", parse=links.word_list(8)),
        Field(PINS, "", parse=links.word_list(20)),
        Field(MAP_SIZE, 50, parse=links.int_in(10, 200)),
        Field(EPOCH_SNAPSHOTS, True, parse=links.flag()),
        *(
            Field(param_key(m, p.name), p.typed_default, parse=param_parser(p), link_when=lambda v, m=m: v[METHOD] == m)
            for m, specs in PARAMS.items()
            for p in specs
        ),
        Field("train.tab", "Window pairs"),
        Field("train.sentence", 1),
        Field("train.matrix_words", None),
        Field("train.ngram_word", None),
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
ss = st.session_state
corpus, settings = state.corpus, state.settings

st.title("Train word vectors")
st.markdown(
    "Pick a method, press **Step** or **Start**, and watch the vectors form: the loss falls, the map "
    "of frequent words rearranges, and the neighbours of the words you watch change."
)

# ----- method and parameters -------------------------------------------------------------------
top = st.columns([2, 1, 2])
method = top[0].selectbox(
    "Method",
    list(METHODS),
    format_func=METHOD_TITLES.get,
    key=METHOD,
    help="Skip-gram and CBOW predict words from their neighbours; PPMI + SVD factorises counts; "
    "GloVe fits log counts; the subword model builds words from character n-grams.",
)
top[1].number_input("Seed", 0, 2**31 - 1, step=1, key=SEED, help="The same seed gives the same vectors.")
top[2].caption(
    f"Corpus: **{corpus.name}**, {corpus.token_count:,} tokens. Training runs on "
    f"{'the CPU' if state.device.type == 'cpu' else state.device_label}; one run may use up to "
    f"{settings.max_train_seconds:,} s and {settings.max_vocab:,} words."
)
specs = PARAMS[method]
cols = st.columns(4)
values = {
    p.name: cols[i % 4].number_input(
        p.label,
        p.typed(p.lo),
        p.typed(p.hi),
        step=p.typed(p.step_size),
        format=p.widget_format,
        key=param_key(method, p.name),
        help=p.help,
    )
    for i, p in enumerate(specs)
}
st.button(
    "Restore defaults",
    icon=":material/restart_alt:",
    on_click=binding.reset,
    args=([param_key(method, p.name) for p in specs],),
    help=f"Put every parameter of {METHOD_TITLES[method]} back to its default.",
)

config = page_config(method, values, corpus.token_count)
config.update(seed=int(ss[SEED]), max_vocab=settings.max_vocab, device=str(state.device))
signature = (method, corpus.source, corpus.name, corpus.token_count, tuple(sorted(config.items())))

# ----- the training run lives in this visitor's session ----------------------------------------
run = ui.training_run(state, signature, lambda: make_trainer(method, corpus, **config))


ui.training_controls(run, tv.step_help(method, config["batch_words"], corpus.token_count), epoch_key=EPOCH_SNAPSHOTS)

view_cols = st.columns([3, 3, 1])
suggested = tv.suggested_placeholder(corpus)
view_cols[0].text_input(
    "Watch words",
    key=WATCH,
    placeholder=suggested,
    help="Comma-separated; their nearest neighbours are listed below. Empty: a few suggested words.",
)
view_cols[1].text_input(
    "Pin words on the map",
    key=PINS,
    placeholder=suggested,
    help="Comma-separated; always drawn on the map, in red and labelled.",
)
view_cols[2].number_input("Words on map", 10, 200, step=10, key=MAP_SIZE, help="The most frequent words, stopwords left out; the first 25 are labelled, hover the others.")  # fmt: skip


drawn_running = run is not None and run.running


@st.fragment(run_every=LIVE_REDRAW_SECONDS if drawn_running else None)
def live_views() -> None:
    if run is None:
        return
    ui.live_messages(run)  # waiting for a slot; why training stopped (kept in the run, so every rerun shows it)
    ui.keep_epoch_snapshot(run)  # the epoch ends live training snapshotted since the last redraw
    if drawn_running and not run.running:
        st.rerun()  # live training ended: the Start/Stop button and the timer belong to the whole page
    st.progress(run.trainer.progress, text=run.status_text())
    trained = bool(run.trainer.records)
    label = f"Trained: {METHOD_TITLES[method]} on {corpus.name}"
    wv = run.snapshot(name=label)
    if trained:
        ui.register_vectors(
            label, wv, set_id=vectorsets.trained_id(method, corpus.source), provenance=ui.run_provenance(run, wv)
        )
    left, right = st.columns(2)
    with left:
        loss = tv.loss_series(run.trainer)
        if loss.x:
            fig = charts.loss_figure(loss.x, loss.loss, x_title=loss.x_title, y_title=loss.y_title, smooth=loss.smooth, stages=loss.stages)  # fmt: skip
            ui.chart(fig, key="train.loss_chart", file_stem=f"loss_{method}", downloads=not drawn_running)
            st.caption(loss.caption)
        else:
            st.info("This stage counts co-occurrences; the loss appears once the SVD starts." if trained else "The loss curve appears after the first step.")  # fmt: skip
        st.markdown("**Nearest neighbours of watched words**")
        table = tv.watched_neighbours(wv, tv.watch_words(ss[WATCH], wv, corpus.source), topn=5)
        st.table(table.rows, border="horizontal", hide_index=True)
        if table.note:  # every cosine near 1: the vectors have not spread apart yet
            st.info(table.note, icon=":material/school:")
    with right:
        replay, replay_title = ui.snapshot_replay()  # a slider over this run's kept snapshots, when there are some
        frame = tv.word_map_frame(wv if replay is None else replay, int(ss[MAP_SIZE]), ss[PINS], ss.get(MAP_PREV))
        ss[MAP_PREV] = frame.positions if replay is None else ss.get(MAP_PREV)
        title = replay_title or ("Word map (PCA, aligned to the previous frame)" if trained else "Word map (random starting vectors)")  # fmt: skip
        ui.chart(charts.word_map_figure(frame.words, frame.xy, frame.pins, title=title, extent=frame.extent), key="train.map_chart", file_stem=f"word_map_{method}", downloads=not drawn_running)  # fmt: skip
        st.caption(
            "Each dot is a word; words used in similar contexts move close together. The plane is a PCA "
            "of the current vectors, turned to match the previous frame, so motion means learning."
        )
        if frame.unknown_pins:
            st.caption(
                f"Not on the map (not in the vocabulary, rare or below min_count): {', '.join(frame.unknown_pins)}."
            )
    if trained:
        st.download_button(
            "Download vectors (word2vec text)", data=lambda: tv.word2vec_bytes(wv), icon=":material/download:",
            file_name=f"{method}_{corpus.name.replace(' ', '_').lower()}.txt", mime="text/plain",
            help="The current vectors in word2vec text format; the other pages already use them.",
        )  # fmt: skip
        ui.share_for_page(vectorsets.trained_id(method, corpus.source), "train.shared", "pages/2_Project.py", "project.vectors", "Open the shared vectors on the Project page")  # fmt: skip


live_views()

# ----- teaching views ------------------------------------------------------------------------------
st.divider()
st.subheader("How the methods see the text")
window = int(values.get("window", 5))
tab_pairs, tab_counts, tab_ngrams = st.tabs(["Window pairs", "Co-occurrence and PPMI", "Character n-grams"], key="train.tab", on_change="rerun")  # fmt: skip
with tab_pairs:
    st.markdown(tv.WINDOW_PAIRS_TEXT)
    n_sent = min(len(corpus.sentences), 200)
    if not 1 <= ss["train.sentence"] <= n_sent:
        ss["train.sentence"] = 1
    idx = int(st.number_input("Sentence number", min_value=1, max_value=n_sent, step=1, key="train.sentence"))
    tokens = corpus.sentences[idx - 1]
    st.caption(f"“{corpus.raw_sentences[idx - 1]}” → {len(tokens)} tokens, window {window}")
    st.dataframe(teaching.window_pair_rows(tokens, window), hide_index=True, height=260)
with tab_counts:
    st.markdown(tv.COOCCURRENCE_TEXT)
    words, offered = tv.matrix_words(ss["train.matrix_words"], ss.get("train.matrix_offered"), corpus, ss[WATCH])
    ss.update({"train.matrix_words": words, "train.matrix_offered": offered})
    chosen = tv.split_words(st.text_input("Words (up to 12)", key="train.matrix_words"))[:12]
    view = ui.guarded("The matrices could not be computed", cache.get_cooccurrence_view, corpus, tuple(chosen), window)
    if view is not None:
        if view.missing:
            st.warning(f"Not in this corpus: {', '.join(view.missing)}.")
        if len(view.words) >= 2:
            c1, c2 = st.columns(2)
            ui.chart(charts.matrix_figure(view.counts, view.words, f"Co-occurrence counts (window {window})"), key="train.cooc_chart", file_stem="cooccurrence", where=c1)  # fmt: skip
            ui.chart(charts.matrix_figure(view.ppmi, view.words, "PPMI", colorscale="Greens", fmt=".2f"), key="train.ppmi_chart", file_stem="ppmi", where=c2)  # fmt: skip
            c2.caption(tv.PPMI_NOTE)
        else:
            st.info("Type at least two words of the corpus, separated by commas.")
with tab_ngrams:
    st.markdown(tv.NGRAMS_TEXT)
    if ss["train.ngram_word"] is None:
        ss["train.ngram_word"] = tv.unseen_example_word(corpus)
    word = st.text_input("A word", key="train.ngram_word", max_chars=40).strip().lower()
    sub = run.trainer if run is not None and method == "subword" and run.trainer.records else None
    if word:
        panel = tv.ngram_panel(word, values, sub)
        known = (
            "" if not panel.trained else (" (a known word)" if panel.view.in_vocabulary else " (not in the vocabulary)")
        )
        st.caption(f"{len(panel.view.ngrams)} n-grams of “<{word}>”{known}")
        st.dataframe([{"n-gram": g, "hash bucket": r} for g, r in panel.view.ngrams], hide_index=True, height=220)
        if panel.view.vector is not None:
            ui.chart(charts.vector_strip_figure(panel.view.vector, f"Vector of “{word}”"), key="train.ngram_vec", file_stem=f"vector_{word}")  # fmt: skip
            st.markdown("Nearest known words: " + ", ".join(f"{w} ({s:.2f})" for w, s in panel.nearest))
        else:
            st.info("Train the subword method (choose it above and press a Step button) to see this word's vector.")

binding.save()
