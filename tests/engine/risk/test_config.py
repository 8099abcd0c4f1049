"""The [risk] table: controls, scoped limits, lists, legacy keys; every bad value is refused naming its key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.config import ConfigError, load_config
from engine.risk.config import Mode, RiskConfig, RiskConfigError


def test_controls_scopes_lists_and_settings_parse() -> None:
    config = RiskConfig.from_toml({
        "max_position": {"mode": "soft", "firm": 5000, "instrument": {"AAPL": 2000}, "account": {"PM1": "1000"}},
        "child_rate": {"firm": 10, "venue": {"LIT1": 4}, "window_s": 2},
        "price_collar": {"mode": "hard", "firm": "7.5", "ticks": 3},
        "desks": {"EQ": ["PM1", "PM2"]}, "restricted_symbols": ["XYZ"], "restricted_by_account": {"PM1": ["ABC"]},
        "previous_close": {"AAPL": "189.50"}, "adv_shares": {"AAPL": 50_000_000},
        "kill_users": ["alice"], "reenable_users": ["bob"], "fix_soft": "block", "cancel_on_oms_disconnect": True,
    })
    assert config.max_position.mode is Mode.SOFT and config.max_position.for_instrument("AAPL") == 2000
    assert config.max_position.for_instrument("MSFT") == 5000 and config.max_position.account["PM1"] == 1000
    assert config.child_rate.window_ns == 2_000_000_000 and config.child_rate.venue["LIT1"] == 4
    assert config.price_collar.firm == Decimal("7.5") and config.price_collar.ticks == 3
    assert config.desk_of("PM2") == "EQ" and config.desk_of("PM9") == ""
    assert config.restricted_symbols == {"XYZ"} and config.restricted_by_account["PM1"] == {"ABC"}
    assert config.previous_close["AAPL"] == Decimal("189.50") and config.adv_shares["AAPL"] == 50_000_000
    assert config.may("alice", "kill") and not config.may("bob", "kill") and config.may("bob", "reenable")
    assert config.fix_soft_blocks and config.cancel_on_oms_disconnect


def test_the_original_five_keys_set_their_controls_firm_values() -> None:
    config = RiskConfig.from_toml({"max_child_qty": 10, "max_parent_notional": "1000", "price_band_pct": "2"})
    assert config.max_child_qty.firm == 10 and config.max_child_qty.mode is Mode.HARD
    assert config.max_order_notional.firm == 1000 and config.child_price_band.firm == 2


@pytest.mark.parametrize(("section", "key"), [
    ({"max_position": {"mode": "sometimes"}}, "risk.max_position.mode"),
    ({"max_position": {"firm": -1}}, "risk.max_position.firm"),
    ({"max_position": {"firm": "1E+999999"}}, "risk.max_position.firm"),
    ({"max_position": {"firm": "x" * 100}}, "risk.max_position.firm"),
    ({"max_position": {"instrument": {"AAPL": "lots"}}}, "risk.max_position.instrument.AAPL"),
    ({"max_position": {"colour": 1}}, "risk.max_position.colour"),
    ({"max_position": 5}, "risk.max_position"),
    ({"child_rate": {"window_s": 0}}, "risk.child_rate.window_s"),
    ({"price_collar": {"ticks": 1.5}}, "risk.price_collar.ticks"),
    ({"desks": {"EQ": "PM1"}}, "risk.desks.EQ"),
    ({"kill_users": "alice"}, "risk.kill_users"),
    ({"fix_soft": "maybe"}, "risk.fix_soft"),
    ({"cancel_on_oms_disconnect": "yes"}, "risk.cancel_on_oms_disconnect"),
    ({"restricted_symbols": ["A"] * 10_001}, "risk.restricted_symbols"),
    ({"limits": {}}, "risk.limits"),
    ({"max_position": {"firm": "1" + "0" * 40}}, "risk.max_position.firm must be a number"),
    ({"max_position": {"firm": [1]}}, "risk.max_position.firm must be a number"),
    ({"max_position": {"instrument": ["AAPL", 5]}}, "risk.max_position.instrument must be a table"),
    ({"max_position": {"instrument": {f"S{n}": 1 for n in range(10_001)}}}, "risk.max_position.instrument has 10,001"),
    ({"desks": "EQ"}, "risk.desks must be a table"),
])
def test_bad_values_are_refused_naming_the_key(section: dict[str, object], key: str) -> None:
    with pytest.raises(RiskConfigError, match=key.replace(".", r"\.")):
        RiskConfig.from_toml(section)


EDGE_NAME = "N" * 64


@pytest.mark.parametrize(("at_the_bound", "read", "expected", "past_it"), [
    ({"child_rate": {"window_s": 86_400}}, lambda c: c.child_rate.window_ns // 10**9, 86_400,
     {"child_rate": {"window_s": 86_401}}),
    ({"max_position": {"firm": "0" * 29 + "1.5"}}, lambda c: c.max_position.firm, Decimal("1.5"),
     {"max_position": {"firm": "0" * 30 + "1.5"}}),  # 32 characters read, 33 refused unread
    ({"max_position": {"firm": 0}}, lambda c: c.max_position.firm, 0, {"max_position": {"firm": "-0.00000001"}}),
    ({"max_position": {"firm": 10**15}}, lambda c: c.max_position.firm, 10**15,
     {"max_position": {"firm": 10**15 + 1}}),
    ({"price_collar": {"ticks": 10**15}}, lambda c: c.price_collar.ticks, 10**15,
     {"price_collar": {"ticks": 10**15 + 1}}),
    ({"price_collar": {"ticks": 0}}, lambda c: c.price_collar.ticks, 0, {"price_collar": {"ticks": -1}}),
    ({"max_position": {"instrument": {f"S{n}": 1 for n in range(10_000)}}},
     lambda c: len(c.max_position.instrument), 10_000,
     {"max_position": {"instrument": {f"S{n}": 1 for n in range(10_001)}}}),
    ({"kill_users": ["a", EDGE_NAME]}, lambda c: (c.may("a", "kill"), c.may(EDGE_NAME, "kill")), (True, True),
     {"kill_users": [EDGE_NAME + "N"]}),
    ({"kill_users": ["a"] * 10_000}, lambda c: c.may("a", "kill"), True, {"kill_users": ["a"] * 10_001}),
    ({"kill_users": ["a"]}, lambda c: c.may("a", "kill"), True, {"kill_users": [""]}),
])
def test_every_bound_of_the_risk_table_holds_its_edge(at_the_bound: dict[str, object], read: Any, expected: object,
                                                      past_it: dict[str, object]) -> None:
    """The value at a bound is accepted as written; one step past it is refused."""
    assert read(RiskConfig.from_toml(at_the_bound)) == expected
    with pytest.raises(RiskConfigError):
        RiskConfig.from_toml(past_it)


@pytest.mark.parametrize("section", [5, "max_position", ["max_position"]])
def test_a_risk_setting_that_is_not_a_table_is_refused(section: object) -> None:
    with pytest.raises(RiskConfigError, match="risk must be a table"):
        RiskConfig.from_toml(section)  # type: ignore[arg-type]


def test_the_app_config_carries_the_risk_table_and_names_bad_keys(tmp_path: Path) -> None:
    config = load_config(journal_override=str(tmp_path / "x.db"))
    assert config.risk_config.price_collar.mode is Mode.HARD  # resources/default_config.toml
    path = tmp_path / "ems.toml"
    path.write_text('[risk.max_gross]\nmode = "soft"\nfirm = "1000000"\n')
    assert load_config(path).risk_config.max_gross.firm == 1_000_000
    assert load_config(path).risk_config.price_collar.mode is Mode.HARD  # other controls keep the defaults
    path.write_text('[risk.max_gross]\nfirm = "lots"\n')
    with pytest.raises(ConfigError, match=r"risk\.max_gross\.firm"):
        load_config(path)
