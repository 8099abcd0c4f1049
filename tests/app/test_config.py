"""Configuration: defaults, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, load_config
from engine.tickets.aggregation import WindowRule


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ems.toml"
    path.write_text(text)
    return path


def test_defaults_load_and_db_override_wins(tmp_path: Path) -> None:
    config = load_config(journal_override=str(tmp_path / "x.db"))
    assert config.journal_path == tmp_path / "x.db"
    assert config.market.lit_venues == ("LIT1", "LIT2", "LIT3") and config.aggregation.limit_tolerance_ticks == 0


def test_ticket_rules_and_crossing_policy_come_from_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[tickets]\nlimit_tolerance_ticks = -1\nwindow = "overlap"\n'
                                         'match_account = true\nno_cross_accounts = ["PM9"]\n'))
    assert config.aggregation.limit_tolerance_ticks is None
    assert config.aggregation.window is WindowRule.OVERLAP and config.aggregation.match_account
    assert config.crossing.disabled_accounts == frozenset({"PM9"})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[tickets]\nwindow = "sometimes"\n', "tickets.window"),
        ("[tickets]\nmatch_account = 1\n", "tickets.match_account"),
        ('[tickets]\nno_cross_sources = "fix"\n', "tickets.no_cross_sources"),
        ("[market]\nspeed = 0\n", "market.speed"),
        ('[market]\nopen = "9h30"\n', "market.open"),
        ('[journal]\nsynchronous = "OFF"\n', "journal.synchronous"),
        ('[journal]\ncheckpoint_on_close = "yes"\n', "journal.checkpoint_on_close"),
        ("[journal]\ncheckpoint_every_records = -1\n", "journal.checkpoint_every_records"),
        ("[journal]\ncheckpoint_every_records = 1.5\n", "journal.checkpoint_every_records"),
        ('[risk]\nmax_child_notional = "lots"\n', "risk.max_child_notional"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(write(tmp_path, text))


def test_a_file_listing_fewer_venues_drops_the_defaults_profiles_of_the_others(tmp_path: Path) -> None:
    path = tmp_path / "one.toml"
    path.write_text('[market]\nlit_venues = ["LIT1"]\ndark_pool = false\n', encoding="utf-8")
    config = load_config(path)
    assert config.market.lit_venues == ("LIT1",) or list(config.market.lit_venues) == ["LIT1"]
    assert set(config.venues) == {"LIT1"}
    path.write_text('[market]\nlit_venues = ["LIT1"]\n[venues.LIT2]\nlatency_us = 100\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="LIT2"):  # a profile the file itself gives for an unlisted venue
        load_config(path)
