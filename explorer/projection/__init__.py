"""Projections of a vector set to 2 or 3 dimensions: PCA, t-SNE, UMAP and semantic axes.

Every method goes through ``project`` (or ``semantic_axes``), which validates the method's
parameters, seeds it, times it and scores how faithful the layout is (how many of each point's
nearest neighbours in the original cosine space stay its neighbours on the map).

Modules: ``methods`` (project, t-SNE, UMAP, warm-ups), ``params`` (defaults and checks),
``knn`` (the exact k-NN graph), ``quality`` (faithfulness), ``axes`` (semantic axes),
``words`` (choosing and finding words), ``result`` (``Projection``, cache key, CSV).

Example:
    >>> import numpy as np
    >>> from explorer.projection import project
    >>> X = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    >>> p = project(X, "pca", n_components=2)
    >>> p.coords.shape, p.method
    ((60, 2), 'pca')
"""

from __future__ import annotations

from explorer.errors import ProjectionError
from explorer.projection.axes import semantic_axes
from explorer.projection.knn import cosine_knn, knn_graph
from explorer.projection.methods import (
    TSNE_FFT_MIN_POINTS,
    TSNE_PCA_DIMS,
    project,
    umap_knn,
    warm_up_tsne,
    warm_up_umap,
)
from explorer.projection.params import (
    METHOD_LABELS,
    METHODS,
    default_n_neighbors,
    default_perplexity,
    default_umap_epochs,
    max_perplexity,
    validate_params,
)
from explorer.projection.quality import FAITHFULNESS_K, FAITHFULNESS_SAMPLE, faithfulness
from explorer.projection.result import Projection, content_hash, coordinates_csv
from explorer.projection.words import choose_words, parse_word_list, search_matches

__all__ = [
    "FAITHFULNESS_K",
    "FAITHFULNESS_SAMPLE",
    "METHODS",
    "METHOD_LABELS",
    "TSNE_FFT_MIN_POINTS",
    "TSNE_PCA_DIMS",
    "Projection",
    "ProjectionError",
    "choose_words",
    "content_hash",
    "coordinates_csv",
    "cosine_knn",
    "default_n_neighbors",
    "default_perplexity",
    "default_umap_epochs",
    "faithfulness",
    "knn_graph",
    "max_perplexity",
    "parse_word_list",
    "project",
    "search_matches",
    "semantic_axes",
    "umap_knn",
    "validate_params",
    "warm_up_tsne",
    "warm_up_umap",
]
