"""A least-recently-used cache bounded by bytes, for results every visitor may reuse.

``st.cache_data`` bounds a cache by its number of entries, whatever their size, and copies each
value out on every read. Transformer results differ in size by a hundred times (two sentences or
a hundred long ones), so their shared cache is bounded by the bytes of their arrays, and hands out
the same read-only object to every reader.

Example:
    >>> import numpy as np
    >>> cache = ByteLRU(max_bytes=100)
    >>> cache.put("a", np.zeros(10, np.float32)); cache.put("b", np.zeros(10, np.float32))
    >>> cache.nbytes, len(cache)
    (80, 2)
    >>> cache.put("c", np.zeros(10, np.float32))  # 120 bytes: the least recently used goes
    >>> "a" in cache, "b" in cache, cache.nbytes
    (False, True, 80)
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np


def size_of(value: Any, _depth: int = 0) -> int:
    """About how many bytes ``value`` holds: numpy arrays, and the fields of dataclasses, tuples, lists, dicts.

    >>> size_of((np.zeros((2, 3), np.float32), "ab"))  # 24 bytes of array, the string's size
    75
    """
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if _depth > 4:
        return sys.getsizeof(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(size_of(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return sum(size_of(v, _depth + 1) for v in value) if value else sys.getsizeof(value)
    if isinstance(value, dict):
        return sum(size_of(v, _depth + 1) for v in value.values())
    return sys.getsizeof(value)


def content_digest(*values: Any) -> str:
    """A digest of the content of ``values``: arrays by dtype, shape and bytes; strings, numbers,
    None and booleans by their text; tuples, lists and dicts item by item (types kept apart, so
    ``[1]`` and ``"[1]"`` differ). Anything else is refused rather than hashed by identity.

    >>> content_digest(np.arange(3), "a") == content_digest(np.arange(3), "a")
    True
    >>> content_digest([1, 2]) == content_digest((1, 2)), content_digest(1) == content_digest("1")
    (False, False)
    """
    h = hashlib.blake2b(digest_size=16)

    def feed(value: Any) -> None:
        if isinstance(value, np.ndarray):
            h.update(f"nd{value.dtype.str}{value.shape}".encode())
            contiguous = np.ascontiguousarray(value)
            # the bytes as a view, not a copy: a mapped library set of 458 MB is hashed without a 458 MB temporary
            h.update(contiguous.tobytes() if contiguous.dtype.hasobject else contiguous.reshape(-1).view(np.uint8))
        elif value is None or isinstance(value, (str, bool, int, float, np.generic)):
            h.update(f"{type(value).__name__}:{value!r};".encode())
        elif isinstance(value, (tuple, list)):
            h.update(f"{type(value).__name__}{len(value)}(".encode())
            for item in value:
                feed(item)
            h.update(b")")
        elif isinstance(value, dict):
            h.update(f"dict{len(value)}(".encode())
            for k, v in value.items():
                feed(k)
                feed(v)
            h.update(b")")
        else:
            raise TypeError(f"content_digest cannot read a {type(value).__name__}")

    for v in values:
        feed(v)
    return h.hexdigest()


class ByteLRU:
    """Thread-safe LRU cache holding at most ``max_bytes`` (a single larger value is not kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value under ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: Any, nbytes: int | None = None) -> None:
        """Keep ``value`` (its size: ``nbytes``, else ``size_of``), dropping the least recently used to fit."""
        size = size_of(value) if nbytes is None else int(nbytes)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self.nbytes += size
            self._shrink(self.max_bytes)

    def shrink_to(self, max_bytes: int) -> int:
        """Drop the least recently used entries until at most ``max_bytes`` are held; returns the bytes freed."""
        with self._lock:
            before = self.nbytes
            self._shrink(max(0, int(max_bytes)))
            return before - self.nbytes

    def _shrink(self, limit: int) -> None:
        while self.nbytes > limit and self._items:
            _key, (_value, size) = self._items.popitem(last=False)
            self.nbytes -= size
