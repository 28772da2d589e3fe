"""Parsers and validators for the parameters of a shareable link.

A link's address parameters are text typed by anyone, so every page reads them through one of
these parsers (see ``explorer.ui.restore_from_link``). Each parser turns the text into a widget
value or raises ``LinkError`` (a ``ValueError``) whose message says what was expected. Nothing
here touches files, the network or Streamlit: a link can choose among what the app already
offers, never name a server file, a URL or an unlisted model.

Example:
    >>> from explorer import links
    >>> links.int_in(1, 10)("7"), links.choice(["pca", "umap"])("umap"), links.words(3, 20)("king, queen")
    (7, 'umap', ['king', 'queen'])
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from explorer.errors import LinkError
from explorer.settings import Settings

MAX_PARAM_CHARS = 2000  # longest parameter text any parser looks at
BUNDLED_MODEL = "bundled"

_INT_RE = re.compile(r"[+-]?\d{1,30}")
_FLOAT_RE = re.compile(r"[+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:[eE][+-]?\d{1,4})?")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Things that make a name point at a file or a remote resource instead of a listed choice.
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")  # http:, file:, s3:, C: ...


def _text(raw: object, what: str = "value") -> str:
    if not isinstance(raw, str):
        raise LinkError(f"the {what} must be text, not {type(raw).__name__}.")
    if len(raw) > MAX_PARAM_CHARS:
        raise LinkError(f"the {what} is {len(raw):,} characters long; at most {MAX_PARAM_CHARS:,} fit in a link.")
    if "\x00" in raw:
        raise LinkError(f"the {what} holds a NUL character.")
    return raw


def _short(raw: str, limit: int = 40) -> str:
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


def _clean(raw: str) -> str:
    """Drop control and format characters (keep line breaks and tabs), normalise to NFC."""
    kept = "".join(ch for ch in raw if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return unicodedata.normalize("NFC", kept)


def choice(options: Sequence[Any], *, case_sensitive: bool = False) -> Callable[[str], Any]:
    """A parser that accepts one of ``options`` (compared as text; case-insensitive by default).

    >>> choice(["pca", "tsne", "umap"])("UMAP")
    'umap'
    """
    opts = list(options)
    if not opts:
        raise ValueError("choice() needs at least one option.")

    def parse(raw: str) -> Any:
        text = _text(raw).strip()
        for opt in opts:
            if str(opt) == text or (not case_sensitive and str(opt).casefold() == text.casefold()):
                return opt
        listed = ", ".join(str(o) for o in opts[:12]) + (", …" if len(opts) > 12 else "")
        raise LinkError(f"{_short(text)} is not one of the choices ({listed}).")

    return parse


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """A parser for a whole number between ``lo`` and ``hi`` inclusive.

    >>> int_in(0, 100)(" 42 ")
    42
    """
    if lo > hi:
        raise ValueError(f"int_in: lo={lo} is above hi={hi}.")

    def parse(raw: str) -> int:
        text = _text(raw).strip()
        if not _INT_RE.fullmatch(text):
            raise LinkError(f"{_short(text)} is not a whole number; use an integer from {lo} to {hi}.")
        value = int(text)
        if not lo <= value <= hi:
            raise LinkError(f"{_short(text)} is out of range; use an integer from {lo} to {hi}.")
        return value

    return parse


def float_in(lo: float, hi: float) -> Callable[[str], float]:
    """A parser for a finite decimal number between ``lo`` and ``hi`` inclusive.

    >>> float_in(0.0, 1.0)("0.25")
    0.25
    """
    if not lo <= hi:
        raise ValueError(f"float_in: lo={lo} is above hi={hi}.")

    def parse(raw: str) -> float:
        text = _text(raw).strip()
        if not _FLOAT_RE.fullmatch(text):
            raise LinkError(f"{_short(text)} is not a number; use a decimal from {lo:g} to {hi:g}.")
        value = float(text)
        if not math.isfinite(value) or not lo <= value <= hi:
            raise LinkError(f"{_short(text)} is out of range; use a decimal from {lo:g} to {hi:g}.")
        return value

    return parse


def words(max_words: int, max_len: int = 40) -> Callable[[str], list[str]]:
    """A parser for a comma-separated word list: at most ``max_words`` words of ``max_len`` characters.

    Empty items and repeats are dropped; the order is kept.

    >>> words(5, 20)("king, queen,,king , man")
    ['king', 'queen', 'man']
    """

    def parse(raw: str) -> list[str]:
        text = _clean(_text(raw, "word list"))
        out: list[str] = []
        for item in text.split(","):
            word = " ".join(item.split())
            if not word or word in out:
                continue
            if len(word) > max_len:
                raise LinkError(f"the word {_short(word)} is longer than {max_len} characters.")
            out.append(word)
        if len(out) > max_words:
            raise LinkError(f"the link lists {len(out)} words; at most {max_words} are allowed.")
        return out

    return parse


def word_list(max_words: int, max_len: int = 40) -> Callable[[str], str]:
    """Like ``words``, but the value is the comma-separated text a text input holds.

    >>> word_list(3)("king,, queen ,king")
    'king, queen'
    """
    parse = words(max_words, max_len)
    return lambda raw: ", ".join(parse(raw))


def text(max_len: int) -> Callable[[str], str]:
    """A parser for free text (sentences) of at most ``max_len`` characters, control characters removed.

    >>> text(100)("The bank approved the loan.")
    'The bank approved the loan.'
    """

    def parse(raw: str) -> str:
        cleaned = _clean(_text(raw, "text"))
        if len(cleaned) > max_len:
            raise LinkError(f"the text is {len(cleaned):,} characters long; at most {max_len:,} are allowed.")
        return cleaned

    return parse


def flag() -> Callable[[str], bool]:
    """A parser for an on/off switch: 1/0, true/false, yes/no, on/off.

    >>> flag()("1"), flag()("off")
    (True, False)
    """

    def parse(raw: str) -> bool:
        word = _text(raw).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise LinkError(f"{_short(word)} is not an on/off value; use 1 or 0.")

    return parse


def looks_like_path_or_url(name: str) -> bool:
    """True when ``name`` could point at a file or a remote resource rather than name a listed choice.

    >>> looks_like_path_or_url("/etc/passwd"), looks_like_path_or_url("../x"), looks_like_path_or_url("umap")
    (True, True, False)
    """
    stripped = name.strip()
    return (
        not stripped
        or "/" in stripped
        or "\\" in stripped
        or ".." in stripped
        or stripped.startswith(("~", ".", "$", "%"))
        or bool(_URL_RE.match(stripped))
        or any(unicodedata.category(ch)[0] == "C" for ch in stripped)
    )


def refuse_path(name: str, what: str = "name") -> str:
    """Return ``name`` stripped, or raise ``LinkError`` when it looks like a file path or a URL.

    >>> refuse_path("support_tickets")
    'support_tickets'
    """
    text_ = _text(name, what).strip()
    if looks_like_path_or_url(text_):
        raise LinkError(
            f"{_short(text_)} looks like a file path or an address; a link may only name one of the "
            f"app's own choices, never a file or a download."
        )
    return text_


def check_model_allowed(name: str | None, settings: Settings, *, from_link: bool = True) -> str | None:
    """The transformer a visitor asked for, if this server allows it; None means the bundled model.

    From a link, and always in hosted mode, a visitor may pick only the bundled model, the model
    the operator configured (``EXPLORER_MODEL``) or one listed in ``EXPLORER_ALLOWED_MODELS``.
    Anything else, and above all a file path or a URL, raises ``LinkError``: a link never makes
    the server download, read or run a model it was not told to serve. A person typing into a
    widget of a local (not hosted) app with no allow-list may name any model (``from_link=False``).

    >>> from explorer.settings import Settings
    >>> check_model_allowed("bundled", Settings()) is None
    True
    """
    if name is None:
        return None
    text_ = _text(name, "model").strip()
    if text_ in ("", BUNDLED_MODEL):
        return None
    if settings.model is not None and text_ == settings.model:
        return settings.model
    if text_ in settings.allowed_models:
        return text_
    if not from_link and not settings.hosted and not settings.allowed_models:
        return text_
    if looks_like_path_or_url(text_):
        raise LinkError(
            f"{_short(text_)} looks like a file path or an address; models are never loaded from a link. "
            "Pick one of the models this app offers."
        )
    offered = [BUNDLED_MODEL] + ([settings.model] if settings.model else []) + list(settings.allowed_models)
    operator = "" if settings.hosted else " The server's operator can add it with EXPLORER_ALLOWED_MODELS."
    raise LinkError(
        f"the model {_short(text_)} is not offered by this app (offered: {', '.join(dict.fromkeys(offered))}).{operator}"
    )


def model_name(settings: Settings) -> Callable[[str], str]:
    """A link parser for a model choice: the allowed name, or ``"bundled"``.

    >>> from explorer.settings import Settings
    >>> model_name(Settings())("bundled")
    'bundled'
    """

    def parse(raw: str) -> str:
        return check_model_allowed(_text(raw, "model"), settings) or BUNDLED_MODEL

    return parse


def builtin_name(names: Sequence[str]) -> Callable[[str], str]:
    """A link parser for the id of something the app ships (a corpus, a sentence set), never a path.

    >>> builtin_name(["support_tickets", "news"])("news")
    'news'
    """
    pick = choice(list(names), case_sensitive=True)

    def parse(raw: str) -> str:
        return pick(refuse_path(raw, "name"))

    return parse
