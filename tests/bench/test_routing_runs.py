"""The routing bench's split of a cost into when the fills came and what they paid for the moment."""

from decimal import Decimal

import pytest

from bench.routing_runs import cost_parts

D = Decimal


def test_parts_add_up_to_the_cost_vs_arrival() -> None:
    arrival = D("100.00")
    fills = [(300, D("100.01"), D("100.015")), (100, D("99.98"), D("99.985")), (600, D("100.04"), D("100.03"))]
    timing, vs_mid = cost_parts(fills, arrival, +1)
    filled = sum(q for q, _, _ in fills)
    cost = float((sum(p * q for q, p, _ in fills) / filled - arrival) / arrival) * 10_000
    assert timing + vs_mid == pytest.approx(cost, abs=1e-9)
    # where the mid stood: (300 x 1.5 - 100 x 1.5 + 600 x 3) / 1,000 cents = 2.1 bps of 100
    assert timing == pytest.approx(2.1)
    # against that mid: (-300 x 0.5 - 100 x 0.5 + 600 x 1) / 1,000 = 0.4 bps
    assert vs_mid == pytest.approx(0.4)


def test_a_sell_counts_a_falling_mid_against_it() -> None:
    timing, vs_mid = cost_parts([(100, D("49.99"), D("49.995"))], D("50.00"), -1)
    assert timing == pytest.approx(1.0)  # sold after the mid fell half a cent: 1 bps against
    assert vs_mid == pytest.approx(1.0)  # at the bid, half a cent under the mid: 1 bps more


def test_no_fills_no_parts() -> None:
    assert cost_parts([], D("10"), +1) == (0.0, 0.0)
