"""What every vector-file reader shares: decoding, the word2vec header, numbers, the width bound, fast tables.

Example:
    >>> from explorer.vectors_io.parsing import parse_header
    >>> parse_header("3 300"), parse_header("cat 0.1 0.2")
    ((3, 300), None)
"""

from __future__ import annotations

import re

from explorer.errors import VectorsError

MAX_DIMENSIONS = 10_000  # wider rows are refused before parsing (a 200,000-value row takes minutes to read)
FIELD_SPLIT = re.compile(r"[ \t]+")


def decode(data: bytes) -> str:
    """The UTF-8 text of ``data``; VectorsError naming the first bad byte otherwise.

    >>> decode("café".encode())
    'café'
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VectorsError(
            f"The file is not UTF-8 text (byte {exc.start}); if it is word2vec binary, name it *.bin "
            "or choose the binary format."
        ) from exc


def parse_header(line: str) -> tuple[int, int] | None:
    """(count, dimensions) of a word2vec header line such as "3 300"; None for any other line.

    >>> parse_header("3\\t300") is None
    True
    """
    if "\t" in line or len(line) > 64:  # a header is two numbers; never split a long line to find out
        return None
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def is_number(text: str) -> bool:
    """Whether ``text`` parses as a float.

    >>> is_number("-1e-3"), is_number("cat")
    (True, False)
    """
    try:
        float(text)
    except ValueError:
        return False
    return True


def too_wide(what: str) -> VectorsError:
    """The error for rows wider than ``MAX_DIMENSIONS``; ``what`` says where ("Line 3 has 20,000 values").

    >>> "fewer dimensions" in str(too_wide("Line 1 has 20,000 values"))
    True
    """
    return VectorsError(
        f"{what}, more than the {MAX_DIMENSIONS:,} dimensions this app reads; reduce the vectors "
        "(for example with PCA) or upload a set with fewer dimensions."
    )
