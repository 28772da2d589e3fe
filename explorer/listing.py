"""What a folder of untrusted job output or data files holds: what can be opened, and what cannot, with why.

The index folder, the map folder and the vector library are all listed the same way: each entry is
opened (checked) once, an entry that fails is kept with the reason (a sentence) so the page that
lists them can say why, and pickers offer only the readable ones.

Example:
    >>> from explorer.errors import ExplorerError
    >>> def opener(name):
    ...     if name == "bad":
    ...         raise ExplorerError("bad/manifest.json is not JSON")
    ...     return name.upper()
    >>> found = scan(["good", "bad"], opener)
    >>> found.readable, found.unreadable, found.reason("bad")
    (('GOOD',), (Unreadable(name='bad', reason='bad/manifest.json is not JSON'),), 'bad/manifest.json is not JSON')
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from explorer.errors import ExplorerError, LinkError

T = TypeVar("T")


@dataclass(frozen=True)
class Unreadable:
    """An entry that cannot be opened, and why (one sentence)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The entries of a folder: those that can be opened (each with a ``name``), and those that cannot."""

    readable: tuple[T, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()

    @property
    def names(self) -> list[str]:
        """Names of the readable entries, in folder order: the only ones a picker offers."""
        return [item.name for item in self.readable]  # type: ignore[attr-defined]

    def reason(self, name: str) -> str | None:
        """Why ``name`` cannot be opened; None when it is readable or not listed."""
        return next((u.reason for u in self.unreadable if u.name == name), None)


def name_parser(
    folder: str | Path | None, entry: Callable[[str | Path, str], Path], refusal: str
) -> Callable[[str], str]:
    """A page-state parser for a link that names an entry of ``folder``: the entry's name when
    ``entry(folder, name)`` finds it, else ``LinkError(refusal % name)`` (never a path).

    >>> name_parser(None, lambda folder, name: Path(name), "no map named %r here")("glove")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: no map named 'glove' here
    """

    def parse(raw: str) -> str:
        text = str(raw).strip()
        if folder:
            with contextlib.suppress(ExplorerError, OSError):
                return entry(folder, text).name
        raise LinkError(refusal % text[:60])

    return parse


def scan(names: Iterable[str], opener: Callable[[str], T]) -> Listing[T]:
    """Open each of ``names``; an ``ExplorerError`` or ``OSError`` lists it as unreadable, with its message."""
    readable, unreadable = [], []
    for name in names:
        try:
            readable.append(opener(name))
        except (ExplorerError, OSError) as exc:
            unreadable.append(Unreadable(name, str(exc)))
    return Listing(tuple(readable), tuple(unreadable))
