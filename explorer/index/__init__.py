"""Contextual indexes: a whole corpus through the transformer, written once, read by the app.

A job (``python -m explorer.index build INPUT... --out DIR``, or :func:`build_index`) runs every
occurrence of the target words through the transformer and writes an index folder: the vectors
of every occurrence at the chosen layers (Parquet, float16), and per word and layer the mean of
those vectors, its "distilled" static vector (Bommasani et al., 2020), as word2vec text. The job
runs on Ray Data (a local Ray, or a cluster); the same stages also run in-process, without Ray.
The app reads indexes with pyarrow only.

- ``contract``: the folder layout, columns, manifest, layers and target words.
- ``inputs``: input files to documents and sentences (the rules of ``explorer.corpus``).
- ``embed``: the model stage both engines share (``ContextualEmbedder``'s runner).
- ``writer``: the atomic writer (temporary folder, manifest last, one rename).
- ``build``: :func:`build_index`, the in-process engine and progress; ``ray_engine``: the Ray job.
- ``reader``: listing, opening and sampling indexes of one folder; ``views``: what the pages draw.

Example:
    >>> from explorer.index import Targets, parse_layers
    >>> Targets.of_words("charge,bank").words, parse_layers("0,-1", num_layers=6)
    (('charge', 'bank'), (0, 6))
"""

from __future__ import annotations

from typing import Any

from explorer.index.contract import (
    FORMAT,
    MANIFEST,
    VERSION,
    Targets,
    check_index_name,
    layer_column,
    parse_layers,
    read_manifest,
    static_file,
)
from explorer.index.reader import (
    IndexInfo,
    IndexListing,
    OccurrenceSample,
    UnreadableIndex,
    distilled_vectors,
    index_names,
    index_path,
    link_parser,
    list_indexes,
    list_unreadable,
    open_index,
    sample_occurrences,
    scan_indexes,
    word_counts,
)


def build_index(inputs: Any, out: Any, **options: Any) -> dict[str, Any]:
    """Build an index (see :func:`explorer.index.build.build_index`; imported on first use)."""
    from explorer.index.build import build_index as build

    return build(inputs, out, **options)


__all__ = [
    "FORMAT",
    "MANIFEST",
    "VERSION",
    "IndexInfo",
    "IndexListing",
    "OccurrenceSample",
    "Targets",
    "UnreadableIndex",
    "build_index",
    "check_index_name",
    "distilled_vectors",
    "index_names",
    "index_path",
    "layer_column",
    "link_parser",
    "list_indexes",
    "list_unreadable",
    "open_index",
    "parse_layers",
    "read_manifest",
    "sample_occurrences",
    "scan_indexes",
    "static_file",
    "word_counts",
]
