"""Pure schedules: tables of cases and the invariants every target keeps."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.algos.schedules import (
    ScheduleError,
    almgren_chriss_holdings,
    almgren_chriss_kappa,
    floor_lots,
    floor_share,
    is_target,
    mid_price_volatility,
    nearest_lots,
    pov_band,
    pov_target,
    twap_target,
)

S = 10**9
OPEN = 34_200 * S
CLOSE = 57_600 * S


# --- lots ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("quantity", "lot", "expected"), [(250, 100, 200), (99, 100, 0), (-5, 1, 0), (7, 1, 7)])
def test_floor_lots(quantity: int, lot: int, expected: int) -> None:
    assert floor_lots(quantity, lot) == expected


@pytest.mark.parametrize(("quantity", "lot", "expected"), [(149.9, 100, 100), (150.0, 100, 200), (2.5, 1, 3)])
def test_nearest_lots_rounds_halves_up(quantity: float, lot: int, expected: int) -> None:
    assert nearest_lots(quantity, lot) == expected


def test_floor_share_is_free_of_binary_float_noise() -> None:
    assert floor_share(0.29, 100) == 29
    assert floor_share(0.1, 1000) == 100


# --- TWAP / VWAP -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "lot", "expected"),
    [
        (-1, 1, 0), (0, 1, 0), (50, 1, 500), (33, 1, 330), (33, 100, 300), (99, 100, 900),
        (100, 100, 1001), (200, 1, 1001),
    ],
)
def test_twap_is_a_straight_line_in_whole_lots(now: int, lot: int, expected: int) -> None:
    quantity = 1001 if now >= 100 else 1000
    assert twap_target(0, 100, quantity, now, lot) == expected


times = st.integers(min_value=-10, max_value=110)


@given(st.integers(1, 10**6), st.sampled_from([1, 100]), times, times)
def test_twap_targets_are_monotone_bounded_and_complete(quantity: int, lot: int, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    target = lambda t: twap_target(0, 100, quantity, t, lot)  # noqa: E731
    assert target(0) == 0 and target(100) == quantity
    assert 0 <= target(lo) <= target(hi) <= quantity


# --- POV ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "rate", "bounds", "quantity", "expected"),
    [
        (1000, 0.10, (0.0, 1.0), 5000, 100),
        (1000, 0.10, (0.15, 0.30), 5000, 150),  # rate below the floor
        (1000, 0.50, (0.05, 0.20), 5000, 200),  # rate above the cap
        (1000, 0.10, (0.0, 1.0), 60, 60),  # never beyond the order
        (0, 0.10, (0.0, 1.0), 60, 0),
        (1000, 1.0, (0.0, 1.0), 5000, 1000),  # all of the market's volume: the top of the range
    ],
)
def test_pov_targets_a_share_of_market_volume(
    volume: int, rate: float, bounds: tuple[float, float], quantity: int, expected: int
) -> None:
    assert pov_target(volume, rate, quantity, min_rate=bounds[0], max_rate=bounds[1]) == expected


def test_pov_rejects_impossible_rates() -> None:
    with pytest.raises(ScheduleError, match="participation rate"):
        pov_target(100, 0.0, 10)
    with pytest.raises(ScheduleError, match="bounds"):
        pov_target(100, 0.1, 10, min_rate=0.3, max_rate=0.2)


@given(st.integers(0, 10**8), st.floats(0.001, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0),
       st.integers(1, 10**7), st.sampled_from([1, 100]))
def test_pov_stays_within_its_participation_bounds(
    volume: int, rate: float, a: float, b: float, quantity: int, lot: int
) -> None:
    min_rate, max_rate = sorted((a, b))
    target = pov_target(volume, rate, quantity, min_rate=min_rate, max_rate=max_rate, lot_size=lot)
    least, most = pov_band(volume, quantity, min_rate, max_rate, lot)
    assert 0 <= target <= quantity
    assert target <= max_rate * volume + 1e-6
    if target < quantity:
        assert target >= min_rate * volume - lot
    assert least <= target <= most


# --- Implementation Shortfall ----------------------------------------------------------------------------------


def test_without_risk_aversion_the_trajectory_is_the_straight_line() -> None:
    assert almgren_chriss_holdings(1000, 3600.0, 10, 0.0, 0.05, 1e-4) == list(range(1000, -1, -100))


def test_holdings_follow_the_sinh_formula() -> None:
    quantity, horizon, n = 100_000, 3600.0, 12
    kappa = almgren_chriss_kappa(horizon, n, 1e-6, 0.02, 2e-4, 1e-7)
    holdings = almgren_chriss_holdings(quantity, horizon, n, 1e-6, 0.02, 2e-4, 1e-7)
    for j, held in enumerate(holdings):
        exact = quantity * math.sinh(kappa * (horizon - j * horizon / n)) / math.sinh(kappa * horizon)
        assert abs(held - exact) <= 0.5 + 1e-6


def test_kappa_uses_eta_tilde_and_the_discrete_cosh_relation() -> None:
    tau = 60.0
    eta_tilde = 2e-4 - 1e-6 * tau / 2
    kappa_tilde_sq = 1e-5 * 0.03**2 / eta_tilde
    kappa = almgren_chriss_kappa(600.0, 10, 1e-5, 0.03, 2e-4, 1e-6)
    assert math.cosh(kappa * tau) == pytest.approx(1 + kappa_tilde_sq * tau**2 / 2, rel=1e-12)


def test_too_much_permanent_impact_for_the_interval_is_refused() -> None:
    with pytest.raises(ScheduleError, match="temporary impact"):
        almgren_chriss_kappa(600.0, 1, 1e-6, 0.02, 1e-4, 1e-5)


def test_impact_exactly_used_up_by_the_permanent_part_is_refused() -> None:
    with pytest.raises(ScheduleError, match="temporary impact"):  # eta - gamma tau / 2 = 0: lambda sigma^2 / 0
        almgren_chriss_kappa(1.0, 1, 1e-6, 0.02, 1.0, 2.0)


@pytest.mark.parametrize(
    ("args", "named"),
    [((600.0, 0, 1e-6, 0.02, 1e-4), "n_intervals"), ((600.0, 10, -1e-6, 0.02, 1e-4), "risk aversion"),
     ((600.0, 10, 1e-6, -0.02, 1e-4), "volatility"), ((600.0, 10, 1e-6, 0.02, 1e-4, -1e-9), "permanent impact")],
)
def test_a_trajectory_from_impossible_inputs_is_refused_naming_them(args: tuple[float, ...], named: str) -> None:
    with pytest.raises(ScheduleError, match=named):
        almgren_chriss_kappa(*args)


@pytest.mark.parametrize("horizon_s", [0.0, -1.0])
def test_a_trajectory_over_no_time_is_refused(horizon_s: float) -> None:
    with pytest.raises(ScheduleError, match="horizon"):
        almgren_chriss_kappa(horizon_s, 10, 1e-6, 0.02, 1e-4)


def test_extreme_urgency_does_not_overflow() -> None:
    holdings = almgren_chriss_holdings(1000, 23_400.0, 100, 1.0, 1.0, 1e-6)
    assert holdings[0] == 1000 and holdings[1] == 0 and holdings[-1] == 0


@pytest.mark.parametrize(("now", "expected"), [(0, 0), (5, 50), (15, 150), (100, 1000)])
def test_is_target_interpolates_between_interval_boundaries(now: int, expected: int) -> None:
    holdings = [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100, 0]
    assert is_target(holdings, 0, 100, now) == expected


def test_nothing_of_the_trajectory_is_due_before_its_start() -> None:
    holdings = [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100, 0]
    assert [is_target(holdings, 100, 200, t) for t in (-1000, 0, 89, 99, 100)] == [0, 0, 0, 0, 0]


def test_a_trajectory_needs_its_start_and_its_end() -> None:
    with pytest.raises(ScheduleError, match="at least the start and the end"):
        is_target([1000], 0, 100, 50)


def test_an_odd_lot_quantity_is_all_due_at_the_end_of_the_trajectory() -> None:
    holdings = almgren_chriss_holdings(1050, 100.0, 4, 0.0, 0.0, 1e-4, lot_size=100)
    assert [is_target(holdings, 0, 100, t, 100) for t in (99, 100, 101)] == [1000, 1050, 1050]


@given(st.integers(1, 10**6), st.integers(1, 50), st.floats(0.0, 1e-3), st.floats(0.0, 1e-3),
       st.sampled_from([1, 100]))
def test_higher_risk_aversion_front_loads_and_holdings_only_fall(
    quantity: int, n: int, a: float, b: float, lot: int
) -> None:
    low, high = sorted((a, b))
    patient = almgren_chriss_holdings(quantity, 3600.0, n, low, 0.05, 1e-4, lot_size=lot)
    urgent = almgren_chriss_holdings(quantity, 3600.0, n, high, 0.05, 1e-4, lot_size=lot)
    for holdings in (patient, urgent):
        assert holdings[0] == quantity and holdings[-1] == 0 and len(holdings) == n + 1
        assert all(x >= y for x, y in itertools.pairwise(holdings))
    assert all(u <= p for u, p in zip(urgent, patient, strict=True))
    for now in (0, 900, 1800, 2700, 3600):
        assert is_target(urgent, 0, 3600, now, lot) >= is_target(patient, 0, 3600, now, lot) - lot


@given(st.integers(1, 10**6), st.integers(1, 30), st.floats(0.0, 1e-2), times, times)
def test_is_target_is_monotone_bounded_and_complete(quantity: int, n: int, risk: float, a: int, b: int) -> None:
    holdings = almgren_chriss_holdings(quantity, 100.0, n, risk, 0.05, 1e-3)
    lo, hi = sorted((a, b))
    assert is_target(holdings, 0, 100, 0) == 0 and is_target(holdings, 0, 100, 100) == quantity
    assert 0 <= is_target(holdings, 0, 100, lo) <= is_target(holdings, 0, 100, hi) <= quantity


# --- volatility -----------------------------------------------------------------------------------------------------


def test_volatility_of_a_flat_mid_is_zero() -> None:
    assert mid_price_volatility([0, 60 * S, 120 * S, 180 * S], [100.0, 100.0, 100.0, 100.0]) == 0.0


def test_volatility_is_in_dollars_per_root_second_on_a_sampling_grid() -> None:
    # mid alternates 100.00 / 100.06 every minute, with noise between grid points that must be ignored
    times, mids = [], []
    for k in range(11):
        times += [k * 60 * S, k * 60 * S + 30 * S]
        mids += [100.0 + 0.06 * (k % 2), 500.0]
    changes = [0.06 * (1 if k % 2 == 0 else -1) for k in range(10)]
    mean = sum(changes) / 10
    std = math.sqrt(sum((c - mean) ** 2 for c in changes) / 9)
    assert mid_price_volatility(times, mids, 60 * S) == pytest.approx(std / math.sqrt(60))


def test_volatility_needs_a_few_samples() -> None:
    assert mid_price_volatility([0, S], [1.0, 2.0], 60 * S) == 0.0


def test_no_samples_no_volatility() -> None:
    assert mid_price_volatility([], [], 60 * S) == 0.0


def test_times_and_mids_must_pair_up() -> None:
    with pytest.raises(ScheduleError, match="same length"):
        mid_price_volatility([0, 60 * S, 120 * S], [100.0, 100.06], 60 * S)


def test_two_mids_three_grid_points_apart_are_enough_for_a_volatility() -> None:
    # grid 0, 60, 120 s: the mid 100.00, 100.00, 100.06; two changes, 0 and 0.06
    expected = math.sqrt(0.06**2 / 2) / math.sqrt(60)
    assert mid_price_volatility([0, 120 * S], [100.0, 100.06], 60 * S) == pytest.approx(expected)


@pytest.mark.parametrize("sample_ns", [0, -S])
def test_a_sampling_interval_of_no_length_is_refused(sample_ns: int) -> None:
    with pytest.raises(ScheduleError, match="sample interval"):
        mid_price_volatility([0, 120 * S], [100.0, 100.06], sample_ns)
