"""What an algo has seen of its symbol's market: traded volume, notional and mid, sampled over time.

The engine offers running totals since the parent was accepted (`market_since_start`) and the current
quote; an algo that wants rates, per-bin volumes or volatility keeps its own samples. Samples only
ever come from the past, so every statistic built on them is free of look-ahead.
"""

from __future__ import annotations

import bisect
from decimal import Decimal

from engine.algos.schedules import mid_price_volatility

NS_PER_S = 1_000_000_000


class MarketSamples:
    """Cumulative market volume / notional since acceptance and the mid, at the times they were sampled."""

    __slots__ = ("mid_times", "mids", "notionals", "times", "volumes")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.volumes: list[int] = []
        self.notionals: list[Decimal] = []
        self.mid_times: list[int] = []
        self.mids: list[float] = []

    def record(self, now_ns: int, volume: int, vwap: Decimal | None, mid: Decimal | None) -> None:
        """One sample; a second sample at the same instant replaces the first."""
        notional = vwap * volume if vwap is not None else Decimal(0)
        if self.times and self.times[-1] == now_ns:
            self.volumes[-1], self.notionals[-1] = volume, notional
        elif not self.times or now_ns > self.times[-1]:
            self.times.append(now_ns)
            self.volumes.append(volume)
            self.notionals.append(notional)
        if mid is not None and (not self.mid_times or now_ns > self.mid_times[-1]):
            self.mid_times.append(now_ns)
            self.mids.append(float(mid))

    @property
    def first_ns(self) -> int | None:
        return self.times[0] if self.times else None

    @property
    def last_volume(self) -> int:
        return self.volumes[-1] if self.volumes else 0

    def volume_at(self, t_ns: int) -> int:
        """Cumulative volume at the last sample at or before `t_ns` (0 before the first sample)."""
        i = bisect.bisect_right(self.times, t_ns) - 1
        return self.volumes[i] if i >= 0 else 0

    def notional_at(self, t_ns: int) -> Decimal:
        i = bisect.bisect_right(self.times, t_ns) - 1
        return self.notionals[i] if i >= 0 else Decimal(0)

    def rate(self, now_ns: int, lookback_ns: int) -> float | None:
        """Shares per second over the last `lookback_ns` (or since the first sample); None without history."""
        first = self.first_ns
        if first is None or now_ns <= first:
            return None
        since = max(first, now_ns - lookback_ns)
        return (self.volume_at(now_ns) - self.volume_at(since)) * NS_PER_S / (now_ns - since)

    def volatility(self, sample_ns: int = 60 * NS_PER_S) -> float:
        """Mid volatility in $/sqrt(s) from the mids seen so far (0.0 with too little history)."""
        return mid_price_volatility(self.mid_times, self.mids, sample_ns)

    @property
    def last_mid(self) -> float | None:
        return self.mids[-1] if self.mids else None
