"""The whole error family of the library: every bad input raises one of these.

Each is a ``ValueError`` (through ``ExplorerError``) whose message says what was wrong and how to
fix it, so a page can catch ``ExplorerError`` once and show the message as it is. This module is a
leaf: it imports nothing of the project.

Example:
    >>> from explorer.errors import ExplorerError, VectorsError, UnknownWordError
    >>> issubclass(UnknownWordError, VectorsError) and issubclass(UnknownWordError, KeyError)
    True
    >>> str(UnknownWordError("'kingg' is not in the vector set."))
    "'kingg' is not in the vector set."
"""

from __future__ import annotations


class ExplorerError(ValueError):
    """Bad input or an impossible request; the message says what was wrong and how to fix it."""


class CorpusError(ExplorerError):
    """A corpus or an uploaded text cannot be read or used."""


class ReaderError(CorpusError):
    """An input file cannot be read: format, encoding, size or a missing column."""


class VectorsError(ExplorerError):
    """A vector set or a query on it is not usable."""


class UnknownWordError(VectorsError, KeyError):
    """A word is not in the vector set (a KeyError too, like gensim); the message suggests close spellings."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TrainingError(ExplorerError):
    """A training cannot start or go on with these settings."""


class ProjectionError(ExplorerError):
    """A projection cannot run on this input with these parameters."""


class GroupsError(ExplorerError):
    """Typed word groups cannot be read."""


class LinkError(ExplorerError):
    """A link parameter is not acceptable."""


class ModelLoadError(ExplorerError):
    """A transformer could not be loaded."""


class ContextError(ExplorerError):
    """Contextual vectors cannot be computed for this input."""


class SentenceError(ExplorerError):
    """Sentence vectors cannot be computed for this input."""


class LimitError(ExplorerError):
    """A request is over one of the server's limits."""


class TrainingBusy(LimitError):
    """Every training slot is taken; the message says how many visitors wait."""


class ServerBusy(LimitError):
    """Heavy work waited too long for its turn on a busy server; the message says to try again."""


class CompareError(ExplorerError):
    """Two vector sets cannot be compared as asked."""


class IndexBuildError(ExplorerError):
    """A contextual index cannot be built or read."""


class IndexNotFoundError(IndexBuildError):
    """An index name that is not an index of the configured folder (or not a plain name at all)."""


class UnsafeFileError(ExplorerError):
    """A file under a data folder is refused: outside the folder, not a regular file, too large or not text."""
