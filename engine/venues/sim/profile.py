"""The U-shaped intraday volume profile of a US equity session (09:30-16:00).

Trading is heavy after the open, thins out over lunch and picks up into the close. The shape here is
a flat base plus two exponential bumps, one decaying from the open and one growing into the close:

    w(x) = (1 + A·exp(-x/τo) + B·exp(-(1-x)/τc)) / norm,  x = fraction of the session elapsed,

with `norm` chosen so the mean of w over the session is exactly 1 (a multiplier of an average rate).
With the defaults the first half hour trades ~2.5x and the last ~2x the midday rate, roughly what
published consolidated-volume curves show. Outside the session the weight is 0.
"""

from __future__ import annotations

import math

NS_PER_DAY = 86_400_000_000_000
SESSION_OPEN_NS = (9 * 3600 + 30 * 60) * 1_000_000_000
"""09:30:00 as ns since midnight (exchange-local time, see engine.clock)."""
SESSION_CLOSE_NS = 16 * 3600 * 1_000_000_000
SESSION_LENGTH_NS = SESSION_CLOSE_NS - SESSION_OPEN_NS

OPEN_BUMP = 2.5
OPEN_DECAY = 0.05
"""Fraction of the session (0.05 ≈ 20 minutes) over which the opening bump decays by e."""
CLOSE_BUMP = 1.8
CLOSE_DECAY = 0.04


def _raw_weight(x: float) -> float:
    return 1.0 + OPEN_BUMP * math.exp(-x / OPEN_DECAY) + CLOSE_BUMP * math.exp(-(1.0 - x) / CLOSE_DECAY)


# Mean of _raw_weight over [0, 1], integrated exactly.
_NORM = (
    1.0
    + OPEN_BUMP * OPEN_DECAY * (1.0 - math.exp(-1.0 / OPEN_DECAY))
    + CLOSE_BUMP * CLOSE_DECAY * (1.0 - math.exp(-1.0 / CLOSE_DECAY))
)


def time_of_day_ns(ts_ns: int) -> int:
    """Ns since local midnight for a clock timestamp (clock ns are local wall time as epoch ns)."""
    return ts_ns % NS_PER_DAY


def session_fraction(ts_ns: int) -> float | None:
    """How far through the session (0..1) a timestamp is, or None outside 09:30-16:00."""
    tod = time_of_day_ns(ts_ns)
    if tod < SESSION_OPEN_NS or tod >= SESSION_CLOSE_NS:
        return None
    return (tod - SESSION_OPEN_NS) / SESSION_LENGTH_NS


def volume_weight(ts_ns: int) -> float:
    """Relative trading intensity at a time: mean 1 over the session, 0 outside it."""
    x = session_fraction(ts_ns)
    return 0.0 if x is None else _raw_weight(x) / _NORM


def volume_profile(bins: int) -> list[float]:
    """Fraction of the day's volume in each of `bins` equal slices of the session; sums to 1.

    Each bin is the exact integral of the curve over its slice, so coarse bins lose nothing.
    """
    if bins <= 0:
        raise ValueError(f"number of bins must be positive, got {bins}")

    def integral(x: float) -> float:
        return (
            x
            - OPEN_BUMP * OPEN_DECAY * math.exp(-x / OPEN_DECAY)
            + CLOSE_BUMP * CLOSE_DECAY * math.exp(-(1.0 - x) / CLOSE_DECAY)
        )

    total = integral(1.0) - integral(0.0)
    return [(integral((i + 1) / bins) - integral(i / bins)) / total for i in range(bins)]
