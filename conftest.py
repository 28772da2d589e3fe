"""Doctests of explorer/ that need the transformer get the bundled MiniLM, loaded once per test session.

Their examples use ``emb`` (or ``embedder``) as the docs of ``ContextualEmbedder`` introduce it.
"""

from __future__ import annotations

from functools import lru_cache

import pytest
from _pytest.doctest import DoctestItem

MODEL_DOCTEST_PACKAGES = ("explorer.contextual", "explorer.sentences", "explorer.index")


@lru_cache(maxsize=1)
def _bundled_embedder():
    from explorer.contextual import ContextualEmbedder

    return ContextualEmbedder.load(device="cpu")


@pytest.fixture(autouse=True)
def _embedder_for_model_doctests(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, DoctestItem) and request.node.name.startswith(MODEL_DOCTEST_PACKAGES):
        namespace = request.getfixturevalue("doctest_namespace")
        namespace["emb"] = namespace["embedder"] = _bundled_embedder()
