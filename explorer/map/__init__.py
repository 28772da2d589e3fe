"""Word maps of whole vocabularies: the map job (``python -m explorer.map build``) and its file contract.

Modules: ``contract`` (the folder, its columns and manifest schema), ``build`` (``build_map``:
neighbours, layout, clusters, files), ``labels`` (k-means levels and their names), ``__main__``
(the command line).

Example:
    >>> from explorer.map import FORMAT, POINTS
    >>> FORMAT, POINTS
    ('explorer-word-map', 'points.parquet')
"""

from __future__ import annotations

from explorer.map.contract import FORMAT, LABELS, MANIFEST, NEIGHBORS, POINTS, MapBuildError, read_manifest

__all__ = ["FORMAT", "LABELS", "MANIFEST", "NEIGHBORS", "POINTS", "MapBuildError", "read_manifest"]
