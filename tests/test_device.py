"""Device choice: CUDA, then MPS, then CPU; the environment variable overrides "auto"."""

from __future__ import annotations

import pytest
import torch

from explorer import device as device_mod
from explorer.device import describe_device, select_device


@pytest.fixture()
def no_accelerators(monkeypatch):
    monkeypatch.delenv(device_mod.ENV_VAR, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)


def test_auto_falls_back_to_cpu(no_accelerators):
    assert select_device("auto").type == "cpu"
    assert select_device(None).type == "cpu"


def test_auto_prefers_cuda_when_present(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: True)
    assert select_device("auto").type == "cuda"


def test_auto_takes_mps_without_cuda(no_accelerators, monkeypatch):
    monkeypatch.setattr(device_mod, "_mps_available", lambda: True)
    assert select_device("auto").type == "mps"


def test_environment_overrides_auto(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv(device_mod.ENV_VAR, "cpu")
    assert select_device("auto").type == "cpu"


def test_explicit_preference_beats_environment(no_accelerators, monkeypatch):
    monkeypatch.setenv(device_mod.ENV_VAR, "cuda")
    assert select_device("cpu").type == "cpu"


@pytest.mark.parametrize("pref", ["cuda", "cuda:0", "mps"])
def test_missing_accelerator_is_a_clear_error(no_accelerators, pref):
    with pytest.raises(ValueError, match="not available"):
        select_device(pref)


def test_cuda_index_out_of_range(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match="1 CUDA device"):
        select_device("cuda:3")


def test_unknown_device_name(no_accelerators):
    with pytest.raises(ValueError, match="Unknown device"):
        select_device("tpu")


def test_environment_with_unknown_value_is_reported(no_accelerators, monkeypatch):
    monkeypatch.setenv(device_mod.ENV_VAR, "quantum")
    with pytest.raises(ValueError, match="Unknown device"):
        select_device("auto")


def test_describe_cpu():
    assert describe_device(torch.device("cpu")).startswith("CPU")
