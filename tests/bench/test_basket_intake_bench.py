"""bench.basket_intake runs on the default configuration: every row of its basket is accepted (it had
silently broken when a default soft control made its whole basket wait for confirmation)."""

from __future__ import annotations

from bench.basket_intake import basket, submit_basket_once


def test_the_bench_basket_is_accepted_whole_on_the_default_config() -> None:
    assert submit_basket_once(600, seed=3) > 0  # raises, naming the refusals, if any row is refused


def test_no_two_rows_of_the_bench_basket_are_alike() -> None:
    rows = basket(2_000, 10**18, seed=1)
    keys = {(r.account, r.symbol, r.side, r.quantity, r.limit_price) for r in rows}
    assert len(keys) == len(rows)
