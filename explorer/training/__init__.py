"""Static word embeddings trained live: skip-gram, CBOW, PPMI+SVD, GloVe and subword.

Every method sits behind one protocol (see ``explorer.training.base``): a frozen config
dataclass, ``step(n)`` that advances a bounded amount and returns ``Progress`` records,
``done``, ``progress``, ``run()`` and ``snapshot()`` that returns an immutable ``WordVectors``.

Example:
    >>> from explorer.corpus import Corpus
    >>> from explorer.training import make_trainer
    >>> corpus = Corpus.from_texts(["my card was charged twice", "my phone will not charge"] * 30)
    >>> t = make_trainer("ppmi_svd", corpus, vector_size=3, min_count=1)
    >>> _ = t.run()
    >>> len(t.snapshot()), t.done
    (9, True)
"""

from __future__ import annotations

from typing import Any

from explorer.corpus import Corpus
from explorer.training.base import Progress, Trainer, TrainingError, config_from_kwargs
from explorer.training.glove import GloVeConfig, GloVeTrainer
from explorer.training.ppmi_svd import PPMIConfig, PPMISVDTrainer
from explorer.training.sgns import CBOWConfig, CBOWTrainer, SGNSConfig, SGNSTrainer
from explorer.training.subword import SubwordConfig, SubwordTrainer, SubwordVectors, char_ngrams

METHODS: dict[str, tuple[type, type[Trainer]]] = {
    "sgns": (SGNSConfig, SGNSTrainer),
    "cbow": (CBOWConfig, CBOWTrainer),
    "ppmi_svd": (PPMIConfig, PPMISVDTrainer),
    "glove": (GloVeConfig, GloVeTrainer),
    "subword": (SubwordConfig, SubwordTrainer),
}

METHOD_TITLES: dict[str, str] = {
    "sgns": "Skip-gram (negative sampling)",
    "cbow": "CBOW (negative sampling)",
    "ppmi_svd": "PPMI + SVD (count based)",
    "glove": "GloVe",
    "subword": "Subword skip-gram (fastText-style)",
}


def config_class(method: str) -> type:
    """The frozen config dataclass of ``method``.

    >>> config_class("glove").__name__
    'GloVeConfig'
    """
    if method not in METHODS:
        raise TrainingError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    return METHODS[method][0]


def make_config(method: str, **config: Any) -> Any:
    """A validated-by-construction config of ``method`` from keyword arguments.

    >>> make_config("sgns", vector_size=50).vector_size
    50
    """
    return config_from_kwargs(config_class(method), method, config)


def make_trainer(method: str, corpus: Corpus, **config: Any) -> Trainer:
    """A trainer of ``method`` on ``corpus``; raises ``TrainingError`` with a fix for bad input.

    >>> from explorer.corpus import Corpus
    >>> make_trainer("glove", Corpus.from_texts(["a b"] * 5), window=0)
    Traceback (most recent call last):
    ...
    explorer.errors.TrainingError: window must be between 1 and 100 (got 0). The window counts neighbours on each side; try 5.
    """
    cfg = make_config(method, **config)
    return METHODS[method][1](corpus, cfg)


__all__ = [
    "METHODS",
    "METHOD_TITLES",
    "CBOWConfig",
    "GloVeConfig",
    "PPMIConfig",
    "Progress",
    "SGNSConfig",
    "SubwordConfig",
    "SubwordVectors",
    "Trainer",
    "TrainingError",
    "char_ngrams",
    "config_class",
    "make_config",
    "make_trainer",
]
