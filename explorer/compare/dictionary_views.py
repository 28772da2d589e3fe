"""What the Compare page's "align by a dictionary" mode shows: the dictionary read from an upload
and typed pairs, held-out precision, translations of a word, and the map's lines and caption.

Plain Python (no Streamlit), so the page stays a list of widgets and calls.

Example:
    >>> from explorer.compare.dictionary_views import _example
    >>> c = _example()
    >>> [r["retrieval"] for r in precision_table(c)]
    ['CSLS', 'cosine']
    >>> translation_rows(c, "a3", 2)[0]["CSLS"]
    'b3'
"""

from __future__ import annotations

from typing import Any

from explorer.compare.core import Comparison
from explorer.compare.dictionary import RETRIEVAL_LABELS, RETRIEVALS, precision_rows
from explorer.compare.pairfile import MAX_PAIRS, PairList, parse_pair_text, parse_pairs
from explorer.errors import CompareError
from explorer.wording import count

ALIGN_MODES = {"shared": "Shared words", "dictionary": "A dictionary of word pairs"}
MAX_TYPED_CHARS = 100_000  # typed pairs: about 5,000 pairs
TRANSLATIONS = 10  # rows of the translation table
TYPED_NAME = "the typed pairs"


def read_dictionary(
    upload: Any, typed: str | None, max_bytes: int | None, max_pairs: int = MAX_PAIRS
) -> PairList | None:
    """One ``PairList`` from an uploaded file and typed pairs (either or both; None when neither).

    The upload is untrusted: read within ``max_bytes``, binary refused, UTF-8 (see
    ``explorer.compare.pairfile``). Pairs in both are kept once; skipped lines are counted per source.
    More than ``max_pairs`` distinct pairs, in either or both together, are refused (CompareError).

    >>> read_dictionary(b"cat\\tgatto\\n", "dog cane\\ncat gatto\\nbad line here\\n", None).pairs
    (('cat', 'gatto'), ('dog', 'cane'))
    >>> read_dictionary(None, "  ", None) is None
    True
    """
    lists: list[PairList] = []
    if upload is not None:
        lists.append(parse_pairs(upload, max_bytes, max_pairs=max_pairs))
    if typed is not None and typed.strip():
        if len(typed) > MAX_TYPED_CHARS:
            raise CompareError(
                f"The typed pairs are {len(typed):,} characters long; at most {MAX_TYPED_CHARS:,} are read. "
                "Upload a file for a longer dictionary."
            )
        lists.append(parse_pair_text(typed, TYPED_NAME, max_pairs))
    if not lists:
        return None
    if len(lists) == 1:
        return lists[0]
    merged = dict.fromkeys(p for pl in lists for p in pl.pairs)
    if len(merged) > max_pairs:
        raise CompareError(
            f"The file and the typed pairs hold {len(merged):,} word pairs together; at most {max_pairs:,} are read "
            "here (setting EXPLORER_MAX_DICTIONARY_PAIRS). Use a shorter dictionary (its most frequent words first)."
        )
    repeated = sum(len(pl) for pl in lists) - len(merged) + sum(pl.repeated for pl in lists)
    bad = [pl for pl in lists if pl.bad_lines]
    return PairList(
        tuple(merged),
        " and ".join(pl.name for pl in bad) if bad else f"{lists[0].name} and {TYPED_NAME}",
        sum(pl.bad_lines for pl in lists),
        bad[0].first_bad if bad else (),
        repeated,
    )


def dictionary_line(c: Comparison) -> str:
    """One sentence: pairs used, training and held-out words, the fit.

    >>> dictionary_line(_example()).split(";")[0]
    '**40** words of A trained the rotation (40 pairs) and **10** were held out (10 pairs)'
    """
    d = _dictionary(c)
    text = (
        f"**{d.train_words:,}** words of A trained the rotation ({count(len(d.train_pairs), 'pair')}) and "
        f"**{d.test_words:,}** were held out ({count(len(d.test_pairs), 'pair')}); "
        f"the training pairs' residual after rotating B onto A is **{d.residual:.2f}** (0: a perfect fit, "
        "about 1.41: unrelated)"
    )
    if d.pairs_given > len(d.train_pairs) + len(d.test_pairs):
        text += f"; {count(d.pairs_given, 'pair')} in the dictionary"
    return text + "."


def precision_table(c: Comparison) -> list[dict[str, object]]:
    """Precision@1 and @5 on the held-out words, by CSLS and by cosine (None when nothing was held out)."""
    d = _dictionary(c)
    return precision_rows(d.precision, d.tested)


def precision_caption(c: Comparison) -> str:
    """What the precision table means, with this alignment's numbers."""
    d = _dictionary(c)
    searched = (
        f"all {d.candidates:,} words of B" if d.candidates == len(c.b) else f"B's {d.candidates:,} most frequent words"
    )
    return (
        f"Each held-out word of A is translated into {searched}; precision@n is the "
        f"share whose n best translations include one of its dictionary translations. Cosine ranks by the cosine "
        f"after the rotation; CSLS (cross-domain similarity local scaling, Conneau et al. 2018) subtracts how close "
        f"each side is to its {d.csls_k} nearest words of the other set, which demotes hubs (words near everything)."
    )


def translation_rows(c: Comparison, word: str, n: int = TRANSLATIONS) -> list[dict[str, object]]:
    """The ``n`` best translations of ``word`` (a word of A) by CSLS and by cosine, side by side.

    Columns: rank, CSLS, CSLS score, cosine, cosine score, and "in the dictionary" (which of the
    two is one of the word's dictionary translations, if any).
    """
    d = _dictionary(c)
    gold = {t for s, t in (*d.train_pairs, *d.test_pairs) if s == word}
    by = {r: d.translate(word, n, r) for r in RETRIEVALS}
    rows: list[dict[str, object]] = []
    for rank, (csls, cosine) in enumerate(zip(by["csls"], by["cosine"], strict=True), start=1):
        marked = [RETRIEVAL_LABELS[r] for r, (w, _) in (("csls", csls), ("cosine", cosine)) if w in gold]
        rows.append(
            {
                "rank": rank,
                "CSLS": csls[0],
                "CSLS score": round(csls[1], 3),
                "cosine": cosine[0],
                "cosine score": round(cosine[1], 3),
                "in the dictionary": ", ".join(marked),
            }
        )
    return rows


def translation_line(c: Comparison, word: str) -> str:
    """Whether ``word`` is in the dictionary (and on which side of the split), with its translations.

    >>> translation_line(_example(), "a3")
    '**a3** was held out (not used to fit the rotation); the dictionary gives: b3.'
    """
    d = _dictionary(c)
    train = [t for s, t in d.train_pairs if s == word]
    test = [t for s, t in d.test_pairs if s == word]
    if train:
        return f"**{word}** trained the rotation; the dictionary gives: {', '.join(train)}."
    if test:
        return f"**{word}** was held out (not used to fit the rotation); the dictionary gives: {', '.join(test)}."
    return f"**{word}** is not in the dictionary: the translations below come from the rotation alone."


def default_word(c: Comparison) -> str:
    """The word translated before the visitor types one: the first held-out word, else the first paired word."""
    d = _dictionary(c)
    return d.test_pairs[0][0] if d.test_pairs else c.words[0]


def map_options(c: Comparison, words: tuple[str, ...], joined: tuple[int, ...]) -> dict[str, object]:
    """Extra arguments of ``charts.compare.joint_map_figure`` for the words on the map.

    After a dictionary alignment every pair on the map is joined by a line, B's points carry B's
    words, and the labels stay on ``joined`` (the most changed and the chosen word); otherwise
    nothing changes.
    """
    if c.dictionary is None:
        return {"joined": joined}
    at = [c.position(w) for w in words]
    return {
        "joined": tuple(range(len(words))),
        "labelled": joined,
        "words_b": [c.words_b[i] for i in at],
        "line_name": "dictionary pair",
    }


def map_caption(c: Comparison, n_joined: int, knn_overlap: float, k: int) -> str:
    """The caption under the joint map."""
    faithful = f"Map faithfulness: {knn_overlap:.0%} of each point's {k} nearest neighbours kept."
    if c.dictionary is None:
        return (
            f"Each shared word appears twice: as A places it (circles) and as B places it after the rotation "
            f"(diamonds). Grey lines join the {n_joined} most changed words (and the chosen one) to their two "
            f"positions; short lines elsewhere mean the spaces agree. Click a point to see its word's neighbours "
            f"below. {faithful}"
        )
    return (
        "Each dictionary pair appears twice: the word of A (circles) and its translation in B after the rotation "
        "(diamonds), joined by a grey line; short lines mean the rotation brings the pair together. The most changed "
        f"pairs (and the chosen one) are labelled. Click a point to see its neighbours below. {faithful}"
    )


def summary_line(c: Comparison) -> str:
    """The headline after a dictionary alignment (the shared-words one is ``page_views.summary_line``)."""
    s = c.summary()
    return (
        f"**{s['shared']:,}** dictionary pairs one to one ({count(s['only_a'], 'other word')} in A, {s['only_b']:,} in B); "
        f"on average **{s['mean_overlap']:.0%}** of a word's {s['k']} nearest paired words in A are paired with its "
        f"translation's nearest in B; after rotating B onto A the mean cosine of a pair is **{s['mean_cosine']:.2f}**."
    )


def _dictionary(c: Comparison):  # type: ignore[no-untyped-def]
    if c.dictionary is None:
        raise CompareError("This comparison was made on shared words; choose 'A dictionary of word pairs' first.")
    return c.dictionary


def _example() -> Comparison:
    """A dictionary comparison for the docstrings: B is A rotated, with other words; pairs a_i -> b_i."""
    import numpy as np

    from explorer.compare.core import compare
    from explorer.vectors import WordVectors

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6))
    q = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    a = WordVectors([f"a{i}" for i in range(50)], x, name="A")
    b = WordVectors([f"b{i}" for i in range(50)], x @ q, name="B")
    return compare(a, b, k=5, pairs=[(f"a{i}", f"b{i}") for i in range(50)], holdout=0.2, seed=0)
