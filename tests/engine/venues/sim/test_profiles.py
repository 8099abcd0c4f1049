"""Per-venue economics from `[venues.NAME]`: defaults, overrides, and bad values refused by key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.config import ConfigError, load_config
from engine.model import VenueId
from engine.venues.sim.gateway import Fees
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.profiles import VenueConfigError, market_config, parse_venues

LIT = ["LIT1", "LIT2", "LIT3"]


def test_the_built_in_venues_differ_in_fees_latency_and_the_dark_pools_minimum() -> None:
    profiles = parse_venues({}, LIT, True)
    assert [(p.maker_fee, p.taker_fee) for p in profiles.values()] == [
        (Decimal("-0.0020"), Decimal("0.0030")), (Decimal("0.0010"), Decimal("-0.0005")),
        (Decimal("-0.0005"), Decimal("0.0010")), (Decimal("0.0010"), Decimal("0.0010"))]
    assert [p.latency_us for p in profiles.values()] == [150, 250, 600, 300]
    assert profiles[VenueId("DARK1")].dark and profiles[VenueId("DARK1")].min_qty == 200


def test_a_table_overrides_only_the_keys_it_names_and_reaches_the_simulated_market() -> None:
    profiles = parse_venues({"LIT3": {"taker_fee": "0.0007", "latency_us": 900, "depth": 0.5},
                             "DARK1": {"min_qty": 500}}, LIT, True)
    lit3 = profiles[VenueId("LIT3")]
    assert (lit3.maker_fee, lit3.taker_fee, lit3.latency_us, lit3.jitter_us) == (
        Decimal("-0.0005"), Decimal("0.0007"), 900, 400)
    config = market_config(profiles)
    assert config.fees_by_venue[VenueId("LIT3")] == Fees(Decimal("-0.0005"), Decimal("0.0007"))
    assert config.latency_by_venue[VenueId("LIT3")] == LatencyModel(900_000, 400_000)
    assert config.flow_by_venue[VenueId("LIT3")].add_rate_per_s == pytest.approx(2.0)  # 4/s x 0.5
    assert config.dark.min_qty == 500


@pytest.mark.parametrize(("table", "message"), [
    ({"LIT9": {}}, "no venue named LIT9"),
    ({"LIT1": {"maker_fee": -0.002}}, "venues.LIT1.maker_fee must be a decimal string"),
    ({"LIT1": {"maker_fee": "1E-999999999"}}, "venues.LIT1.maker_fee must be a decimal string"),
    ({"LIT1": {"taker_fee": "0.5"}}, "more than 0.05"),
    ({"LIT1": {"latency_us": -1}}, "venues.LIT1.latency_us must be a whole number"),
    ({"LIT1": {"depth": 0}}, "venues.LIT1.depth must be a number from 0.01"),
    ({"LIT1": {"dark": True}}, "only DARK1 is the dark pool"),
    ({"LIT1": {"colour": "red"}}, "unknown key(s) colour"),
])
def test_bad_venue_values_are_refused_naming_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(VenueConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_venues(table, LIT, True)


def test_the_config_file_reports_routing_and_venue_mistakes_by_key(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "bad.toml"
    bad.write_text('[routing]\npolicy = "fastest"\n')
    with pytest.raises(ConfigError, match=r"routing\.policy: 'fastest' is not one of"):
        load_config(bad)
    bad.write_text('[routing]\nsequential_timeout_s = 0\n')
    with pytest.raises(ConfigError, match=r"routing\.sequential_timeout_s"):
        load_config(bad)
    bad.write_text('[routing]\nsequential_timeout_s = 30\nsequential_max_timeout_s = 10\n')
    with pytest.raises(ConfigError, match=r"routing\.sequential_max_timeout_s must not be below"):
        load_config(bad)
    bad.write_text('[venues.DARK1]\nmin_qty = "200"\n')
    with pytest.raises(ConfigError, match=r"venues\.DARK1\.min_qty"):
        load_config(bad)
    assert load_config().routing.default_policy.value == "AUTO"
