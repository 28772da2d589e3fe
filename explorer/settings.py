"""Run-time settings, read from environment variables.

Every limit the app enforces lives here so that a hosted demo can tighten them in one place
(``EXPLORER_HOSTED=1``) and a power user can loosen them on a laptop.

Example:
    >>> from explorer.settings import Settings
    >>> Settings.from_env({"EXPLORER_MAX_UPLOAD_MB": "5"}).max_upload_bytes
    5242880
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_TRUE = {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(float(raw))
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a number; set it to an integer such as {default}.") from exc
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be positive; set it to an integer such as {default}.")
    return value


def _megabytes(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    """A size given in MB as bytes; unset keeps ``default`` (None: no limit), "off" or "none" removes it."""
    raw = env.get(name, "").strip().lower()
    if raw in ("off", "none"):
        return None
    if raw == "":
        return default
    return _int(env, name, 1) * 2**20


@dataclass(frozen=True)
class Settings:
    """Limits and choices for one app process.

    Attributes:
        device: "auto", "cpu", "cuda", "cuda:N" or "mps" (``EXPLORER_DEVICE``).
        model: transformer to serve; None means the bundled offline MiniLM (``EXPLORER_MODEL``).
        hosted: public-demo mode with tighter limits (``EXPLORER_HOSTED``).
        max_upload_bytes: largest uploaded file (``EXPLORER_MAX_UPLOAD_MB``).
        max_tokens: most tokens read from one corpus (``EXPLORER_MAX_TOKENS``).
        max_vocab: largest training vocabulary (``EXPLORER_MAX_VOCAB``).
        max_train_seconds: wall-clock budget of one training run (``EXPLORER_MAX_TRAIN_SECONDS``).
        max_points: most points in one projection (``EXPLORER_MAX_POINTS``).
        max_layout_points: most points in one t-SNE or UMAP map (``EXPLORER_MAX_LAYOUT_POINTS``; the
            smaller of it and ``max_points`` applies). Their peak memory is what a hosted server's
            ceiling has least room for (docs/benchmarks.md, hosted-maps).
        max_concurrent_trainings: trainings running at once across visitors
            (``EXPLORER_MAX_TRAININGS``).
        allowed_models: model ids or folders a visitor may pick besides the bundled and the
            configured model (``EXPLORER_ALLOWED_MODELS``, comma separated). Empty: a person
            typing into a local app may name any model, but a link only these (see
            ``explorer.links.check_model_allowed``). Hosted mode allows only the configured model.
        max_memory_bytes: the resident memory the process keeps under (``EXPLORER_MAX_MEMORY_MB``;
            None: no ceiling). Heavy work that would pass it waits, or is refused with a message.
        max_sentences: most sentences one request to the transformer may carry, on the Context
            and Sentences pages (``EXPLORER_MAX_SENTENCES``).
        max_sentence_chars: longest sentence, in characters, the transformer is asked to read
            (``EXPLORER_MAX_SENTENCE_CHARS``).
        result_cache_bytes: bytes of transformer results kept for reuse by every visitor
            (``EXPLORER_RESULT_CACHE_MB``).
        max_upload_rows: most words (rows) read from one uploaded vector file; the rest of the file
            is not read, with a notice (``EXPLORER_MAX_UPLOAD_ROWS``).
        index_dir: the folder of contextual indexes the app reads (``EXPLORER_INDEX_DIR``; None:
            the Context page's index source and the indexes' vector sets are off). Built with
            ``python -m explorer.index build ... --out <index_dir>/<name>``. Unset with ``data_dir`` set:
            ``<data_dir>/indexes``.
        data_dir: the server's data folder (``EXPLORER_DATA_DIR``; None: no vector library): vector files
            in ``vectors/`` are offered in every vector-set picker (``explorer.library``), prebuilt maps
            in ``maps/``, indexes in ``indexes/``.
        map_dir: the folder of prebuilt word maps the Map page reads (``EXPLORER_MAP_DIR``; None:
            the page says how to build one). Each map is a subfolder written by
            ``python -m explorer.map build VECTORS --out <map_dir>/<name>``. Unset with ``data_dir`` set:
            ``<data_dir>/maps``.
        share_store: where shared vector sets go (``EXPLORER_SHARE_STORE``: a folder or an fsspec URL
            such as ``s3://bucket/prefix``; unset with ``data_dir`` set: ``<data_dir>/shared``; None: the
            Share action is off). Every app process behind one proxy must name the same store.
        share_max_item_bytes: largest shared set, stored (``EXPLORER_SHARE_MAX_ITEM_MB``).
        share_max_total_bytes: most bytes the store holds (``EXPLORER_SHARE_MAX_TOTAL_MB``).
        share_expire_days: a shared set not opened for this many days is removed (``EXPLORER_SHARE_EXPIRE_DAYS``).
        share_max_per_session: most sets one browser session may have shared at once
            (``EXPLORER_SHARE_MAX_PER_SESSION``).
        max_dictionary_pairs: most word pairs read from one dictionary on the Compare page, a file and typed
            pairs together (``EXPLORER_MAX_DICTIONARY_PAIRS``).
    """

    device: str = "auto"
    model: str | None = None
    hosted: bool = False
    max_upload_bytes: int = 200 * 1024 * 1024
    max_tokens: int = 20_000_000
    max_vocab: int = 100_000
    max_train_seconds: int = 3600
    max_points: int = 100_000
    max_layout_points: int = 100_000
    max_concurrent_trainings: int = 8
    allowed_models: tuple[str, ...] = field(default_factory=tuple)
    index_dir: str | None = None
    data_dir: str | None = None
    map_dir: str | None = None
    max_memory_bytes: int | None = None
    max_sentences: int = 200
    max_sentence_chars: int = 10_000
    result_cache_bytes: int = 256 * 2**20
    max_upload_rows: int = 3_000_000
    share_store: str | None = None
    share_max_item_bytes: int = 512 * 2**20
    share_max_total_bytes: int = 20 * 2**30
    share_expire_days: int = 90
    share_max_per_session: int = 50
    max_dictionary_pairs: int = 500_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default: ``os.environ``); hosted mode lowers the defaults.

        >>> s = Settings.from_env({"EXPLORER_HOSTED": "1"})
        >>> s.hosted, s.max_upload_bytes // 2**20, s.allowed_models, s.max_memory_bytes // 2**20
        (True, 10, ('bundled',), 1536)
        """
        env = os.environ if env is None else env
        hosted = env.get("EXPLORER_HOSTED", "").strip().lower() in _TRUE
        base = HOSTED_DEFAULTS if hosted else cls()
        model = env.get("EXPLORER_MODEL", "").strip() or None
        allowed = tuple(m.strip() for m in env.get("EXPLORER_ALLOWED_MODELS", "").split(",") if m.strip())
        if hosted and not allowed:
            allowed = (model or "bundled",)
        data_dir = env.get("EXPLORER_DATA_DIR", "").strip() or None
        index_dir = env.get("EXPLORER_INDEX_DIR", "").strip() or (
            os.path.join(data_dir, "indexes") if data_dir else None
        )
        map_dir = env.get("EXPLORER_MAP_DIR", "").strip() or (os.path.join(data_dir, "maps") if data_dir else None)
        share_store = env.get("EXPLORER_SHARE_STORE", "").strip() or (
            os.path.join(data_dir, "shared") if data_dir else None
        )
        return cls(
            device=env.get("EXPLORER_DEVICE", "auto").strip() or "auto",
            model=model,
            hosted=hosted,
            max_upload_bytes=_int(env, "EXPLORER_MAX_UPLOAD_MB", base.max_upload_bytes // (1024 * 1024)) * 1024 * 1024,
            max_tokens=_int(env, "EXPLORER_MAX_TOKENS", base.max_tokens),
            max_vocab=_int(env, "EXPLORER_MAX_VOCAB", base.max_vocab),
            max_train_seconds=_int(env, "EXPLORER_MAX_TRAIN_SECONDS", base.max_train_seconds),
            max_points=_int(env, "EXPLORER_MAX_POINTS", base.max_points),
            max_layout_points=_int(env, "EXPLORER_MAX_LAYOUT_POINTS", base.max_layout_points),
            max_concurrent_trainings=_int(env, "EXPLORER_MAX_TRAININGS", base.max_concurrent_trainings),
            allowed_models=allowed,
            index_dir=index_dir,
            data_dir=data_dir,
            map_dir=map_dir,
            max_memory_bytes=_megabytes(env, "EXPLORER_MAX_MEMORY_MB", base.max_memory_bytes),
            max_sentences=_int(env, "EXPLORER_MAX_SENTENCES", base.max_sentences),
            max_sentence_chars=_int(env, "EXPLORER_MAX_SENTENCE_CHARS", base.max_sentence_chars),
            result_cache_bytes=_int(env, "EXPLORER_RESULT_CACHE_MB", base.result_cache_bytes // 2**20) * 2**20,
            max_upload_rows=_int(env, "EXPLORER_MAX_UPLOAD_ROWS", base.max_upload_rows),
            share_store=share_store,
            share_max_item_bytes=_int(env, "EXPLORER_SHARE_MAX_ITEM_MB", base.share_max_item_bytes // 2**20) * 2**20,
            share_max_total_bytes=_int(env, "EXPLORER_SHARE_MAX_TOTAL_MB", base.share_max_total_bytes // 2**20) * 2**20,
            share_expire_days=_int(env, "EXPLORER_SHARE_EXPIRE_DAYS", base.share_expire_days),
            share_max_per_session=_int(env, "EXPLORER_SHARE_MAX_PER_SESSION", base.share_max_per_session),
            max_dictionary_pairs=_int(env, "EXPLORER_MAX_DICTIONARY_PAIRS", base.max_dictionary_pairs),
        )

    @property
    def max_upload_mb(self) -> int:
        """The upload limit in whole MB (2^20 bytes, rounded up): what every file uploader is given and shows.

        >>> Settings(max_upload_bytes=10 * 2**20).max_upload_mb
        10
        """
        return max(1, -(-self.max_upload_bytes // 2**20))

    def limit_hint(self, env_name: str) -> str:
        """How a message names the setting behind a limit: " (setting NAME)" on a server one runs oneself;
        nothing in hosted mode, whose visitors cannot change it (they are told what they can do instead).

        >>> Settings().limit_hint("EXPLORER_MAX_POINTS"), Settings(hosted=True).limit_hint("EXPLORER_MAX_POINTS")
        (' (setting EXPLORER_MAX_POINTS)', '')
        """
        return "" if self.hosted else f" (setting {env_name})"

    def for_visitor(self, message: str) -> str:
        """``message`` as a visitor of this server may read it: in hosted mode, a library message that names a
        server setting (readers and parsers know no settings) loses the name and the advice to change it.

        >>> m = "a.txt is 3 MB; the limit is 1 MB (setting EXPLORER_MAX_UPLOAD_MB). Upload less, or raise the limit."
        >>> Settings(hosted=True).for_visitor(m)
        'a.txt is 3 MB; the limit is 1 MB. Upload less, or run Embedding Explorer on your own computer for more.'
        >>> Settings().for_visitor(m) == m
        True
        """
        if not self.hosted:
            return message
        text = SETTING_NAME_RE.sub("", message)
        return text.replace("or raise the limit", "or run Embedding Explorer on your own computer for more")


# " (setting EXPLORER_X)" or " (EXPLORER_X)" inside a message, as library messages name a limit's setting
SETTING_NAME_RE = re.compile(r" \((?:setting )?EXPLORER_[A-Z_]+\)")

HOSTED_DEFAULTS = Settings(
    hosted=True,
    max_upload_bytes=10 * 1024 * 1024,
    max_tokens=500_000,
    max_vocab=20_000,
    max_train_seconds=120,
    max_points=20_000,
    max_layout_points=10_000,
    max_concurrent_trainings=2,
    max_memory_bytes=1536 * 2**20,
    max_sentences=40,
    max_sentence_chars=400,
    result_cache_bytes=64 * 2**20,
    max_upload_rows=200_000,
    share_max_item_bytes=32 * 2**20,
    share_max_total_bytes=2 * 2**30,
    share_expire_days=30,
    share_max_per_session=5,
    max_dictionary_pairs=20_000,
)


def get_settings() -> Settings:
    """Settings of this process, read from the environment on every call (cheap).

    >>> get_settings().max_upload_bytes > 0
    True
    """
    return Settings.from_env()
