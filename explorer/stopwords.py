"""A standard English stopword list: the words that dominate a plain average of word vectors.

The list is NLTK's English stopwords (the list most tutorials use), plus the apostrophe forms
that ``explorer.corpus.tokenize`` keeps whole ("i'm", "can't"), since NLTK's tokenizer would
split them.

Example:
    >>> from explorer.stopwords import ENGLISH_STOPWORDS, is_stopword
    >>> "the" in ENGLISH_STOPWORDS, is_stopword("Refund")
    (True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_NLTK_ENGLISH = """
i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves
he him his himself she she's her hers herself it it's its itself they them their theirs themselves
what which who whom this that that'll these those am is are was were be been being have has had
having do does did doing a an the and but if or because as until while of at by for with about
against between into through during before after above below to from up down in out on off over
under again further then once here there when where why how all any both each few more most other
some such no nor not only own same so than too very s t can will just don don't should should've
now d ll m o re ve y ain aren aren't couldn couldn't didn didn't doesn doesn't hadn hadn't hasn
hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn
shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
"""

# Contractions our tokenizer keeps as one token.
_CONTRACTIONS = """
i'm i've i'll i'd we're we've we'll we'd they're they've they'll they'd he's he'd he'll she'd
she'll it'll that's there's here's what's who's where's how's let's can't cannot
"""

ENGLISH_STOPWORDS: frozenset[str] = frozenset((_NLTK_ENGLISH + _CONTRACTIONS).split())


def is_stopword(word: str) -> bool:
    """True when ``word`` (any case, curly or straight apostrophe) is an English stopword.

    >>> is_stopword("THE"), is_stopword("don’t"), is_stopword("charger")
    (True, True, False)
    """
    return word.lower().replace("’", "'") in ENGLISH_STOPWORDS


def content_first(words: Sequence[str]) -> list[int]:
    """Positions of ``words`` with the content words first and the stopwords after, each in their order.

    Maps label and show the words this order gives first, so "the" and "of" only fill in when a
    set has too few content words.

    >>> content_first(["the", "king", "of", "queen"])
    [1, 3, 0, 2]
    """
    stop = [is_stopword(w) for w in words]
    return [i for i, s in enumerate(stop) if not s] + [i for i, s in enumerate(stop) if s]


def content_words(words: Iterable[str], n: int) -> list[str]:
    """The first ``n`` content words of ``words``: alphabetic, three letters or more, not stopwords.

    >>> content_words(["the", "of", "s", "police", "2024", "government"], 2)
    ['police', 'government']
    """
    out: list[str] = []
    for w in words:
        if len(out) >= n:
            break
        if w.isalpha() and len(w) >= 3 and not is_stopword(w):
            out.append(w)
    return out
