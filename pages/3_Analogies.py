"""Analogies: a : b :: c : ? by 3CosAdd or 3CosMul, why an answer wins, and benchmark evaluation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import evaluation, links, ui
from explorer.charts import analogy as charts
from explorer.vectors import VectorsError

st.set_page_config(page_title="Analogies", page_icon="🔀", layout="wide")
state = ui.sidebar()

MAX_OPTIONS = 50_000  # words offered in the pickers; any other word can still be typed
WORD_KEYS = ("analogy.a", "analogy.b", "analogy.c", "analogy.expected")
LINK_KEYS = [*WORD_KEYS, "analogy.method", "analogy.exclude", "analogy.topn"]
PRESETS = {p.label: p for p in evaluation.load_presets()}
KEPT_KEYS = [
    *LINK_KEYS,
    "analogy.preset",
    "analogy.batch_kind",
    "analogy.batch_file_analogies",
    "analogy.batch_file_pairs",
]

save_widgets = ui.keep_widgets("analogy.", KEPT_KEYS)
ui.restore_from_link(
    {
        "analogy.a": links.text(60),
        "analogy.b": links.text(60),
        "analogy.c": links.text(60),
        "analogy.expected": links.text(60),
        "analogy.method": links.choice(evaluation.METHODS),
        "analogy.exclude": links.flag(),
        "analogy.topn": links.int_in(1, 50),
    }
)

st.title("Analogies")
st.markdown(
    "**a : b :: c : ?** — *man is to woman as king is to …?* The answer is the word nearest to "
    "**b − a + c** (3CosAdd), or the one that is close to b and c while far from a (3CosMul, Levy & "
    "Goldberg 2014). Tools disagree on whether a, b and c may be answers themselves: here you choose."
)

wv = ui.vector_set_picker(state, key="analogy.vectors")
if wv is None:
    st.stop()
for notice in wv.notices:
    st.info(notice)
st.caption(f"**{wv.name}**: {len(wv):,} words, {wv.vector_size} dimensions.")

if not st.session_state.get("analogy.started"):
    # First visit without a linked question: open on an example the vector set answers.
    st.session_state["analogy.started"] = True
    if not any(k.startswith("analogy.") for k in st.query_params) and all(
        st.session_state.get(k) is None for k in WORD_KEYS
    ):
        first = evaluation.opening_example(wv, list(PRESETS.values()))
        if first is not None:
            st.session_state["analogy.preset"] = first.label
            for key, word in zip(WORD_KEYS, (first.a, first.b, first.c, first.expected), strict=True):
                st.session_state[key] = word

ask, batch = st.tabs(["Ask a question", "Evaluate on a test set"])


def _apply_preset() -> None:
    preset = PRESETS.get(st.session_state.get("analogy.preset"))
    if preset is not None:
        for key, word in zip(WORD_KEYS, (preset.a, preset.b, preset.c, preset.expected), strict=True):
            st.session_state[key] = word


with ask:
    st.selectbox(
        "Example",
        list(PRESETS),
        index=None,
        key="analogy.preset",
        placeholder="Pick an example…",
        format_func=lambda label: f"{label}   ({PRESETS[label].fits})",
        on_change=_apply_preset,
        help="Fills in the words. Each example names the vector sets it suits: the transformer's input "
        "embeddings know general English; vectors trained on a built-in corpus know that corpus.",
    )
    options = list(wv.keys[:MAX_OPTIONS])
    for key in WORD_KEYS:  # a word carried over from a link or another vector set stays typed in
        if st.session_state.get(key) not in (None, *options):
            options.append(st.session_state[key])
    cols = st.columns(4)
    labels = ("a", "is to b", "as c", "is to … (expected answer, optional)")
    for col, key, label in zip(cols, WORD_KEYS, labels, strict=True):
        col.selectbox(
            label,
            options,
            index=None,
            key=key,
            placeholder="Type to search…",
            accept_new_options=True,
        )
    opt_cols = st.columns([2, 2, 3])
    method = opt_cols[0].radio(
        "Method",
        list(evaluation.METHODS),
        format_func=lambda m: evaluation.METHOD_LABELS[m],
        horizontal=True,
        key="analogy.method",
        help="3CosAdd: cosine with b − a + c. 3CosMul: cos(x,b)·cos(x,c) / (cos(x,a) + ε), cosines shifted to "
        "[0, 1]; one large similarity cannot dominate.",
    )
    st.session_state.setdefault("analogy.exclude", True)
    st.session_state.setdefault("analogy.topn", 10)
    exclude = opt_cols[1].toggle(
        "Exclude input words",
        key="analogy.exclude",
        help="gensim never returns a, b or c; without exclusion one of them (usually c or b) often wins.",
    )
    topn = opt_cols[2].slider("Answers to show", 1, 50, key="analogy.topn")

    (a, b, c, expected), spelled = evaluation.resolve_words(wv, [st.session_state.get(k) for k in WORD_KEYS])
    if not all((a, b, c)):
        st.info("Choose or type the three words a, b and c (or pick an example) to get answers.")
    else:
        try:
            notices = evaluation.check_analogy_words(wv, [a, b, c] + ([expected] if expected else []))
            answers = wv.analogy(a, b, c, method=method, topn=topn, exclude_inputs=exclude)
        except (VectorsError, KeyError) as exc:
            st.error(exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc))
            preset = PRESETS.get(st.session_state.get("analogy.preset"))
            if preset is not None and (preset.a, preset.b, preset.c) == (a, b, c):
                st.caption(f"The example “{preset.label}” suits: {preset.fits}. Choose such a vector set above.")
        else:
            for notice in spelled + notices:
                st.warning(notice)
            label = evaluation.METHOD_LABELS[method]
            top = answers[0][0] if answers else None
            st.subheader(f"{a} : {b} :: {c} : **{top}**")
            left, right = st.columns([2, 3])
            table = pd.DataFrame([{"rank": i, "word": w, "score": s} for i, (w, s) in enumerate(answers, start=1)])
            left.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={"score": st.column_config.NumberColumn(format="%.4f")},
            )
            right.plotly_chart(charts.answers_bar(answers, expected=expected, method_label=label), width="stretch")

            d = expected or top
            metric_cols = st.columns(2)
            if expected:
                try:
                    rank = evaluation.answer_rank(wv, a, b, c, expected, method=method, exclude_inputs=exclude)
                    metric_cols[0].metric(
                        f"Rank of “{expected}”",
                        f"#{rank.rank:,}",
                        f"of {rank.candidates:,} candidates, score {rank.score:.3f}",
                        delta_color="off",
                        delta_arrow="off",
                    )
                except (VectorsError, KeyError) as exc:
                    metric_cols[0].warning(str(exc))
            if d is not None and d not in (a, b):
                try:
                    consistency = wv.relation_consistency(a, b, c, d)
                except VectorsError as exc:
                    metric_cols[1].warning(str(exc))
                else:
                    metric_cols[1].metric(f"Relation consistency (b − a vs {d} − c)", f"{consistency:.2f}")
                    metric_cols[1].caption(
                        "Cosine between the two offsets. Near 1: c → d changes the way a → b does, so the "
                        "answer rests on a shared relation. Near 0 or below: the answer won for another "
                        "reason (it is simply close to c or b)."
                    )
                plane = evaluation.offset_plane(wv, a, b, c, d, neighbours=[w for w, _ in answers[:6]])
                st.plotly_chart(
                    charts.offset_picture(plane.words, plane.coords, plane.roles, plane.explained), width="stretch"
                )
                st.caption(
                    "PCA fitted on the unit vectors of the four words; other answers are projected onto the "
                    "same plane. Parallel arrows of equal length mean a clean analogy."
                )

for key in WORD_KEYS:  # an empty word leaves the link instead of travelling as "None"
    if st.session_state.get(key) is None and key in st.query_params:
        del st.query_params[key]
ui.write_link([k for k in LINK_KEYS if st.session_state.get(k) is not None])
save_widgets()

with batch:
    st.markdown(
        "Score the vector set on many questions at once. Analogy files use the Google format (`: section` "
        "lines, then `a b c d` lines); word-pair files are `word1<TAB>word2<TAB>score` lines (`#` comments). "
        "Questions with a word outside the vocabulary are skipped and counted, as gensim does."
    )
    kind = st.radio(
        "Test set", ["analogies", "pairs"], horizontal=True, key="analogy.batch_kind",
        format_func=lambda k: "Analogy questions" if k == "analogies" else "Word-pair similarity",
    )  # fmt: skip
    builtin = evaluation.BUILTIN_ANALOGY_FILES if kind == "analogies" else evaluation.BUILTIN_PAIR_FILES
    source_choice = st.selectbox(
        "File",
        [*builtin, "upload"],
        format_func=lambda k: "Upload a file…" if k == "upload" else builtin[k][0],
        key=f"analogy.batch_file_{kind}",
    )
    source = None
    if source_choice == "upload":
        upload = st.file_uploader(
            "Analogy file (.txt)" if kind == "analogies" else "Word-pair file (.tsv / .txt)",
            type=["txt", "tsv", "gz"],
            key=f"analogy.batch_upload_{kind}",
        )
        if upload is not None:
            source = upload
    else:
        source = evaluation.builtin_path(source_choice)
    restrict = st.number_input(
        "Vocabulary limit (restrict_vocab: only the most frequent words count)",
        min_value=10,
        max_value=1_000_000,
        value=30_000 if kind == "analogies" else 300_000,
        step=1000,
        key=f"analogy.restrict_{kind}",
    )
    if source is None:
        st.info("Upload a file to evaluate it.")
    elif st.button("Evaluate", type="primary", key="analogy.evaluate"):
        try:
            with st.spinner("Evaluating…"):
                if kind == "analogies":
                    parsed = evaluation.read_analogies(source)
                    result = [
                        evaluation.evaluate_analogies(wv, parsed, restrict_vocab=int(restrict), method=m)
                        for m in evaluation.METHODS
                    ]
                else:
                    result = wv.evaluate_word_pairs(source, restrict_vocab=int(restrict))
            st.session_state["analogy.batch_result"] = (kind, wv.name, result)
        except (VectorsError, KeyError) as exc:
            st.error(str(exc))

    held = st.session_state.get("analogy.batch_result")
    if held is not None and held[0] == kind:
        _, set_name, result = held
        st.caption(f"Results for **{set_name}**.")
        if kind == "analogies":
            add, mul = result
            cols = st.columns(4)
            cols[0].metric(
                "3CosAdd accuracy",
                f"{100 * add.accuracy:.1f}%",
                f"{add.correct:,} / {add.total:,}",
                delta_color="off",
                delta_arrow="off",
            )
            cols[1].metric(
                "3CosMul accuracy",
                f"{100 * mul.accuracy:.1f}%",
                f"{mul.correct:,} / {mul.total:,}",
                delta_color="off",
                delta_arrow="off",
            )
            cols[2].metric(
                "Questions skipped",
                f"{add.skipped:,}",
                f"{100 * add.oov_ratio:.0f}% had an unknown word",
                delta_color="off",
                delta_arrow="off",
            )
            cols[3].metric("Sections", len(add.sections))
            rows = evaluation.method_comparison(result)
            st.dataframe(
                pd.DataFrame(rows),
                hide_index=True,
                width="stretch",
                column_config={
                    "3CosAdd": st.column_config.NumberColumn(format="percent"),
                    "3CosMul": st.column_config.NumberColumn(format="percent"),
                },
            )
            st.plotly_chart(charts.method_comparison_bar(rows[:-1]), width="stretch")
        else:
            cols = st.columns(4)
            cols[0].metric("Spearman ρ", f"{result.spearman:.3f}")
            cols[1].metric("Pearson r", f"{result.pearson:.3f}")
            cols[2].metric("Pairs used", f"{result.pairs_used:,}")
            cols[3].metric(
                "Pairs skipped (unknown word)",
                f"{100 * result.oov_ratio:.0f}%",
                f"{result.oov_pairs:,} pairs",
                delta_color="off",
                delta_arrow="off",
            )
