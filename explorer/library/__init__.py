"""The server's vector library: vector files in ``<EXPLORER_DATA_DIR>/vectors/``, opened from a memory-mapped cache.

An operator drops vector files into the library folder (``vectors/`` under the data folder) and
every vector-set picker lists them by file name; a link names one as ``library:<name>``, never by
a path. Formats: word2vec text and binary, GloVe text, fastText ``.vec`` (word2vec text), a
fastText ``.bin`` model, projector TSV (``NAME.tsv`` with ``NAME.metadata.tsv`` or
``metadata.tsv`` beside it), ``NAME.npy`` with ``NAME.vocab.txt`` (one word per line) and Parquet
with a word column (string) and a vector column (list or fixed-size list of numbers); text and
binary files may be gzipped. No upload limit applies: the operator chose these files.

The first open converts a file into a cache folder beside it,
``vectors/.cache/<name>-<size>-<mtime_ns>/``, holding ``matrix.f32`` (rows x dim little-endian
float32), ``unit.f32`` (the same rows at unit length, what every neighbour query reads),
``words.txt`` (one word per line) and ``meta.json``, written under a temporary name and renamed
when complete. Later opens (in this process or any other) map both matrices read-only
(``np.memmap``), so an open costs the words only and every visitor and process shares the same
pages. A changed file has another size or mtime, so it is converted again (the old cache folder
is left to the operator).

Modules: ``store`` (names, the listing, the cache folders, :func:`open_vectors`) and ``convert``
(the converters, a block at a time: the peak memory is the words and one block, not the file and
its matrix).

Every file is read through ``explorer.safefiles`` (names only, no ``..``, no absolute paths, no
links that lead out, regular files only); a file that cannot be read is listed as unreadable with
the reason (:func:`scan_library`), and opening it raises ``LibraryError`` with the same messages
as an upload.

Example:
    >>> import tempfile, pathlib
    >>> data = pathlib.Path(tempfile.mkdtemp())
    >>> (data / "vectors").mkdir()
    >>> _ = (data / "vectors" / "tiny.txt").write_text("2 2\\ncat 1 0\\ndog 0 1\\n")
    >>> [f.name for f in scan_library(data).readable]
    ['tiny.txt']
    >>> open_vectors(data, "tiny.txt").keys
    ('cat', 'dog')
"""

from __future__ import annotations

from explorer.library.convert import file_format
from explorer.library.store import (
    CACHE_DIR,
    VECTORS_DIR,
    LibraryError,
    LibraryFile,
    LibraryListing,
    UnreadableFile,
    cache_key,
    check_file,
    check_name,
    file_version,
    library_names,
    open_vectors,
    scan_library,
    vectors_root,
)

__all__ = [
    "CACHE_DIR",
    "VECTORS_DIR",
    "LibraryError",
    "LibraryFile",
    "LibraryListing",
    "UnreadableFile",
    "cache_key",
    "check_file",
    "check_name",
    "file_format",
    "file_version",
    "library_names",
    "open_vectors",
    "scan_library",
    "vectors_root",
]
