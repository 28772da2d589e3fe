"""Names of the vector sets a visitor can pick, as they travel in a link.

Every set a page can use has an id: ``reference`` (the transformer's input-embedding table,
which every server can rebuild), ``trained:<method>:<corpus source>`` (vectors trained in a
visitor's session; ``@run<R>`` names a finished run kept beside the latest one, ``@step<N>`` or
``@run<R>.step<N>`` a snapshot kept at step N), ``upload:<file name>`` (a file a visitor
uploaded) or ``index:<index name>:layer_<n>`` (the distilled vectors of a corpus index in the
server's ``EXPLORER_INDEX_DIR``: rebuilt on any server that holds that index) or ``library:<file name>``
(a vector file of the server's library, ``EXPLORER_DATA_DIR/vectors``, named by its file name only) or
``shared:<id>`` (a set a visitor published with Share: its bytes live in the shared store, ``explorer.share``,
so any server process that names the same store opens it). A link carries the id, so it always
names the set it was made on; trained and uploaded sets stay in their session until shared, and
``missing_message`` says what to do about them.

Example:
    >>> from explorer import vectorsets
    >>> vectorsets.trained_id("sgns", "builtin:support_tickets")
    'trained:sgns:builtin:support_tickets'
    >>> vectorsets.parse_id("trained:sgns:builtin:support_tickets").kind
    'trained'
    >>> vectorsets.parse_id("../etc/passwd")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: '../etc/passwd' is not the name of a vector set (reference, trained:..., upload:...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from explorer.errors import LinkError

REFERENCE_ID = "reference"
REFERENCE_LABEL = "Transformer input embeddings (reference)"
KINDS = ("reference", "trained", "upload", "index", "library", "shared")
_TRAINED_RE = re.compile(
    r"trained:([a-z_]{1,20}):((?:builtin|upload):[\w .,()+\-]{1,120})"
    r"(?:@(?:run(\d{1,6})(?:\.step(\d{1,9}))?|step(\d{1,9})))?"
)
_UPLOAD_RE = re.compile(r"upload:([\w .,()+\-]{1,120})")
_LIBRARY_RE = re.compile(r"library:(\w[\w .,()+\-]{0,119})")
_INDEX_RE = re.compile(r"index:([A-Za-z0-9][A-Za-z0-9_.\-]{0,99}):layer_(\d{1,3})")
_SHARED_RE = re.compile(r"shared:([A-Za-z0-9_-]{24})")  # the shape of explorer.share.store ids, checked again there


@dataclass(frozen=True)
class VectorSetId:
    """A parsed vector-set id: its kind and, for trained sets, the method and the corpus source."""

    text: str
    kind: str
    method: str | None = None
    corpus_source: str | None = None
    file_name: str | None = None
    run: int | None = None
    step: int | None = None
    index_name: str | None = None
    layer: int | None = None
    shared_id: str | None = None

    @property
    def travels(self) -> bool:
        """Whether any session can rebuild the set from the id alone (an index's: on a server that holds it)."""
        return self.kind in ("reference", "index", "library", "shared")


def trained_id(method: str, corpus_source: str, run: int | None = None, step: int | None = None) -> str:
    """The id of the vectors a method trains on a corpus (``corpus_source`` as in ``Corpus.source``).

    ``run`` numbers a training run of this session kept beside the latest one; ``step`` names a
    snapshot kept at that step.

    >>> trained_id("sgns", "builtin:mixed", step=40), trained_id("sgns", "builtin:mixed", run=2, step=40)
    ('trained:sgns:builtin:mixed@step40', 'trained:sgns:builtin:mixed@run2.step40')
    >>> parse_id(trained_id("glove", "builtin:mixed", run=3)).run
    3
    """
    suffix = f"@run{int(run)}" if run is not None else ""
    if step is not None:
        suffix += f".step{int(step)}" if suffix else f"@step{int(step)}"
    return f"trained:{method}:{corpus_source}{suffix}"


def upload_id(file_name: str) -> str:
    """The id of an uploaded vector file (characters a link id does not allow become ``_``).

    >>> upload_id("my vectors [v2].txt")
    'upload:my vectors _v2_.txt'
    """
    safe = re.sub(r"[^\w .,()+\-]", "_", file_name.replace("..", "_"))[:120] or "file"
    return f"upload:{safe}"


def index_id(index_name: str, layer: int) -> str:
    """The id of the distilled vectors of one layer of a corpus index.

    >>> index_id("tickets", 4), parse_id("index:tickets:layer_4").layer
    ('index:tickets:layer_4', 4)
    """
    return f"index:{index_name}:layer_{int(layer)}"


def library_id(file_name: str) -> str:
    """The id of a vector file of the server's library: its file name there, never a path.

    >>> library_id("glove.6B.300d.txt"), parse_id("library:glove.6B.300d.txt").file_name
    ('library:glove.6B.300d.txt', 'glove.6B.300d.txt')
    >>> parse_id("library:../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: ...
    """
    return f"library:{file_name}"


def shared_id(item_id: str) -> str:
    """The id of a set in the shared store.

    >>> shared_id("AAAAAAAAAAAAAAAAAAAAAAAA"), parse_id("shared:AAAAAAAAAAAAAAAAAAAAAAAA").shared_id
    ('shared:AAAAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAAAA')
    >>> parse_id("shared:../../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: ...
    """
    return f"shared:{item_id}"


def parse_id(raw: str) -> VectorSetId:
    """Parse an id from a link; raises ``LinkError`` for anything that is not one (a path, a URL, junk).

    An index id names an index only by its plain folder name (``index:../x:layer_1`` is refused);
    whether this server holds it is for the picker to check.
    """
    text = raw.strip()
    if text == REFERENCE_ID:
        return VectorSetId(text, "reference")
    if "/" not in text and "\\" not in text and ".." not in text:
        if m := _TRAINED_RE.fullmatch(text):
            run, step = m.group(3), m.group(4) or m.group(5)
            return VectorSetId(
                text,
                "trained",
                method=m.group(1),
                corpus_source=m.group(2),
                run=None if run is None else int(run),
                step=None if step is None else int(step),
            )
        if m := _UPLOAD_RE.fullmatch(text):
            return VectorSetId(text, "upload", file_name=m.group(1))
        if m := _LIBRARY_RE.fullmatch(text):
            return VectorSetId(text, "library", file_name=m.group(1))
        if m := _INDEX_RE.fullmatch(text):
            return VectorSetId(text, "index", index_name=m.group(1), layer=int(m.group(2)))
        if m := _SHARED_RE.fullmatch(text):
            return VectorSetId(text, "shared", shared_id=m.group(1))
    shown = text if len(text) <= 40 else text[:40] + "…"
    if text.startswith("shared:"):
        raise LinkError(f"{shown!r} is not the id of a shared set (shared: and 24 letters, digits, - or _).")
    raise LinkError(f"{shown!r} is not the name of a vector set (reference, trained:..., upload:..., shared:...).")


def missing_message(set_id: VectorSetId, method_title: str = "", corpus_title: str = "") -> str:
    """Why a linked set is not in this session, and what to do; the page then shows the reference set.

    >>> print(missing_message(parse_id("upload:glove.txt")))
    This link was made on the uploaded file glove.txt. Uploaded files stay in the session that uploaded them and cannot travel in a link unless that session shares them (Share, under the vector set): upload the file here (Upload a vector file…), or ask for a link made after Share. Meanwhile the page shows the transformer's input embeddings.
    """
    fallback = " Meanwhile the page shows the transformer's input embeddings."
    if set_id.kind == "upload":
        return (
            f"This link was made on the uploaded file {set_id.file_name}. Uploaded files stay in the session that "
            "uploaded them and cannot travel in a link unless that session shares them (Share, under the vector "
            "set): upload the file here (Upload a vector file…), or ask for a link made after Share." + fallback
        )
    if set_id.kind == "trained":
        what = method_title or set_id.method
        where = corpus_title or set_id.corpus_source
        kept = f"a snapshot (step {set_id.step}) of " if set_id.step is not None else ""
        return (
            f"This link was made on {kept}vectors trained with {what} on {where}. Trained vectors stay in the session "
            "that trained them and cannot travel in a link unless that session shares them (Share, under the vector "
            "set): train them on the Train page (the button below opens it with that method and corpus), or ask for "
            "a link made after Share." + fallback
        )
    if set_id.kind == "index":
        return (
            f"This link was made on the distilled vectors of the corpus index {set_id.index_name} (layer "
            f"{set_id.layer}), which this server does not have. Indexes live in the folder EXPLORER_INDEX_DIR of "
            "the server that built them: build the same index there (python -m explorer.index build ...) or open "
            "the link on that server." + fallback
        )
    if set_id.kind == "library":
        return (
            f"This link was made on the library file {set_id.file_name}, which this server's vector library does "
            "not offer. Library files live in the folder vectors/ of the server's EXPLORER_DATA_DIR: copy the same "
            "file there, or open the link on the server that has it." + fallback
        )
    if set_id.kind == "shared":
        return (
            f"This link names the shared set {set_id.shared_id}, which this server's shared store does not hold: the "
            "session that shared it deleted it, it expired after going unused, or the link was cut short. Ask "
            "whoever sent the link to share the set again." + fallback
        )
    return "The reference vectors are always available."
