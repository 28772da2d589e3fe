"""Choice of the torch device every model runs on.

Example:
    >>> from explorer.device import select_device
    >>> select_device("cpu").type
    'cpu'
"""

from __future__ import annotations

import os

import torch

ENV_VAR = "EXPLORER_DEVICE"


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def select_device(preference: str | None = "auto") -> torch.device:
    """Return the device to compute on.

    ``"auto"`` (or None) picks CUDA, then Apple MPS, then the CPU. The environment variable
    ``EXPLORER_DEVICE`` overrides an "auto" preference. An explicit preference for a device that
    is not present raises ``ValueError`` with what is available.
    """
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        pref = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if pref == "cpu":
        return torch.device("cpu")
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"Device {pref!r} was asked for but CUDA is not available; use 'cpu' or 'auto'.")
        device = torch.device(pref)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"Device {pref!r} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)."
            )
        return device
    if pref == "mps":
        if not _mps_available():
            raise ValueError("Device 'mps' was asked for but Apple MPS is not available; use 'cpu' or 'auto'.")
        return torch.device("mps")
    raise ValueError(f"Unknown device {preference!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'.")


def describe_device(device: torch.device) -> str:
    """A short human label such as ``"CPU"`` or ``"CUDA: NVIDIA H200"``."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"CUDA: {torch.cuda.get_device_name(index)}"
    if device.type == "mps":
        return "Apple MPS"
    cores = os.cpu_count() or 1
    return f"CPU ({cores} core{'s' if cores != 1 else ''})"
