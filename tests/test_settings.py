"""Settings from the environment, and the tighter hosted-mode defaults."""

from __future__ import annotations

import pytest

from explorer.settings import HOSTED_DEFAULTS, Settings


def test_defaults_without_environment():
    s = Settings.from_env({})
    assert s == Settings()
    assert not s.hosted and s.model is None and s.device == "auto"


def test_hosted_mode_tightens_every_limit():
    local, hosted = Settings.from_env({}), Settings.from_env({"EXPLORER_HOSTED": "1"})
    assert hosted.hosted
    for name in ("max_upload_bytes", "max_tokens", "max_vocab", "max_train_seconds", "max_points"):
        assert getattr(hosted, name) < getattr(local, name), name
    assert hosted.max_concurrent_trainings == HOSTED_DEFAULTS.max_concurrent_trainings
    assert hosted.allowed_models == ("bundled",)


def test_explicit_values_override_hosted_defaults():
    s = Settings.from_env({"EXPLORER_HOSTED": "true", "EXPLORER_MAX_UPLOAD_MB": "3", "EXPLORER_MODEL": "my/model"})
    assert s.max_upload_bytes == 3 * 1024 * 1024
    assert s.model == "my/model" and s.allowed_models == ("my/model",)


@pytest.mark.parametrize("raw", ["abc", "-5", "0"])
def test_bad_numbers_name_the_variable(raw):
    with pytest.raises(ValueError, match="EXPLORER_MAX_TOKENS"):
        Settings.from_env({"EXPLORER_MAX_TOKENS": raw})
