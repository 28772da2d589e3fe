"""Page state on the Streamlit side: values kept across page switches, restored from links, written back.

Streamlit forgets a widget's value once the widget is not drawn in a run (another page ran, or
the page hid it), and when a widget comes back with a value the browser was not told about, the
browser shows the widget's minimum or first option while the server holds another value. So
every run, before any widget is drawn, ``bind_page`` works out each declared value (the widget's
current value, else the kept one, else the link's on a first visit, else the default) and assigns
it to session state; assigning it makes Streamlit send it to the browser with the widget. The
kept copies live under a non-widget key per page, which Streamlit never clears.

A page declares its values once (``explorer.pagestate.PageState``) and calls:

    binding = ui.bind_page(PAGE_STATE)   # first, before ui.sidebar() and any widget
    ...widgets and views...
    binding.save()                       # last (optional: values the script changed while it ran)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from explorer.pagestate import PageState
from explorer.settings import get_settings

CURRENT_PAGE_KEY = "ui.current_page"  # prefix of the page that ran last: tells an arrival from a rerun


def _kept_key(spec: PageState) -> str:
    return f"{spec.prefix}kept"


def _link_key(spec: PageState) -> str:
    return f"{spec.prefix}link"  # the parameters this declaration wrote into the address last


def _sync(spec: PageState, *, arrived: bool, where: Any) -> dict[str, Any]:
    """Resolve, assign and keep every declared value; returns them."""
    ss = st.session_state
    kept: dict[str, Any] | None = ss.get(_kept_key(spec))
    values: dict[str, Any] = {}
    for f in spec.fields:
        has_kept = f.keep and kept is not None and f.key in kept
        if arrived and has_kept:
            # Back from another page: what Streamlit still holds under a widget key may be a value
            # the script assigned runs ago, so the copy kept at the end of the last visit wins.
            values[f.key] = kept[f.key]
        elif f.key in ss and (f.keep or not arrived):
            values[f.key] = ss[f.key]
        elif has_kept:
            values[f.key] = kept[f.key]
        else:
            values[f.key] = f.default_value()
    # A link sets values when the address holds parameters of this page that it did not write
    # itself: a first visit, or a link followed from another page of the same session. Parameters
    # it wrote itself are left alone: they trail the widget the visitor has just changed.
    declared = set(spec.keys)
    params = {k: st.query_params.get(k) for k in st.query_params if k in declared}
    if params and params != ss.get(_link_key(spec)):
        linked, refused = spec.parse_link(params)
        values.update(linked)
        for key, reason in refused:
            (where or st).warning(f"The link's value for {key!r} was ignored (the default is used): {reason}")
    for key, value in values.items():
        ss[key] = value
    ss[_kept_key(spec)] = {f.key: values[f.key] for f in spec.fields if f.keep}
    return values


def _copy_choice(widget_key: str, key: str) -> None:
    st.session_state[key] = st.session_state[widget_key]


def bounded_number(where: Any, label: str, lo: int, hi: int, key: str, **kwargs: Any) -> int:
    """A number input whose bounds come from the data (a set's size), without losing the visitor's choice.

    The declared value ``key`` holds what the visitor chose (or the default); the widget (key
    ``<key>.shown``) shows it clamped to [lo, hi] and writes back only when the visitor changes
    it. So a value cut down to a 20-word set's size stays 2,000 when the next set is large,
    instead of the clamp becoming the choice. Returns the value shown (the one to use).
    """
    ss = st.session_state
    widget_key = f"{key}.shown"
    chosen = ss.get(key)
    ss[widget_key] = max(lo, min(int(chosen if chosen is not None else hi), hi))
    where.number_input(label, lo, hi, key=widget_key, on_change=_copy_choice, args=(widget_key, key), **kwargs)
    return int(ss[widget_key])


def _keep_upload(key: str) -> None:
    st.session_state[f"{key}.kept"] = st.session_state.get(key)  # None when the visitor removed the file


def kept_file_uploader(label: str, key: str, where: Any = None, **kwargs: Any) -> Any:
    """A file uploader whose file survives the uploader being hidden (a toggle or radio that hides it).

    Streamlit drops an uploader's file once a run does not draw it, so switching a mode back and
    forth would lose the visitor's upload. The file is kept under ``<key>.kept`` whenever the
    visitor uploads or removes one, and given back (read from its start) while the uploader,
    drawn again, is empty. Returns the uploaded file or None.
    """
    target = where or st
    kwargs.setdefault("max_upload_size", get_settings().max_upload_mb)  # the server's limit, never Streamlit's 200 MB
    upload = target.file_uploader(label, key=key, on_change=_keep_upload, args=(key,), **kwargs)
    if upload is not None:
        return upload
    kept = st.session_state.get(f"{key}.kept")
    if kept is None:
        return None
    kept.seek(0)
    target.caption(f"Using **{kept.name}**, uploaded earlier; upload another file to replace it.")
    return kept


def arrive(prefix: str) -> bool:
    """Record that the page with this prefix runs now; True when the visitor has just come from another page."""
    arrived = st.session_state.get(CURRENT_PAGE_KEY) != prefix
    st.session_state[CURRENT_PAGE_KEY] = prefix
    return arrived


def restore(spec: PageState, *, arrived: bool = False, where: Any = None) -> dict[str, Any]:
    """Bring back one declaration's values before its widgets draw (see the module docstring).

    ``arrived``: the visitor has just come from another page (see ``arrive``), so kept copies win
    over what Streamlit still holds, and values that do not ``keep`` go back to their defaults.
    """
    return _sync(spec, arrived=arrived, where=where)


def keep(spec: PageState) -> None:
    """Keep the current values of a declaration (values the script changed while it ran included)."""
    ss = st.session_state
    kept = dict(ss.get(_kept_key(spec), {}))
    for f in spec.fields:
        if f.keep and f.key in ss:
            kept[f.key] = ss[f.key]
    ss[_kept_key(spec)] = kept


def write_link(specs: Iterable[PageState], *, exact: bool = True) -> None:
    """Write the link parameters of these declarations' current values into the address bar.

    With ``exact`` the address holds exactly these parameters (a page's run: nothing stale of
    another page or method stays); without it only the declared keys are set or removed.
    """
    specs = tuple(specs)
    wanted: dict[str, str] = {}
    for spec in specs:
        values = {f.key: st.session_state[f.key] for f in spec.fields if f.key in st.session_state}
        params = spec.link_params(values)
        st.session_state[_link_key(spec)] = params
        wanted.update(params)
    current = {k: st.query_params.get(k) for k in st.query_params}
    if not exact:
        declared = {f.key for spec in specs for f in spec.fields}
        wanted = {**{k: v for k, v in current.items() if k not in declared}, **wanted}
    if current != wanted:
        st.query_params.from_dict(wanted)


def shareable_url() -> str:
    """The address that reproduces this view: the page's URL (when the browser reported it) plus its parameters.

    Without a browser (AppTest) the result is relative: ``?train.method=sgns&...``.
    """
    params = {k: st.query_params.get(k, "") for k in st.query_params}
    query = urlencode(params, safe=",")
    try:
        base = (st.context.url or "").split("?", 1)[0]
    except Exception:  # noqa: BLE001 - an older or headless runtime without the field
        base = ""
    return f"{base}?{query}" if query else (base or "?")


def copy_link_control(where: Any = None) -> None:
    """A small "Copy link" box: the shareable address in a code block, which has a copy button.

    Streamlit has no clipboard API, so the address is shown for the code block's own copy button.
    """
    box = (where or st.sidebar).expander("Copy link to this view", expanded=False, icon=":material/link:")
    box.code(shareable_url(), language=None, wrap_lines=True)
    box.caption(
        "Opening this address shows the same view: corpus, method, parameters, seed, words and the vector set. "
        "Uploaded files and trained vectors stay in your session until you press Share under the vector set; "
        "the page says so when a link needs them."
    )


class PageBinding:
    """What ``bind_page`` returns: the page's declaration bound to this session for this run."""

    def __init__(self, page: PageState, shared: tuple[PageState, ...]) -> None:
        self.page = page
        self.shared = shared

    def save(self) -> None:
        """Keep the values as they are at the end of the run and write the link again."""
        for spec in (*self.shared, self.page):
            keep(spec)
        write_link((*self.shared, self.page))

    def reset(self, keys: Iterable[str]) -> None:
        """Put these declared values back to their defaults (call from a button's callback)."""
        for key in keys:
            st.session_state[key] = self.page.field(key).default_value()
        keep(self.page)
