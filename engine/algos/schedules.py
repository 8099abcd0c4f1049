"""Pure schedule functions: how much of a parent should be done by `now` (TWAP, POV, IS; VWAP's share of its
window is `VolumeCurve.window_fraction`, recalibrated by `engine.algos.vwap.dynamic_window_fraction`).

Every target is an int number of shares: 0 at (or before) the start, exactly `quantity` at (or after)
the end, never above `quantity`, non-decreasing in time (for non-decreasing market inputs), and floored
to whole lots in between (the final lot may be odd when `quantity` is not a whole number of lots).
Times are clock ns; rates, fractions, volatility and impact coefficients are floats (statistics).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt

NS_PER_SECOND = 1_000_000_000


class ScheduleError(ValueError):
    """Parameters a schedule cannot work with; the message names the parameter."""


# --- lots -----------------------------------------------------------------------------------------------


def floor_lots(quantity: int, lot_size: int = 1) -> int:
    """Whole lots at or below `quantity` (never negative)."""
    if quantity <= 0:
        return 0
    return quantity - quantity % lot_size


def nearest_lots(quantity: float, lot_size: int = 1) -> int:
    """Nearest whole number of lots (halves round up)."""
    return math.floor(quantity / lot_size + 0.5) * lot_size


def floor_share(fraction: float, quantity: int) -> int:
    """floor(fraction x quantity) computed exactly from the float's shortest decimal form, so that
    0.29 x 100 is 29, not 28 (binary float noise)."""
    exact = Decimal(repr(fraction)) * quantity
    return int(exact.to_integral_value(rounding="ROUND_FLOOR"))


# --- TWAP ------------------------------------------------------------------------------------------------


def twap_target(start_ns: int, end_ns: int, quantity: int, now_ns: int, lot_size: int = 1) -> int:
    """Straight line from 0 at start to `quantity` at end (exact integer arithmetic)."""
    if now_ns <= start_ns:
        return 0
    if now_ns >= end_ns or end_ns <= start_ns:
        return quantity
    return floor_lots(quantity * (now_ns - start_ns) // (end_ns - start_ns), lot_size)


# --- POV -----------------------------------------------------------------------------------------------------


def _check_bounds(min_rate: float, max_rate: float) -> None:
    if not 0.0 <= min_rate <= max_rate <= 1.0:
        raise ScheduleError(f"participation bounds must satisfy 0 <= min {min_rate} <= max {max_rate} <= 1")


def pov_target(
    market_volume: int, rate: float, quantity: int, *, min_rate: float = 0.0, max_rate: float = 1.0,
    lot_size: int = 1,
) -> int:
    """Percentage of volume: `rate` (clamped into [min_rate, max_rate]) x market volume since start.

    `market_volume` is the total traded in the market since start including our own fills, so the
    realized participation (ours / market) is the rate. Capped at `quantity`.
    """
    _check_bounds(min_rate, max_rate)
    if not 0.0 < rate <= 1.0:
        raise ScheduleError(f"participation rate must be in (0, 1], got {rate}")
    effective = min(max_rate, max(min_rate, rate))
    return min(quantity, floor_lots(floor_share(effective, max(0, market_volume)), lot_size))


def pov_band(
    market_volume: int, quantity: int, min_rate: float, max_rate: float, lot_size: int = 1
) -> tuple[int, int]:
    """(least, most) filled quantity that keeps participation within [min_rate, max_rate] of
    `market_volume`, both capped at `quantity`: behind the first, catch up; past the second, stop."""
    _check_bounds(min_rate, max_rate)
    volume = max(0, market_volume)
    least = min(quantity, floor_lots(floor_share(min_rate, volume), lot_size))
    most = min(quantity, floor_lots(floor_share(max_rate, volume), lot_size))
    return least, most


# --- Implementation Shortfall (Almgren–Chriss) --------------------------------------------------------------


def almgren_chriss_kappa(
    horizon_s: float, n_intervals: int, risk_aversion: float, volatility: float,
    eta_temporary: float, gamma_permanent: float = 0.0,
) -> float:
    """Urgency kappa (1/s) of the discrete Almgren–Chriss solution (Almgren & Chriss 2000, eq. 18):
    cosh(kappa tau) = 1 + tau^2 kappa_tilde^2 / 2, kappa_tilde^2 = lambda sigma^2 / eta_tilde,
    eta_tilde = eta - gamma tau / 2, tau = T / N."""
    if n_intervals < 1:
        raise ScheduleError(f"n_intervals must be >= 1, got {n_intervals}")
    if horizon_s <= 0:
        raise ScheduleError(f"horizon must be positive, got {horizon_s} s")
    if risk_aversion < 0 or volatility < 0 or gamma_permanent < 0:
        raise ScheduleError("risk aversion, volatility and permanent impact must be >= 0")
    tau = horizon_s / n_intervals
    eta_tilde = eta_temporary - gamma_permanent * tau / 2.0
    if eta_tilde <= 0:
        raise ScheduleError(
            f"temporary impact eta {eta_temporary} must exceed gamma x tau / 2 = {gamma_permanent * tau / 2.0}"
        )
    kappa_tilde_sq = risk_aversion * volatility * volatility / eta_tilde
    return math.acosh(1.0 + 0.5 * kappa_tilde_sq * tau * tau) / tau


def almgren_chriss_holdings(
    quantity: int, horizon_s: float, n_intervals: int, risk_aversion: float, volatility: float,
    eta_temporary: float, gamma_permanent: float = 0.0, lot_size: int = 1,
) -> list[int]:
    """Optimal remaining holdings x_0..x_N (x_0 = quantity, x_N = 0):
    x_j = X sinh(kappa (T - t_j)) / sinh(kappa T). kappa -> 0 (no risk aversion) is the straight
    line (TWAP); more risk aversion or volatility front-loads. Units: volatility in $/share/sqrt(s),
    eta in $ s/share^2 (cost per share = eta x shares/s), gamma in $/share^2, lambda in 1/$.
    Holdings are rounded to the nearest lot of executed quantity."""
    kappa = almgren_chriss_kappa(horizon_s, n_intervals, risk_aversion, volatility, eta_temporary, gamma_permanent)
    holdings = [quantity]
    for j in range(1, n_intervals):
        remaining_share = _sinh_ratio(kappa, horizon_s, horizon_s * j / n_intervals)
        executed = nearest_lots(quantity * (1.0 - remaining_share), lot_size)
        holdings.append(min(quantity, max(0, quantity - executed)))
    holdings.append(0)
    for j in range(1, len(holdings)):  # rounding must never make holdings rise
        holdings[j] = min(holdings[j], holdings[j - 1])
    return holdings


def _sinh_ratio(kappa: float, horizon: float, t: float) -> float:
    """sinh(kappa (T - t)) / sinh(kappa T) without overflow; (T - t) / T as kappa -> 0."""
    if kappa * horizon < 1e-9:
        return (horizon - t) / horizon
    # sinh(a)/sinh(b) = e^(a-b) (1 - e^-2a) / (1 - e^-2b)
    a, b = kappa * (horizon - t), kappa * horizon
    return math.exp(a - b) * (-math.expm1(-2.0 * a)) / (-math.expm1(-2.0 * b))


def is_target(holdings: Sequence[int], start_ns: int, end_ns: int, now_ns: int, lot_size: int = 1) -> int:
    """Executed quantity due by `now` on an Almgren–Chriss trajectory (holdings at N+1 evenly spaced
    times from start to end; the rate is constant inside an interval, so interpolate linearly)."""
    if len(holdings) < 2:
        raise ScheduleError("holdings need at least the start and the end")
    quantity = holdings[0]
    if now_ns <= start_ns:
        return 0
    if now_ns >= end_ns or end_ns <= start_ns:
        return quantity
    n = len(holdings) - 1
    position = (now_ns - start_ns) * n / (end_ns - start_ns)
    j = min(n - 1, int(position))
    remaining = holdings[j] + (holdings[j + 1] - holdings[j]) * (position - j)
    return min(quantity, floor_lots(math.floor(quantity - remaining + 1e-9), lot_size))


# --- statistics ------------------------------------------------------------------------------------------------


def mid_price_volatility(
    times_ns: npt.NDArray[np.int64] | Sequence[int],
    mid_prices: npt.NDArray[np.float64] | Sequence[float],
    sample_ns: int = 60 * NS_PER_SECOND,
) -> float:
    """Volatility of the mid in $ per sqrt(second): the standard deviation of mid changes over a
    regular `sample_ns` grid (last mid at or before each grid point, which damps bid-ask bounce),
    divided by sqrt(sample seconds). 0.0 with fewer than three grid points."""
    times = np.asarray(times_ns, dtype=np.int64)
    mids = np.asarray(mid_prices, dtype=np.float64)
    if times.shape != mids.shape:
        raise ScheduleError("times and mid prices must have the same length")
    if sample_ns <= 0:
        raise ScheduleError(f"sample interval must be positive, got {sample_ns} ns")
    if times.size < 2:
        return 0.0
    grid = np.arange(int(times[0]), int(times[-1]) + 1, sample_ns, dtype=np.int64)
    if grid.size < 3:
        return 0.0
    sampled = mids[np.searchsorted(times, grid, side="right") - 1]
    return float(np.std(np.diff(sampled), ddof=1) / math.sqrt(sample_ns / NS_PER_SECOND))
