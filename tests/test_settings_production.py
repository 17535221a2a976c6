"""Settings for the production shape: a real SECRET_KEY, and the new knobs' ranges."""

from __future__ import annotations

import pytest

from helpline.config import load_settings
from helpline.errors import SettingsError


def test_a_production_secret_key_has_at_least_32_characters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = {"HELPLINE_DATA_DIR": str(tmp_path)}
    with pytest.raises(SettingsError, match="SECRET_KEY: must be at least 32 characters"):
        load_settings({**base, "SECRET_KEY": "short"}, environ={}, dotenv=None)
    assert load_settings({**base, "SECRET_KEY": "k" * 32}, environ={}, dotenv=None).secret_key == "k" * 32
    assert len(load_settings(base, environ={}, dotenv=None).secret_key) >= 32  # the local one made for a laptop


@pytest.mark.parametrize(("name", "bad"), [("TRUSTED_PROXIES", "-1"), ("TRUSTED_PROXIES", "9"),
                                           ("LOGIN_PER_MINUTE", "0"), ("LOGIN_PER_MINUTE", "many")])
def test_proxy_and_throttle_settings_are_checked(tmp_path, name: str, bad: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=name):
        load_settings({"HELPLINE_DATA_DIR": str(tmp_path), name: bad}, environ={}, dotenv=None)
    good = load_settings({"HELPLINE_DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "1", "LOGIN_PER_MINUTE": "20"},
                         environ={}, dotenv=None)
    assert (good.trusted_proxies, good.login_per_minute) == (1, 20)
