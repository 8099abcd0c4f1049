"""bench.intake_client's orders are what its docstrings promise: a real OMS stream is not a run of
duplicates, and the default config's duplicate-order control warns on each one (two journal records and an
alert), so a bench whose orders repeated would measure the warnings (a quarter of its orders did)."""

from __future__ import annotations

import random

from bench.intake_client import orders, probe_orders


def _keys(fields: list[tuple[int, str]]) -> tuple[str, ...]:
    values = dict(fields)
    return values[1], values[55], values[54], values[38], values[44]  # account, symbol, side, qty, price


def test_no_two_burst_orders_are_alike_across_quantity_and_price_steps() -> None:
    sent = orders("OMS1", 42_000, random.Random(7))  # past 20,000, where the price offset steps
    assert len({_keys(fields) for _, fields in sent}) == len(sent)
    assert len({fields[1][1] for _, fields in sent}) == 50  # fifty accounts, as said


def test_no_two_probe_orders_are_alike() -> None:
    sent = probe_orders("PROBE", 1_520)
    assert len({_keys(fields) for _, fields in sent}) == len(sent)
