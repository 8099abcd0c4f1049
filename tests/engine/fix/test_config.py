"""Session settings as QuickFIX names them: parsed from `[fix]`, documented in resources/default_config.toml."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from engine.fix.config import (
    SESSION_SETTING_KEYS,
    AcceptorConfig,
    SessionConfig,
    SessionSettings,
    SettingsError,
    parse_heartbeat_min,
    parse_session_settings,
)


def default_fix_section() -> dict[str, object]:
    text = resources.files("resources").joinpath("default_config.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(text)["fix"])


def test_every_session_setting_is_documented_in_the_default_config_with_its_default():
    section = default_fix_section()
    assert set(section) >= SESSION_SETTING_KEYS
    assert parse_session_settings(section) == SessionSettings()
    assert parse_heartbeat_min(section) == 0


def test_settings_are_read_by_their_names():
    parsed = parse_session_settings({"reset_on_logon": True, "check_latency": False, "max_latency_s": 30,
                                     "validate_user_defined_fields": True, "validate_fields_out_of_order": False})
    assert parsed == SessionSettings(reset_on_logon=True, check_latency=False, max_latency_s=30,
                                     validate_user_defined_fields=True, validate_fields_out_of_order=False)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"reset_on_logon": "yes"}, "fix.reset_on_logon must be true or false"),
        ({"max_latency_s": 1.5}, "fix.max_latency_s must be a whole number"),
        ({"max_latency_s": True}, "fix.max_latency_s must be a whole number"),
        ({"max_latency_s": 0}, "max_latency_s must be at least 1"),
    ],
)
def test_a_bad_setting_names_its_key(section, message):
    with pytest.raises(SettingsError, match=message):
        parse_session_settings(section)


@pytest.mark.parametrize("value", [-1, "0", 1.0])
def test_heartbeat_lower_bound_is_a_whole_number_of_seconds(value):
    with pytest.raises(SettingsError, match=r"fix\.heartbeat_min_s"):
        parse_heartbeat_min({"heartbeat_min_s": value})


def test_heartbeat_bounds_must_be_ordered():
    with pytest.raises(ValueError, match="heartbeat bounds"):
        AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), min_heartbeat_s=60, max_heartbeat_s=30)


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIXT.1.1", ""])
def test_only_fix_4_4_sessions_are_configured(begin_string):
    with pytest.raises(ValueError, match=r"only FIX\.4\.4 sessions are supported"):
        SessionConfig("EMS", "OMS1", begin_string=begin_string)


def test_a_negative_heartbeat_margin_is_refused():
    with pytest.raises(ValueError, match="heartbeat margin must be >= 0"):
        AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), heartbeat_margin=-0.1)
    assert AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), heartbeat_margin=0).heartbeat_margin == 0


def test_settings_at_their_bounds_are_accepted():
    assert AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), port=65_535).port == 65_535
    both = AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), min_heartbeat_s=30, max_heartbeat_s=30)
    assert both.min_heartbeat_s == both.max_heartbeat_s == 30
    assert SessionSettings(max_latency_s=1).max_latency_s == 1
