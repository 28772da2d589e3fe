"""Train static word embeddings live and watch them form."""

from __future__ import annotations

import io
import time

import streamlit as st

from explorer import links, ui
from explorer.charts import train as charts
from explorer.corpus import builtin_names
from explorer.training import METHOD_TITLES, METHODS, TrainingError, make_trainer, teaching
from explorer.training.params import PARAMS, page_config, param_key

st.set_page_config(page_title="Train", page_icon="🏋️", layout="wide")

METHOD = "train.method"
SEED = "train.seed"
WATCH = "train.watch"
PINS = "train.pins"
MAP_SIZE = "train.map_size"
TRAINER = "train.trainer"
SIGNATURE = "train.signature"
RUNNING = "train.running"
MAP_PREV = "train.map_prev"
NOTICE = "train.notice"
TEACH_CACHE = "train.cooc_cache"

LOSS_MEANING = {
    "sgns": ("loss per (center, context) pair", "How badly each true pair is told apart from random noise words."),
    "cbow": ("loss per center word", "How badly each word is predicted from the average of its neighbours."),
    "ppmi_svd": (
        "share of PPMI not yet captured",
        "Each SVD refinement captures more of the PPMI matrix; 0 would reproduce it exactly.",
    ),
    "glove": ("weighted squared error", "How far word·context + biases is from log co-occurrence counts."),
    "subword": ("loss per (center, context) pair", "Skip-gram's loss, with words built from character n-grams."),
}


def _word_list(max_words: int):
    parse = links.words(max_words, 40)
    return lambda raw: ", ".join(parse(raw))


def _param_parser(spec):
    if spec.kind == "int":
        return links.int_in(int(spec.lo), int(spec.hi))
    return links.float_in(float(spec.lo), float(spec.hi))


link_fields = {
    "sidebar.corpus": links.builtin_name([*builtin_names(), ui.UPLOAD_CHOICE]),
    METHOD: links.choice(list(METHODS), case_sensitive=True),
    SEED: links.int_in(0, 2**31 - 1),
    WATCH: _word_list(8),
    PINS: _word_list(20),
    MAP_SIZE: links.int_in(10, 200),
}
for _method, _specs in PARAMS.items():
    for _spec in _specs:
        link_fields[param_key(_method, _spec.name)] = _param_parser(_spec)
# Streamlit forgets a page's widget values while another page runs; bring them back first (a link wins).
widget_keys = [METHOD, SEED, WATCH, PINS, MAP_SIZE, "train.sentence", "train.matrix_words", "train.ngram_word"]
widget_keys += [param_key(m, p.name) for m, ps in PARAMS.items() for p in ps]
save_widgets = ui.keep_widgets("train.", widget_keys)
ui.restore_from_link(link_fields)

state = ui.sidebar()
corpus = state.corpus
settings = state.settings

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
    format_func=lambda m: METHOD_TITLES[m],
    key=METHOD,
    help="Skip-gram and CBOW predict words from their neighbours; PPMI + SVD factorises counts; "
    "GloVe fits log counts; the subword model builds words from character n-grams.",
)
if SEED not in st.session_state:
    st.session_state[SEED] = 1
top[1].number_input(
    "Seed", min_value=0, max_value=2**31 - 1, step=1, key=SEED, help="The same seed gives the same vectors."
)
top[2].caption(
    f"Corpus: **{corpus.name}**, {corpus.token_count:,} tokens. Training runs on "
    f"{'the CPU (one thread)' if state.device.type == 'cpu' else state.device_label}; "
    f"one run may use up to {settings.max_train_seconds:,} s and {settings.max_vocab:,} words."
)

values = {}
specs = PARAMS[method]
cols = st.columns(4)
for i, spec in enumerate(specs):
    key = param_key(method, spec.name)
    if key not in st.session_state:
        st.session_state[key] = int(spec.default) if spec.kind == "int" else float(spec.default)
    col = cols[i % 4]
    if spec.kind == "int":
        values[spec.name] = col.number_input(
            spec.label,
            min_value=int(spec.lo),
            max_value=int(spec.hi),
            step=int(spec.step or 1),
            key=key,
            help=spec.help,
        )
    else:
        values[spec.name] = col.number_input(
            spec.label,
            min_value=float(spec.lo),
            max_value=float(spec.hi),
            step=float(spec.step or 0.01),
            format=spec.fmt or "%.2f",
            key=key,
            help=spec.help,
        )

config = page_config(method, values, corpus.token_count)
config.update(seed=int(st.session_state[SEED]), max_vocab=settings.max_vocab, device=str(state.device))
signature = (method, corpus.source, corpus.name, corpus.token_count, tuple(sorted(config.items())))

# ----- the trainer lives in this visitor's session ---------------------------------------------
if st.session_state.get(SIGNATURE) != signature:
    old = st.session_state.get(TRAINER)
    if old is not None and old.records:
        st.session_state[NOTICE] = "The method, corpus or a parameter changed, so training starts over."
    st.session_state[SIGNATURE] = signature
    st.session_state[RUNNING] = False
    st.session_state[MAP_PREV] = {}
    ui.release_training_slot(state)
    try:
        st.session_state[TRAINER] = make_trainer(method, corpus, **config)
        st.session_state.pop("train.error", None)
    except (TrainingError, ValueError) as exc:
        st.session_state[TRAINER] = None
        st.session_state["train.error"] = str(exc)

trainer = st.session_state.get(TRAINER)
if st.session_state.get(NOTICE):
    st.info(st.session_state.pop(NOTICE))
if trainer is None:
    st.error(f"Training cannot start: {st.session_state.get('train.error', 'unknown problem')}")


def time_left() -> float:
    return settings.max_train_seconds - (trainer.elapsed if trainer is not None else 0.0)


def advance(n: int) -> None:
    """Run ``n`` steps (or fewer at the time limit) with a progress bar."""
    if time_left() <= 0:
        st.warning(f"This run reached the limit of {settings.max_train_seconds:,} s of training. Reset to start over.")
        return
    if not ui.acquire_training_slot(state):
        return
    bar = st.progress(0.0, text=f"Training {n} step(s)…")
    deadline = time.perf_counter() + time_left()
    done = 0
    try:
        while done < n and not trainer.done and time.perf_counter() < deadline:
            k = min(n - done, 5)
            trainer.step(k)
            done += k
            ui.acquire_training_slot(state)  # renew the lease on long runs
            bar.progress(min(1.0, done / n), text=f"Training: {done}/{n} steps")
    finally:
        if not st.session_state.get(RUNNING):
            ui.release_training_slot(state)
    bar.empty()


# ----- controls ------------------------------------------------------------------------------------
buttons = st.columns([1, 1, 1, 1.3, 1, 3])
disabled = trainer is None or trainer.done
if method in ("sgns", "cbow", "subword"):
    per_step = f"{config['batch_words']:,} words of text"
    twenty = f"about {20 * config['batch_words'] / max(corpus.token_count, 1):.1f} epochs of this corpus"
else:
    per_step = "a chunk of counting or one stage of fitting"
    twenty = "twenty of those"
if buttons[0].button("Step ×1", disabled=disabled, help=f"One step: {per_step}."):
    advance(1)
if buttons[1].button("Step ×20", disabled=disabled, help=f"Twenty steps: {twenty}."):
    advance(20)
if buttons[2].button("Step ×100", disabled=disabled, help="A hundred steps."):
    advance(100)


def _set_running(on: bool) -> None:
    st.session_state[RUNNING] = on
    if not on:
        ui.release_training_slot(state)


def _reset() -> None:
    st.session_state[SIGNATURE] = None
    st.session_state[TRAINER] = None
    st.session_state[RUNNING] = False
    ui.release_training_slot(state)


if st.session_state.get(RUNNING):
    buttons[3].button("⏹ Stop", type="primary", on_click=_set_running, args=(False,), help="Pause live training.")
else:
    buttons[3].button(
        "▶ Start",
        disabled=disabled,
        on_click=_set_running,
        args=(True,),
        help="Train continuously and redraw about twice a second.",
    )
buttons[4].button(
    "Reset", disabled=trainer is None, on_click=_reset, help="Forget the training so far and start again."
)
running = bool(st.session_state.get(RUNNING))

view_cols = st.columns([3, 3, 1])
if WATCH not in st.session_state:
    st.session_state[WATCH] = ""
suggested = ", ".join(teaching.SUGGESTED_WORDS.get(corpus.source, ())) or "charge, refund, battery"
view_cols[0].text_input(
    "Watch words",
    key=WATCH,
    placeholder=suggested,
    help="Comma-separated; their nearest neighbours are listed below. Empty: a few suggested words.",
)
if PINS not in st.session_state:
    st.session_state[PINS] = ""
view_cols[1].text_input(
    "Pin words on the map",
    key=PINS,
    placeholder=suggested,
    help="Comma-separated; always drawn on the map, in red and labelled.",
)
if MAP_SIZE not in st.session_state:
    st.session_state[MAP_SIZE] = 50
view_cols[2].number_input(
    "Words on map",
    min_value=10,
    max_value=200,
    step=10,
    key=MAP_SIZE,
    help="The most frequent words, stopwords left out; the first 25 are labelled, hover the others.",
)


def _split(text: str) -> list[str]:
    return [w.strip().lower() for w in text.split(",") if w.strip()]


def _watch_words(wv) -> list[str]:
    chosen = _split(st.session_state.get(WATCH, ""))
    if chosen:
        return chosen
    return teaching.suggested_words(wv.keys, corpus.source)


def _w2v_bytes(wv) -> bytes:
    buf = io.BytesIO()
    wv.save(buf, fmt="word2vec")
    return buf.getvalue()


# ----- live views -----------------------------------------------------------------------------------
@st.fragment(run_every=0.5 if running else None)
def live_views() -> None:
    if trainer is None:
        return
    if st.session_state.get(RUNNING):
        if time_left() <= 0:
            st.session_state[RUNNING] = False
            ui.release_training_slot(state)
            st.warning(f"This run reached the limit of {settings.max_train_seconds:,} s of training.")
        elif not trainer.done and ui.acquire_training_slot(state):
            trainer.run(max_seconds=0.35)
        if trainer.done:
            st.session_state[RUNNING] = False
            ui.release_training_slot(state)
            st.rerun()
    records = trainer.records
    frac = trainer.progress
    if records:
        last = records[-1]
        eta = last.elapsed * (1 - frac) / frac if frac > 0 else 0.0
        if trainer.unit == "words":
            speed = f"{last.words_done / max(last.elapsed, 1e-9):,.0f} words/s"
        else:
            speed = f"{last.step / max(last.elapsed, 1e-9):,.1f} steps/s"
        left_text = "done" if trainer.done else (f"about {eta:,.0f} s left" if eta >= 1 else "under 1 s left")
        text = f"{frac:.0%} · {last.stage}, epoch {last.epoch} · step {last.step} · {speed} · {left_text}"
    else:
        text = "Not trained yet: press a Step button or Start."
    st.progress(frac, text=text)

    wv = trainer.snapshot(name=f"Trained: {method} on {corpus.name}")
    if records:
        ui.register_vectors(f"Trained: {method} on {corpus.name}", wv)
    left, right = st.columns([1, 1])
    with left:
        losses = [(r.words_done if trainer.unit == "words" else r.step, r.loss) for r in records if r.loss == r.loss]
        if losses:
            x_title = "words trained" if trainer.unit == "words" else "step"
            y_title, meaning = LOSS_MEANING[method]
            fig = charts.loss_figure([x for x, _ in losses], [y for _, y in losses], x_title=x_title, y_title=y_title)
            st.plotly_chart(fig, key="train.loss_chart")
            st.caption(f"{meaning} Dots: each step; line: running mean of the last 10.")
        elif records:
            st.info("This stage counts co-occurrences; the loss appears once the SVD starts.")
        else:
            st.info("The loss curve appears after the first step.")
        st.markdown("**Nearest neighbours of watched words**")
        st.dataframe(teaching.neighbour_rows(wv, _watch_words(wv), topn=5), hide_index=True)
    with right:
        typed_pins = _split(st.session_state.get(PINS, ""))
        pins = [w for w in typed_pins if w in wv]
        words = teaching.map_words(wv, int(st.session_state[MAP_SIZE]), pins)
        xy = teaching.map_coordinates(wv, words, st.session_state.get(MAP_PREV))
        st.session_state[MAP_PREV] = {w: xy[i].tolist() for i, w in enumerate(words)}
        extent = teaching.map_extent(xy)
        title = "Word map (PCA, aligned to the previous frame)" if records else "Word map (random starting vectors)"
        st.plotly_chart(charts.word_map_figure(words, xy, pins, title=title, extent=extent), key="train.map_chart")
        st.caption(
            "Each dot is a word; words used in similar contexts move close together. The plane is a PCA "
            "of the current vectors, turned to match the previous frame, so motion means learning."
        )
        unknown = [w for w in typed_pins if w not in wv]
        if unknown:
            st.caption(f"Not on the map (not in the vocabulary, rare or below min_count): {', '.join(unknown)}.")
    if records:
        st.download_button(
            "Download vectors (word2vec text)",
            data=lambda: _w2v_bytes(wv),
            file_name=f"{method}_{corpus.name.replace(' ', '_').lower()}.txt",
            mime="text/plain",
            help="The current vectors in word2vec text format; the other pages already use them.",
        )


live_views()

# ----- teaching views --------------------------------------------------------------------------------
st.divider()
st.subheader("How the methods see the text")
tab_pairs, tab_counts, tab_ngrams = st.tabs(["Window pairs", "Co-occurrence and PPMI", "Character n-grams"])
window = int(values.get("window", 5))

with tab_pairs:
    st.markdown(
        "Skip-gram turns each sentence into (center, context) pairs: the center word predicts every word "
        "within the window on either side, and each pair is one training example (CBOW predicts the center "
        "from all of them at once). During training the window is shrunk at random for each center, so "
        "near neighbours count more often than far ones."
    )
    n_sent = min(len(corpus.sentences), 200)
    if not 1 <= st.session_state.get("train.sentence", 1) <= n_sent:
        st.session_state["train.sentence"] = 1
    idx = st.number_input("Sentence number", min_value=1, max_value=n_sent, step=1, key="train.sentence")
    tokens = corpus.sentences[int(idx) - 1]
    st.caption(f"“{corpus.raw_sentences[int(idx) - 1]}” → {len(tokens)} tokens, window {window}")
    st.dataframe(teaching.window_pair_rows(tokens, window), hide_index=True, height=260)

with tab_counts:
    st.markdown(
        "Count-based methods start from how often words appear near each other. PPMI keeps only "
        "pairs seen together more often than chance, with rare contexts damped (cds = 0.75)."
    )
    default_words = ", ".join(_split(st.session_state.get(WATCH, ""))[:6]) or ", ".join(
        teaching.suggested_words(corpus.vocab(min_count=1).words, corpus.source, n=6)
    )
    # a new corpus brings its own example words, unless the visitor typed some
    held_default = st.session_state.get("train.matrix_default")
    if "train.matrix_words" not in st.session_state or (
        held_default is not None
        and held_default[0] != corpus.source
        and st.session_state["train.matrix_words"] == held_default[1]
    ):
        st.session_state["train.matrix_words"] = default_words
        st.session_state["train.matrix_default"] = (corpus.source, default_words)
    typed = st.text_input("Words (up to 12)", key="train.matrix_words")
    chosen = _split(typed)[:12]
    cache_key = (corpus.source, corpus.name, corpus.token_count, window, tuple(chosen))
    held = st.session_state.get(TEACH_CACHE)
    if held is None or held[0] != cache_key:
        view = ui.guarded("The matrices could not be computed", teaching.cooccurrence_view, corpus, chosen, window)
        st.session_state[TEACH_CACHE] = (cache_key, view)
    else:
        view = held[1]
    if view is not None:
        if view.missing:
            st.warning(f"Not in this corpus: {', '.join(view.missing)}.")
        if len(view.words) >= 2:
            c1, c2 = st.columns(2)
            c1.plotly_chart(
                charts.matrix_figure(view.counts, view.words, f"Co-occurrence counts (window {window})"),
                key="train.cooc_chart",
            )
            c2.plotly_chart(
                charts.matrix_figure(view.ppmi, view.words, "PPMI", colorscale="Greens", fmt=".2f"),
                key="train.ppmi_chart",
            )
        else:
            st.info("Type at least two words of the corpus, separated by commas.")

with tab_ngrams:
    st.markdown(
        "The subword model stores vectors for character n-grams, so any spelling, even one it never "
        "saw, gets a vector: the mean of its n-gram vectors."
    )
    if "train.ngram_word" not in st.session_state:
        unseen = [w for w in ("reshipped", "overcharging", "unrefunded", "rechargeable") if w not in corpus.counts]
        st.session_state["train.ngram_word"] = (unseen or ["reshipped"])[0]
    word = st.text_input("A word", key="train.ngram_word", max_chars=40).strip().lower()
    sub = trainer if trainer is not None and method == "subword" and trainer.records else None
    sv = sub.snapshot() if sub is not None else None
    cfg = sub.config if sub is not None else None
    if word:
        view = teaching.ngram_view(
            word,
            cfg.min_n if cfg else int(values.get("min_n", 3)),
            cfg.max_n if cfg else int(values.get("max_n", 6)),
            cfg.bucket if cfg else int(values.get("bucket", 20_000)),
            sv,
        )
        st.caption(
            f"{len(view.ngrams)} n-grams of “<{word}>”"
            + ("" if sv is None else (" (a known word)" if view.in_vocabulary else " (not in the vocabulary)"))
        )
        st.dataframe([{"n-gram": g, "hash bucket": r} for g, r in view.ngrams], hide_index=True, height=220)
        if view.vector is not None:
            st.plotly_chart(charts.vector_strip_figure(view.vector, f"Vector of “{word}”"), key="train.ngram_vec")
            near = sv.similar_by_vector(view.vector, topn=6, exclude=[word])
            st.markdown("Nearest known words: " + ", ".join(f"{w} ({s:.2f})" for w, s in near))
        else:
            st.info("Train the subword method (choose it above and press a Step button) to see this word's vector.")

link_keys = ["sidebar.corpus", METHOD, SEED, WATCH, PINS, MAP_SIZE] + [param_key(method, p.name) for p in specs]
ui.write_link(link_keys)
save_widgets()
