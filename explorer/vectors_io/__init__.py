"""Reading and writing word-vector files: word2vec text and binary, GloVe text, TensorFlow-projector TSV
(and reading a fastText model's word vectors).

Every reader takes a path, bytes or a binary file-like object (an upload), accepts gzip
transparently, and raises ``VectorsError`` with a line number and what to fix when the file is
malformed. Duplicate words are handled like gensim: the first vector wins, later ones are
dropped, and the returned set carries a notice saying so (``wv.notices``). Text is parsed a chunk
of lines at a time into one float32 matrix; a row cap, a time budget and an admission hook bound
what an untrusted upload may cost (see ``load_vectors``).

Modules: ``files`` (load_vectors, save_vectors, to_bytes, format detection, cost estimates),
``text`` (word2vec and GloVe text), ``rows`` (the chunked row parser), ``binary`` (word2vec
binary), ``fasttext`` (fastText .bin models), ``projector`` (vectors.tsv + metadata.tsv),
``parsing`` (what the readers share).

Example:
    >>> import io, numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.vectors_io import load_vectors, save_vectors
    >>> buf = io.BytesIO()
    >>> save_vectors(WordVectors(["cat", "dog"], np.eye(2, dtype=np.float32)), buf, fmt="word2vec_binary")
    >>> load_vectors(io.BytesIO(buf.getvalue()), max_bytes=10_000).keys
    ('cat', 'dog')
"""

from __future__ import annotations

from explorer.sources import GZIP_EXPANSION
from explorer.vectors_io.files import FORMATS, detect_format, load_vectors, save_vectors, to_bytes, to_projector_tsv
from explorer.vectors_io.parsing import MAX_DIMENSIONS

__all__ = [
    "FORMATS",
    "GZIP_EXPANSION",
    "MAX_DIMENSIONS",
    "detect_format",
    "load_vectors",
    "save_vectors",
    "to_bytes",
    "to_projector_tsv",
]
