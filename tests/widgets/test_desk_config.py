"""The `[desk]` table: defaults as in resources/default_config.toml, every bad value refused by its key;
the order rules that decide when to ask."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files

import pytest

from widgets.confirmations import order_reasons
from widgets.desk_config import DeskConfig, DeskConfigError


def test_the_shipped_configuration_and_the_defaults_agree() -> None:
    shipped = tomllib.loads(files("resources").joinpath("default_config.toml").read_text(encoding="utf-8"))
    assert DeskConfig.from_raw(shipped["desk"]) == DeskConfig()
    assert DeskConfig.from_raw({}) == DeskConfig()


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"confirm_orders": "yes"}, "desk.confirm_orders"),
        ({"confirm_order_notional": "1E+9"}, "desk.confirm_order_notional"),
        ({"confirm_order_notional": "-5"}, "desk.confirm_order_notional"),
        ({"confirm_order_notional": 1.5}, "desk.confirm_order_notional"),
        ({"confirm_order_quantity": -1}, "desk.confirm_order_quantity"),
        ({"confirm_order_quantity": True}, "desk.confirm_order_quantity"),
        ({"confirm_away_from_market_pct": "9" * 40}, "desk.confirm_away_from_market_pct"),
        ({"confirm_repeat_seconds": 10**9}, "desk.confirm_repeat_seconds"),
        ({"average_price_extra_decimals": 7}, "desk.average_price_extra_decimals"),
        ({"confirm_cancel": True}, "unknown key(s) confirm_cancel"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(section: dict[str, object], key: str) -> None:
    with pytest.raises(DeskConfigError, match=key.replace("(", r"\(").replace(")", r"\)")):
        DeskConfig.from_raw(section)


def test_values_are_read() -> None:
    config = DeskConfig.from_raw({"confirm_order_notional": "250000.50", "confirm_order_quantity": 1_000,
                                  "confirm_cancels": False, "average_price_extra_decimals": 0})
    assert config.confirm_order_notional == Decimal("250000.50") and config.confirm_order_quantity == 1_000
    assert not config.confirm_cancels and config.average_price_extra_decimals == 0


@dataclass(frozen=True)
class Order:
    symbol: str = "AAPL"
    side: str = "BUY"
    quantity: int = 1_000
    limit_price: Decimal | None = None
    algo: str = "VWAP"
    account: str = "DESK"


MID = Decimal("100.00")


@pytest.mark.parametrize(
    ("order", "mid", "since", "expected"),
    [
        (Order(), MID, None, []),
        (Order(quantity=50_000), None, None, []),  # at the threshold: fine
        (Order(quantity=50_001), None, None, ["50,001 shares is more than 50,000"]),
        (Order(quantity=10_001), MID, None, ["worth about 1,000,100, more than 1,000,000"]),
        (Order(quantity=10_001), None, None, []),  # no mid, no limit: the size in shares is all we know
        (Order(quantity=10_102, limit_price=Decimal("99")), None, None,
         ["worth about 1,000,098, more than 1,000,000"]),  # the limit prices it when there is no mid
        (Order(limit_price=Decimal("102.01")), MID, None,
         ["limit 102.01 is 2.0% through the mid 100.0000 (more than 2%)"]),
        (Order(limit_price=Decimal("102.00")), MID, None, []),
        (Order(side="SELL", limit_price=Decimal("97.5")), MID, None,
         ["limit 97.5 is 2.5% through the mid 100.0000 (more than 2%)"]),
        (Order(limit_price=Decimal("97.5")), MID, None,
         ["limit 97.5 is 2.5% away from the mid 100.0000 (more than 2%)"]),
        (Order(), MID, 4.2, ["the same order was sent 4 s ago"]),
        (Order(), MID, 10.5, []),
    ],
)
def test_when_an_order_is_confirmed(
    order: Order, mid: Decimal | None, since: float | None, expected: list[str]
) -> None:
    assert order_reasons(order, mid, DeskConfig(), since) == expected


def test_no_order_is_confirmed_when_confirmations_are_off() -> None:
    assert order_reasons(Order(quantity=10**7), MID, DeskConfig(confirm_orders=False), 0.0) == []
