"""The Compare page's "align by a dictionary" widgets: the pairs (a file, typed, or both), the
held-out share and seed; then the held-out precision and the translations of a typed word.

Logic lives in ``explorer.compare.dictionary_views``; this module only draws.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer.compare import dictionary_views as dv
from explorer.compare.core import Comparison
from explorer.compare.dictionary import MAX_HOLDOUT, PRECISION_AT
from explorer.compare.pairfile import PairList
from explorer.ui.messages import guarded
from explorer.ui.state import kept_file_uploader

PAIRS_FILE, PAIRS_TEXT = "compare.pairs_file", "compare.pairs_text"
HOLDOUT, SEED, TRANSLATE = "compare.holdout", "compare.dict_seed", "compare.translate"


def dictionary_controls(settings: Any) -> tuple[PairList, float, int] | None:
    """The dictionary and its split: (pairs, held-out share, seed), or None (with a message) until there are pairs."""
    st.caption(
        "For two sets with different words (two languages): B is rotated onto A by pairs of translations "
        "(orthogonal Procrustes). One pair a line, a word of A then a word of B, separated by a tab or spaces; "
        "several lines may give one word several translations; lines starting with # are comments."
    )
    left, right = st.columns([3, 2])
    max_pairs = settings.max_dictionary_pairs
    upload = kept_file_uploader(
        "A file of word pairs", PAIRS_FILE, where=left, type=["txt", "tsv", "dic", "gz"],
        max_upload_size=settings.max_upload_mb,
        help=f"This server reads files of up to {settings.max_upload_mb} MB and at most {max_pairs:,} pairs.",
    )  # fmt: skip
    typed = left.text_area(
        "Or type pairs", key=PAIRS_TEXT, height=110, max_chars=dv.MAX_TYPED_CHARS, placeholder="cat gatto\ndog cane",
        help=f"At most {dv.MAX_TYPED_CHARS:,} characters, and {max_pairs:,} pairs with the file's; "
        "upload a file for a longer dictionary.",
    )  # fmt: skip
    right.slider(
        "Held-out share of the dictionary's words", 0.0, MAX_HOLDOUT, step=0.05, key=HOLDOUT,
        help="These words and all their pairs are kept out of the rotation and used to measure precision "
        f"(at most {MAX_HOLDOUT:.0%}: the rest trains the rotation).",
    )  # fmt: skip
    right.number_input("Seed of the held-out words", 0, 2**31 - 1, step=1, key=SEED, help="The same seed holds out the same words.")  # fmt: skip
    pairs = guarded(
        "The dictionary could not be read", dv.read_dictionary, upload, typed, settings.max_upload_bytes, max_pairs
    )
    if pairs is None:
        if upload is None and not (typed or "").strip():
            st.info("Upload a file of word pairs or type some pairs to align the two sets by them.")
        return None
    for note in pairs.notes():
        st.warning(note, icon=":material/warning:")
    return pairs, float(st.session_state[HOLDOUT]), int(st.session_state[SEED])


def dictionary_results(c: Comparison) -> None:
    """Held-out precision by CSLS and by cosine, and the nearest translations of any word of A."""
    st.subheader("Dictionary alignment")
    st.markdown(dv.dictionary_line(c))
    percent = {
        f"precision@{n}": st.column_config.NumberColumn(f"precision@{n}", format="percent") for n in PRECISION_AT
    }  # 0.5 reads as 50.00%: a share of the held-out words, not a count
    st.dataframe(dv.precision_table(c), hide_index=True, key="compare.precision_table", column_config=percent)
    st.caption(dv.precision_caption(c))
    typed = st.text_input(
        "Translate a word of A", key=TRANSLATE, placeholder=f"Any word of A; empty shows {dv.default_word(c)!r}",
        max_chars=100,
    )  # fmt: skip
    word = (typed or "").strip() or dv.default_word(c)
    rows = guarded("No translations", dv.translation_rows, c, word)
    if rows is not None:
        st.markdown(dv.translation_line(c, word))
        st.dataframe(rows, hide_index=True, width="stretch", key="compare.translations")
