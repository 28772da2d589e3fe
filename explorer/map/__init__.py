"""Word maps of whole vocabularies: the map job (``python -m explorer.map build``), its file contract, and the
reading side of the Map page.

Modules: ``contract`` (the folder, its columns and manifest schema), ``build`` (``build_map``:
read, neighbours, layout, clusters, files), ``neighbors`` (exact and approximate k-NN and their
measured recall), ``labels`` (k-means levels and their names), ``synthetic`` (a planted-cluster
set for tests and benchmarks), ``ray_engine`` (neighbour blocks as Ray tasks with ``--address``),
``__main__`` (the command line); for the page, ``reader`` (maps of the server's folder by name, through
``safefiles``, unreadable ones with their reason) and ``views`` (search, zoom, neighbours, selections).

Example:
    >>> from explorer.map import FORMAT, POINTS
    >>> FORMAT, POINTS
    ('explorer-word-map', 'points.parquet')
"""

from __future__ import annotations

from explorer.map.contract import FORMAT, LABELS, MANIFEST, NEIGHBORS, POINTS, MapBuildError, read_manifest

__all__ = ["FORMAT", "LABELS", "MANIFEST", "NEIGHBORS", "POINTS", "MapBuildError", "read_manifest"]
