"""Analogies: a : b :: c : ? by 3CosAdd or 3CosMul, why an answer wins, and benchmark evaluation."""

from __future__ import annotations

import streamlit as st

from explorer import analogyview, evaluation, links, ui
from explorer.charts import analogy as charts
from explorer.pagestate import Field, PageState

st.set_page_config(page_title="Analogies", page_icon=":material/compare_arrows:", layout="wide")

MAX_OPTIONS = 50_000  # words offered in the pickers; any other word can still be typed
WORD_KEYS = ("analogy.a", "analogy.b", "analogy.c", "analogy.expected")
PRESETS = {p.label: p for p in evaluation.load_presets()}
RESTRICT_DEFAULTS = {"analogies": 30_000, "pairs": 300_000}
PAGE_STATE = PageState(
    "analogy.",
    (
        Field("analogy.vectors", ui.default_vector_set, parse=ui.parse_vector_set),
        *(Field(key, None, parse=links.text(60)) for key in WORD_KEYS),
        Field("analogy.method", "3cosadd", parse=links.choice(evaluation.METHODS)),
        Field("analogy.exclude", True, parse=links.flag()),
        Field("analogy.topn", 10, parse=links.int_in(1, 50)),
        Field("analogy.preset", None),
        Field("analogy.tab", "Ask a question"),
        Field("analogy.batch_kind", "analogies"),
        *(
            Field(f"analogy.batch_file_{kind}", next(iter(files)))
            for kind, files in (
                ("analogies", evaluation.BUILTIN_ANALOGY_FILES),
                ("pairs", evaluation.BUILTIN_PAIR_FILES),
            )
        ),  # fmt: skip
        *(Field(f"analogy.restrict_{kind}", value) for kind, value in RESTRICT_DEFAULTS.items()),
    ),
)
binding = ui.bind_page(PAGE_STATE)
state = ui.sidebar()
ss = st.session_state

st.title("Analogies")
st.markdown(
    "**a : b :: c : ?** — *man is to woman as king is to …?* The answer is the word nearest to "
    "**b − a + c** (3CosAdd), or the one that is close to b and c while far from a (3CosMul, Levy & "
    "Goldberg 2014). Tools disagree on whether a, b and c may be answers themselves: here you choose."
)
wv = ui.vector_set_picker(state, key="analogy.vectors")
if wv is None:
    st.stop()

if not ss.get("analogy.started"):
    # A first visit without a linked question opens on an example the vector set answers.
    ss["analogy.started"] = True
    if all(ss.get(k) is None for k in WORD_KEYS) and (first := evaluation.opening_example(wv, list(PRESETS.values()))):
        ss["analogy.preset"] = first.label
        ss.update(zip(WORD_KEYS, (first.a, first.b, first.c, first.expected), strict=True))


def _apply_preset() -> None:
    if (preset := PRESETS.get(ss.get("analogy.preset"))) is not None:
        ss.update(zip(WORD_KEYS, (preset.a, preset.b, preset.c, preset.expected), strict=True))


if (shown := PRESETS.get(ss.get("analogy.preset"))) is not None and [shown.a, shown.b, shown.c] != [ss.get(k) for k in WORD_KEYS[:3]]:  # fmt: skip
    ss["analogy.preset"] = None  # the visitor asked another question: the example box no longer names it
ask, batch = st.tabs(["Ask a question", "Evaluate on a test set"], key="analogy.tab", on_change="rerun")
with ask:
    st.selectbox(
        "Example", list(PRESETS), index=None, key="analogy.preset", placeholder="Pick an example…",
        format_func=lambda label: f"{label}   ({PRESETS[label].fits})", on_change=_apply_preset,
        help="Fills in the words. Each example names the vector sets it suits: the transformer's input "
        "embeddings know general English; vectors trained on a built-in corpus know that corpus.",
    )  # fmt: skip
    options = list(wv.keys[:MAX_OPTIONS])
    options += [ss[k] for k in WORD_KEYS if ss.get(k) not in (None, *options)]  # typed or linked words stay
    labels = ("a", "is to b", "as c", "is to … (expected answer, optional)")
    for col, key, label in zip(st.columns(4), WORD_KEYS, labels, strict=True):
        col.selectbox(label, options, index=None, key=key, placeholder="Type to search…", accept_new_options=True)
    opt_cols = st.columns([2, 2, 3])
    method = opt_cols[0].radio(
        "Method", list(evaluation.METHODS), format_func=evaluation.METHOD_LABELS.get, horizontal=True, key="analogy.method",
        help="3CosAdd: cosine with b − a + c. 3CosMul: cos(x,b)·cos(x,c) / (cos(x,a) + ε), cosines shifted to "
        "[0, 1]; one large similarity cannot dominate.",
    )  # fmt: skip
    exclude = opt_cols[1].toggle("Exclude input words", key="analogy.exclude", help="gensim never returns a, b or c; without exclusion one of them (usually c or b) often wins.")  # fmt: skip
    topn = opt_cols[2].slider("Answers to show", 1, 50, key="analogy.topn")

    view = analogyview.ask(wv, [ss.get(k) for k in WORD_KEYS], method=method, topn=topn, exclude=exclude)
    a, b, c, expected = view.words
    if not view.complete:
        st.info("Choose or type the three words a, b and c (or pick an example) to get answers.")
    elif view.error:
        st.error(view.error)
        preset = PRESETS.get(ss.get("analogy.preset"))
        if preset is not None and (preset.a, preset.b, preset.c) == (a, b, c):
            st.caption(f"The example “{preset.label}” suits: {preset.fits}. Choose such a vector set above.")
    else:
        for notice in view.notices:
            st.warning(notice)
        st.subheader(f"{a} : {b} :: {c} : **{view.top}**")
        left, right = st.columns([2, 3])
        table = [{"rank": i, "word": w, "score": s} for i, (w, s) in enumerate(view.answers, start=1)]
        left.dataframe(table, hide_index=True, width="stretch", column_config={"score": st.column_config.NumberColumn(format="%.4f")})  # fmt: skip
        ui.chart(charts.answers_bar(view.answers, expected=expected, method_label=evaluation.METHOD_LABELS[method]), key="analogy.answers_chart", file_stem=f"analogy_{a}_{b}_{c}", where=right)  # fmt: skip
        metric_cols = st.columns(2)
        if view.rank is not None:
            r = view.rank
            metric_cols[0].metric(f"Rank of “{expected}”", f"#{r.rank:,}", f"of {r.candidates:,} candidates, score {r.score:.3f}", delta_color="off", delta_arrow="off")  # fmt: skip
        elif view.rank_error:
            metric_cols[0].warning(view.rank_error)
        if view.consistency_error:
            metric_cols[1].warning(view.consistency_error)
        elif view.consistency is not None:
            d = expected or view.top
            metric_cols[1].metric(f"Relation consistency (b − a vs {d} − c)", f"{view.consistency:.2f}")
            metric_cols[1].caption(
                "Cosine between the two offsets. Near 1: c → d changes the way a → b does, so the answer rests "
                "on a shared relation. Near 0 or below: the answer won for another reason (it is simply close to c or b)."
            )
        if view.plane is not None:
            p = view.plane
            ui.chart(charts.offset_picture(p.words, p.coords, p.roles, p.explained), key="analogy.offsets_chart", file_stem=f"analogy_offsets_{a}_{b}_{c}")  # fmt: skip
            st.caption(
                "PCA fitted on the unit vectors of the four words; other answers are projected onto the "
                "same plane. Parallel arrows of equal length mean a clean analogy."
            )

with batch:
    st.markdown(
        "Score the vector set on many questions at once. Analogy files use the Google format (`: section` "
        "lines, then `a b c d` lines); word-pair files are `word1<TAB>word2<TAB>score` lines (`#` comments). "
        "Questions with a word outside the vocabulary are skipped and counted, as gensim does."
    )
    kind = st.radio("Test set", ["analogies", "pairs"], horizontal=True, key="analogy.batch_kind", format_func=lambda k: "Analogy questions" if k == "analogies" else "Word-pair similarity")  # fmt: skip
    builtin = evaluation.BUILTIN_ANALOGY_FILES if kind == "analogies" else evaluation.BUILTIN_PAIR_FILES
    choice = st.selectbox("File", [*builtin, "upload"], format_func=lambda k: "Upload a file…" if k == "upload" else builtin[k][0], key=f"analogy.batch_file_{kind}")  # fmt: skip
    if choice == "upload":
        label = "Analogy file (.txt)" if kind == "analogies" else "Word-pair file (.tsv / .txt)"
        source = ui.kept_file_uploader(
            label,
            f"analogy.batch_upload_{kind}",
            type=["txt", "tsv", "gz"],
            max_upload_size=state.settings.max_upload_mb,
        )
    else:
        source = evaluation.builtin_path(choice)
    restrict = st.number_input("Vocabulary limit (restrict_vocab: only the most frequent words count)", 10, 1_000_000, step=1000, key=f"analogy.restrict_{kind}")  # fmt: skip
    if source is None:
        st.info("Upload a file to evaluate it.")
    elif st.button("Evaluate", type="primary", key="analogy.evaluate"):
        with st.spinner("Evaluating…"):
            result = ui.guarded("The file could not be scored", analogyview.score_file, wv, kind, source, int(restrict), state.settings.max_upload_bytes)  # fmt: skip
        if result is not None:
            ss["analogy.batch_result"] = (kind, wv.name, result)
    held = ss.get("analogy.batch_result")
    if held is not None and held[0] == kind:
        _, set_name, result = held
        st.caption(f"Results for **{set_name}**.")
        cols = st.columns(4)
        if kind == "analogies":
            add, mul = result
            cols[0].metric("3CosAdd accuracy", f"{100 * add.accuracy:.1f}%", f"{add.correct:,} / {add.total:,}", delta_color="off", delta_arrow="off")  # fmt: skip
            cols[1].metric("3CosMul accuracy", f"{100 * mul.accuracy:.1f}%", f"{mul.correct:,} / {mul.total:,}", delta_color="off", delta_arrow="off")  # fmt: skip
            cols[2].metric("Questions skipped", f"{add.skipped:,}", f"{100 * add.oov_ratio:.0f}% had an unknown word", delta_color="off", delta_arrow="off")  # fmt: skip
            cols[3].metric("Sections", len(add.sections))
            rows = evaluation.method_comparison(result)
            percent = st.column_config.NumberColumn(format="percent")
            st.dataframe(rows, hide_index=True, width="stretch", column_config={"3CosAdd": percent, "3CosMul": percent})  # fmt: skip
            ui.chart(
                charts.method_comparison_bar(rows[:-1]), key="analogy.sections_chart", file_stem="analogy_sections"
            )
        else:
            cols[0].metric("Spearman ρ", f"{result.spearman:.3f}")
            cols[1].metric("Pearson r", f"{result.pearson:.3f}")
            cols[2].metric("Pairs used", f"{result.pairs_used:,}")
            for notice in result.notices:
                st.info(notice)
            cols[3].metric("Pairs skipped (unknown word)", f"{100 * result.oov_ratio:.0f}%", f"{result.oov_pairs:,} pairs", delta_color="off", delta_arrow="off")  # fmt: skip
binding.save()
