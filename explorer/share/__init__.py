"""Sharing vector sets by link: the shared store (``store``) and what a shared set says about itself
(``provenance``). Nothing here imports Streamlit; ``explorer.ui.share`` draws the Share action."""

from __future__ import annotations

from explorer.share.store import (
    SharedItem,
    SharedSet,
    SharedSetExpired,
    SharedSetMissing,
    ShareError,
    ShareLimitError,
    ShareLimits,
    ShareStore,
    check_id,
    new_id,
)

__all__ = [
    "ShareError",
    "ShareLimitError",
    "ShareLimits",
    "ShareStore",
    "SharedItem",
    "SharedSet",
    "SharedSetExpired",
    "SharedSetMissing",
    "check_id",
    "new_id",
]
