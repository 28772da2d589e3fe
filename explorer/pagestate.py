"""One declaration of a page's state: each value's key, default, link parser and lifetime.

A page lists its values once, as ``Field``s in a ``PageState``. The Streamlit side
(``explorer.ui.state``) reads that declaration to keep values across page switches, to restore
them from a shared link and to write the link back, so no page keeps parallel key lists by hand.
Everything here is plain Python: the declaration, link parsing and link writing are testable
without Streamlit.

Example:
    >>> from explorer import links
    >>> from explorer.pagestate import Field, PageState
    >>> spec = PageState("demo.", (
    ...     Field("demo.method", "pca", parse=links.choice(["pca", "umap"])),
    ...     Field("demo.k", 8, parse=links.int_in(2, 40), link_when=lambda v: v["demo.method"] == "pca"),
    ...     Field("demo.picked", None),
    ... ))
    >>> values, refused = spec.parse_link({"demo.method": "UMAP", "demo.k": "99", "other": "x"})
    >>> values, [key for key, _ in refused]
    ({'demo.method': 'umap'}, ['demo.k'])
    >>> spec.link_params({"demo.method": "pca", "demo.k": 12, "demo.picked": "x"})
    {'demo.method': 'pca', 'demo.k': '12'}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from explorer.links import MAX_PARAM_CHARS, LinkError


@dataclass(frozen=True)
class Field:
    """One value a page keeps.

    Attributes:
        key: the session-state key, also the widget's key and the link parameter's name
            (``"train.method"``); it starts with the page's prefix.
        default: the value on a first visit, or a zero-argument callable computing it.
        parse: turns link text into the value and raises ``ValueError`` on bad text (one of the
            parsers of ``explorer.links``); None keeps the value out of the link.
        keep: whether the value survives a trip to another page (False: back to the default).
        link_when: given all current values, whether this one belongs in the link now (for
            example only the parameters of the chosen method); None means always.
    """

    key: str
    default: Any = None
    parse: Callable[[str], Any] | None = None
    keep: bool = True
    link_when: Callable[[Mapping[str, Any]], bool] | None = None

    @property
    def in_link(self) -> bool:
        return self.parse is not None

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


def link_text(value: Any) -> str:
    """The text a value takes in a link: lists joined by commas, booleans as 1/0, floats round-trip.

    >>> link_text([1, 2]), link_text(True), link_text(0.1), link_text("x")
    ('1,2', '1', '0.1', 'x')
    """
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(float(value))  # shortest round-trip text, also for numpy floats
    return str(value)


@dataclass(frozen=True)
class PageState:
    """Every value one page keeps, declared once (see ``Field``)."""

    prefix: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        keys = [f.key for f in self.fields]
        if len(set(keys)) != len(keys):
            raise ValueError(f"PageState {self.prefix!r} declares a key twice.")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def defaults(self) -> dict[str, Any]:
        """Every field's default value."""
        return {f.key: f.default_value() for f in self.fields}

    def parse_link(self, params: Mapping[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Values from a link's parameters, and (key, reason) for each parameter that was refused.

        Parameters this page does not declare are ignored; a refused one keeps its default.
        """
        values: dict[str, Any] = {}
        refused: list[tuple[str, str]] = []
        for f in self.fields:
            if f.parse is None or f.key not in params:
                continue
            raw = params[f.key]
            try:
                if not isinstance(raw, str):
                    raise LinkError(f"the value must be text, not {type(raw).__name__}.")
                if len(raw) > MAX_PARAM_CHARS:
                    raise LinkError(f"the value is {len(raw):,} characters long; at most {MAX_PARAM_CHARS:,} fit.")
                values[f.key] = f.parse(raw)
            except (ValueError, TypeError, KeyError, OverflowError) as exc:
                reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                refused.append((f.key, str(reason)))
        return values, refused

    def link_params(self, values: Mapping[str, Any], keys: Iterable[str] | None = None) -> dict[str, str]:
        """The link parameters for these values: fields with a parser whose ``link_when`` holds.

        A value that is None, or whose text is longer than a link may carry, is left out (the
        link then opens the default there).
        """
        wanted = None if keys is None else set(keys)
        out: dict[str, str] = {}
        for f in self.fields:
            if f.parse is None or (wanted is not None and f.key not in wanted):
                continue
            if f.key not in values or values[f.key] is None:
                continue
            if f.link_when is not None and not f.link_when(values):
                continue
            text = link_text(values[f.key])
            if text == "" and not callable(f.default) and link_text(f.default_value() or "") == "":
                continue  # an empty text field that is empty by default says nothing
            if len(text) <= MAX_PARAM_CHARS:
                out[f.key] = text
        return out
