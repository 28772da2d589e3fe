"""The Share action under every vector set a visitor made or brought, and shared sets opened from a link.

Sharing is explicit: nothing is stored until the visitor presses **Share**. Then the set goes to
the server's shared store (``cache.share_store``, ``explorer.share.store``) and the picker's value,
so the page's link, becomes ``shared:<id>``; whoever opens that link, in any session on any server
process that names the same store, gets the same words and vectors, and its provenance. The
session that shared a set may delete it (the store checks a digest of its secret session token).
An id the store does not hold (never shared, deleted, expired) gets a message and the reference set.

The vector-set picker (``explorer.ui.vectorsets``) calls :func:`offered`, :func:`check_linked`,
:func:`vectors_of` and :func:`controls`, so every page with a picker has the same action.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from explorer import cache, vectorsets
from explorer.errors import LinkError
from explorer.settings import get_settings
from explorer.share import SharedSet, SharedSetExpired, SharedSetMissing, ShareError, provenance
from explorer.training import METHOD_TITLES
from explorer.training.params import PARAMS
from explorer.ui.session import session_token
from explorer.vectors import WordVectors
from explorer.vectorsets import REFERENCE_ID

MINE_KEY = "share.mine"  # shared set id -> (the session set id it was shared from, a fingerprint of its vectors)
OPENED_KEY = "share.opened"  # shared set id -> its label: sets this session opened from a link
NOTICE_KEY = "share.notice"  # picker key -> (kind, text): what the last Share or Delete did, shown once
CHECKED_KEY = "share.checked"  # picker key -> (set id, shared set) checked in the store this run: one look-up a run
PARAM_LABELS = {method: {p.name: p.label for p in specs} for method, specs in PARAMS.items()}  # as the Train page
SHARE_HELP = (
    "Saves a copy of this set (words, vectors and how it was made; never your corpus text) to this server's "
    "shared store and puts it in this page's link: whoever opens the link sees the same set. Nothing is "
    "stored until you press it; you can delete the copy later."
)


def _fingerprint(vectors: WordVectors) -> str:
    """A cheap digest of a set as it is now (shape, words and a spread of rows): a live trained set gets a new
    object on every redraw, but the same fingerprint until it trains on, so a Share is not repeated."""
    matrix = vectors.vectors
    n = len(matrix)
    rows = sorted({*range(min(64, n)), *range(0, n, max(1, n // 256)), *([n - 1] if n else [])})
    digest = hashlib.blake2b(repr((matrix.shape, len(vectors.keys), vectors.keys[:64])).encode(), digest_size=16)
    digest.update(matrix[rows].tobytes())
    return digest.hexdigest()


def _mine() -> dict[str, tuple[str, str]]:
    return st.session_state.setdefault(MINE_KEY, {})


def _opened() -> dict[str, str]:
    return st.session_state.setdefault(OPENED_KEY, {})


def offered() -> dict[str, str]:
    """The shared sets this session may pick (those it shared or opened): id -> label."""
    labels = dict(_opened())
    for set_id, (source, _) in _mine().items():
        own = st.session_state.get("vectors.sets", {}).get(source)
        labels.setdefault(set_id, f"Shared: {own.label}" if own is not None else "Shared set")
    return labels


def _forget(set_id: str) -> None:
    _mine().pop(set_id, None)
    _opened().pop(set_id, None)


def check_linked(key: str, wanted: str | None) -> str | None:
    """For a picker's value that names a shared set, before the picker draws: None when the store holds it
    (it is then offered), else the message saying why not (the picker then shows the reference set)."""
    st.session_state.setdefault(CHECKED_KEY, {}).pop(key, None)
    try:
        parsed = vectorsets.parse_id(wanted or "")
    except LinkError:
        return None
    if parsed.kind != "shared" or parsed.shared_id is None:
        return None
    try:
        shared = cache.get_shared_set(parsed.shared_id)
    except SharedSetMissing as exc:
        _forget(parsed.text)
        if isinstance(exc, SharedSetExpired) or cache.share_store() is None:  # say exactly why, not every reason
            return f"{exc} Meanwhile the page shows the transformer's input embeddings."
        return vectorsets.missing_message(parsed)
    except (ShareError, OSError) as exc:  # OSError: the store (a disk, a bucket) did not answer
        _forget(parsed.text)
        return (
            f"The shared set {parsed.shared_id} cannot be opened: {_reason(exc)} Meanwhile the page shows the "
            "transformer's input embeddings."
        )
    if parsed.text not in _mine():
        _opened()[parsed.text] = f"Shared: {shared.manifest.get('label') or parsed.shared_id}"
    st.session_state[CHECKED_KEY][key] = (parsed.text, shared)
    return None


def vectors_of(key: str, set_id: str) -> WordVectors | None:
    """The vectors of a shared set the picker ``key`` chose (checked this run by :func:`check_linked`)."""
    shared = _shared(key, set_id)
    return None if shared is None else shared.vectors


def _shared(key: str, set_id: str) -> SharedSet | None:
    checked = st.session_state.get(CHECKED_KEY, {}).get(key)
    if checked is not None and checked[0] == set_id:
        return checked[1]
    parsed = vectorsets.parse_id(set_id)
    try:
        return cache.get_shared_set(parsed.shared_id or "")
    except (ShareError, OSError) as exc:
        st.warning(get_settings().for_visitor(f"The shared set cannot be opened: {_reason(exc)}"))
        return None


def _provenance_of(set_id: str, own: Any) -> dict[str, Any]:
    """What a session set says about itself; a live trained set asks the current training run."""
    if getattr(own, "provenance", None):
        return dict(own.provenance)
    try:
        parsed = vectorsets.parse_id(set_id)
    except LinkError:
        return {"kind": "session", "words": len(own.vectors), "dimensions": own.vectors.vector_size}
    run = st.session_state.get("train.run")
    trainer = getattr(run, "trainer", None)
    same_run = trainer is not None and (trainer.method, getattr(trainer.corpus, "source", None)) == (
        parsed.method,
        parsed.corpus_source,
    )
    if parsed.kind == "trained" and parsed.run is None and same_run:
        return provenance.trained(trainer, own.vectors, run=st.session_state.get("train.run_number", 1))
    if parsed.kind == "upload":
        return provenance.uploaded(parsed.file_name or own.label, own.vectors)
    known = {"method": parsed.method, "steps": parsed.step, "corpus": {"name": parsed.corpus_source}}
    return {"kind": parsed.kind, **{k: v for k, v in known.items() if v}, **provenance.sizes(own.vectors)}


def _publish(key: str, set_id: str) -> None:
    """The Share button's callback (runs before the page, so the picker may take the new value)."""
    notices: dict[str, tuple[str, str]] = st.session_state.setdefault(NOTICE_KEY, {})
    own = st.session_state.get("vectors.sets", {}).get(set_id)
    store = cache.share_store()
    if own is None or store is None:
        notices[key] = ("error", "There is nothing to share here, or this server has no shared store.")
        return
    now = _fingerprint(own.vectors)
    for shared, (source, then) in list(_mine().items()):
        if source == set_id and then == now and store.exists(vectorsets.parse_id(shared).shared_id or ""):
            st.session_state[key] = shared  # already shared as it is now: the same link again
            return
    try:
        item = store.put(
            own.vectors, label=own.label, provenance=_provenance_of(set_id, own), owner_key=session_token()
        )
    except ShareError as exc:
        notices[key] = ("error", get_settings().for_visitor(f"The set was not shared: {exc}"))
        return
    except OSError as exc:
        notices[key] = ("error", f"The set was not shared: {_reason(exc)} Try again in a moment.")
        return
    shared = vectorsets.shared_id(item)
    _mine()[shared] = (set_id, now)
    st.session_state[key] = shared
    notices[key] = ("success", "Shared. This page's link (the address bar) now names the shared copy: send it.")


def _unpublish(key: str, shared: str) -> None:
    """The Delete button's callback: the store removes the item if this session's token shared it."""
    notices: dict[str, tuple[str, str]] = st.session_state.setdefault(NOTICE_KEY, {})
    store = cache.share_store()
    source = _mine().get(shared, (REFERENCE_ID, None))[0]
    try:
        if store is not None:
            store.delete(vectorsets.parse_id(shared).shared_id or "", owner_key=session_token())
    except SharedSetMissing:
        pass  # already gone (expired, or deleted from another tab): forget it all the same
    except (ShareError, OSError) as exc:
        notices[key] = ("error", get_settings().for_visitor(_reason(exc)))
        return
    _forget(shared)
    st.session_state[key] = source if source in st.session_state.get("vectors.sets", {}) else REFERENCE_ID
    notices[key] = ("info", "The shared copy is deleted: links to it now open the reference set.")


def controls(key: str, choice: str, own_sets: Mapping[str, Any]) -> None:
    """Under the picker: Share for a set this session made or brought; the provenance (and Delete, for the
    session that shared it) for a shared set."""
    notice = st.session_state.get(NOTICE_KEY, {}).pop(key, None)
    if notice is not None:
        getattr(st, notice[0])(notice[1])
    if choice in own_sets:
        _share_button("Share", f"{key}.share", key, choice, SHARE_HELP)
        return
    if not choice.startswith("shared:"):
        return
    shared = _shared(key, choice)
    if shared is None:
        return
    lines = provenance.describe(shared.manifest.get("provenance") or {}, METHOD_TITLES, PARAM_LABELS)
    st.caption(
        f"A shared set: whoever opens this page's link sees it. {' '.join(lines)} "
        f"Shared {_age(shared.manifest.get('created'))}."
    )
    if choice in _mine():
        st.button(
            "Delete the shared copy",
            key=f"{key}.unshare",
            icon=":material/delete:",
            on_click=_unpublish,
            args=(key, choice),
            help="Removes the copy from the shared store; links to it then open the reference set. "
            "Your own set stays in this session.",
        )


def share_for_page(set_id: str, key: str, page: str, param: str, label: str) -> None:
    """Share on a page without a picker (the Train page): the shared copy opens on ``page`` through its
    link parameter ``param``; a link to it is shown once shared. ``key`` holds the last shared id."""
    own = st.session_state.get("vectors.sets", {}).get(set_id)
    if own is None:
        return
    shared = st.session_state.get(key)
    entry = _mine().get(shared or "")
    if entry is not None and entry[0] == set_id and entry[1] == _fingerprint(own.vectors):
        with contextlib.suppress(Exception):  # a page run on its own (AppTest) has no page registry to link to
            st.page_link(page, label=label, icon=":material/share:", query_params={param: shared})
        st.caption(f"Shared as {shared}: the link of that page ({param}={shared}) opens these vectors anywhere.")
        return
    notice = st.session_state.get(NOTICE_KEY, {}).pop(key, None)
    if notice is not None and notice[0] == "error":
        st.error(notice[1])
    _share_button("Share these vectors", f"{key}.button", key, set_id, SHARE_HELP.replace("this page's link", "a link"))


def _share_button(label: str, button_key: str, key: str, set_id: str, help_text: str) -> None:
    """The one Share button: publishes ``set_id`` under ``key``; disabled, saying why, without a store."""
    store = cache.share_store()
    why_not = "" if store is not None else " This server has no shared store (setting EXPLORER_SHARE_STORE)."
    st.button(
        label,
        key=button_key,
        icon=":material/share:",
        on_click=_publish,
        args=(key, set_id),
        disabled=store is None,
        help=get_settings().for_visitor(help_text + why_not),
    )


def _reason(exc: BaseException) -> str:
    """An error's message for a visitor: the store's own sentence, or for a failed disk or bucket only the kind of
    failure (an ``OSError``'s text may hold a server path)."""
    if isinstance(exc, OSError):
        return f"the shared store did not answer ({exc.strerror or type(exc).__name__})."
    return str(exc)


def _age(created: object) -> str:
    import time

    if not isinstance(created, int | float):
        return "earlier"
    minutes = max(0, int((time.time() - float(created)) // 60))
    if minutes < 60:
        return "just now" if minutes < 1 else f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"
