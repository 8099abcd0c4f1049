"""Intraday volume curves: what fraction of a session's volume has usually traded by a time of day.

The curve to trade a symbol-day with comes from what was known at its open: the symbol-days of any
ticker on dates strictly *before* it (`prior_dates_curve`), else a U-shaped default. Not that day, not
other tickers on that day (the day's market-wide profile is look-ahead), not later days.
`leave_one_out_curve` (every other symbol-day, the same date and later ones included) is look-ahead and
kept for comparison only. Every curve carries a provenance string saying where it came from. Fractions
are floats (statistics, not money).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from engine.marketdata.lobster import NS_PER_DAY, NS_PER_SECOND, SymbolDay, discover_symbol_days
from engine.marketdata.tape import Executions, load_executions

SESSION_OPEN_NS = (9 * 3600 + 30 * 60) * NS_PER_SECOND
SESSION_CLOSE_NS = 16 * 3600 * NS_PER_SECOND
DEFAULT_BIN_NS = 5 * 60 * NS_PER_SECOND
DEFAULT_PROVENANCE = "default U-shape"
DEFAULT_LOOKBACK_DATES = 20  # about a trading month of history, the usual window for a volume profile


class CurveError(ValueError):
    """A curve that cannot be built as asked (bad bins, no volume)."""


@dataclass(frozen=True, slots=True)
class VolumeCurve:
    """Cumulative share of session volume at each bin edge (time of day, ns since midnight).

    `edges` are bin boundaries from session open to close; `cumulative[i]` is the fraction of the
    session's volume traded before `edges[i]` (0 at the open, 1 at the close, non-decreasing).
    """

    edges: tuple[int, ...]
    cumulative: tuple[float, ...]
    provenance: str

    def __post_init__(self) -> None:
        if len(self.edges) < 2 or len(self.edges) != len(self.cumulative):
            raise CurveError("a curve needs at least one bin and one cumulative value per edge")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise CurveError("bin edges must increase")
        if self.cumulative[0] != 0.0 or self.cumulative[-1] != 1.0:
            raise CurveError("cumulative curve must run from 0 to 1")
        if any(b < a for a, b in zip(self.cumulative, self.cumulative[1:], strict=False)):
            raise CurveError("cumulative curve must not decrease")

    @property
    def session_start_ns(self) -> int:
        return self.edges[0]

    @property
    def session_end_ns(self) -> int:
        return self.edges[-1]

    @property
    def bin_fractions(self) -> tuple[float, ...]:
        """Share of session volume in each bin."""
        return tuple(b - a for a, b in zip(self.cumulative, self.cumulative[1:], strict=False))

    def fraction_at(self, time_of_day_ns: int) -> float:
        """Cumulative fraction at a time of day, interpolated linearly within its bin."""
        edges = self.edges
        if time_of_day_ns <= edges[0]:
            return 0.0
        if time_of_day_ns >= edges[-1]:
            return 1.0
        i = bisect.bisect_right(edges, time_of_day_ns) - 1
        lo, hi = edges[i], edges[i + 1]
        c0, c1 = self.cumulative[i], self.cumulative[i + 1]
        return c0 + (c1 - c0) * (time_of_day_ns - lo) / (hi - lo)

    def window_fraction(self, start_ns: int, end_ns: int, now_ns: int) -> float:
        """Share of the window [start, end]'s expected volume traded by `now` (clock ns, 0..1).

        Clock ns are mapped to time of day from `start` (windows stay within one day). A window the
        curve gives no volume to (e.g. outside the session) falls back to the time fraction.
        """
        if end_ns <= start_ns:
            return 1.0 if now_ns >= end_ns else 0.0
        if now_ns <= start_ns:
            return 0.0
        if now_ns >= end_ns:
            return 1.0
        start_tod = start_ns % NS_PER_DAY
        f_start = self.fraction_at(start_tod)
        f_end = self.fraction_at(start_tod + (end_ns - start_ns))
        if f_end <= f_start:
            return (now_ns - start_ns) / (end_ns - start_ns)
        f_now = self.fraction_at(start_tod + (now_ns - start_ns))
        return min(1.0, max(0.0, (f_now - f_start) / (f_end - f_start)))


def bin_edges(
    session_start_ns: int = SESSION_OPEN_NS, session_end_ns: int = SESSION_CLOSE_NS, bin_ns: int = DEFAULT_BIN_NS
) -> tuple[int, ...]:
    """Edges every `bin_ns` from open to close; the last bin is shorter when the session does not divide."""
    if bin_ns <= 0 or session_end_ns <= session_start_ns:
        raise CurveError(f"bad bins: session {session_start_ns}..{session_end_ns} ns, bin {bin_ns} ns")
    edges = list(range(session_start_ns, session_end_ns, bin_ns))
    edges.append(session_end_ns)
    return tuple(edges)


def curve_from_bin_volumes(edges: Sequence[int], volumes: Sequence[float], provenance: str) -> VolumeCurve:
    """Normalize per-bin volumes into a cumulative curve."""
    total = float(sum(volumes))
    if len(volumes) != len(edges) - 1:
        raise CurveError(f"{len(volumes)} bin volumes for {len(edges) - 1} bins")
    if total <= 0 or any(v < 0 for v in volumes):
        raise CurveError(f"no volume to build a curve from ({provenance})")
    cumulative = np.concatenate(([0.0], np.cumsum(np.asarray(volumes, dtype=np.float64)) / total))
    cumulative[-1] = 1.0
    cumulative = np.minimum(np.maximum.accumulate(cumulative), 1.0)
    return VolumeCurve(tuple(int(e) for e in edges), tuple(float(c) for c in cumulative), provenance)


def curve_from_executions(tape: Executions, edges: Sequence[int], provenance: str) -> VolumeCurve:
    """The realized curve of one symbol-day's executions over the session bins."""
    inside = (tape.time_ns >= edges[0]) & (tape.time_ns < edges[-1])
    volumes, _ = np.histogram(tape.time_ns[inside], bins=np.asarray(edges, dtype=np.int64),
                              weights=tape.size[inside].astype(np.float64))
    return curve_from_bin_volumes(edges, volumes.tolist(), provenance)


def u_shaped_curve(edges: Sequence[int] | None = None) -> VolumeCurve:
    """The default when no other history exists: bin weight 1 + 3(2x - 1)^2 over the session
    (x = bin centre in 0..1), so the open and close bins are 4x the midday ones."""
    edges = tuple(edges) if edges is not None else bin_edges()
    span = edges[-1] - edges[0]
    weights = []
    for lo, hi in itertools.pairwise(edges):
        x = ((lo + hi) / 2 - edges[0]) / span
        weights.append((1.0 + 3.0 * (2.0 * x - 1.0) ** 2) * (hi - lo))
    return curve_from_bin_volumes(edges, weights, DEFAULT_PROVENANCE)


def average_curve(curves: Iterable[tuple[str, VolumeCurve]], edges: Sequence[int], what: str) -> VolumeCurve:
    """Equal-weight average of normalized curves (each symbol-day counts once, whatever its volume)."""
    named = list(curves)
    if not named:
        raise CurveError("no curves to average")
    for name, curve in named:
        if curve.edges != tuple(edges):
            raise CurveError(f"curve {name} has different bins")
    fractions = np.mean([np.asarray(curve.bin_fractions) for _, curve in named], axis=0)
    return curve_from_bin_volumes(edges, fractions.tolist(), f"{what} over {', '.join(n for n, _ in named)}")


def history_curves(
    directory: Path,
    session_start_ns: int = SESSION_OPEN_NS,
    session_end_ns: int = SESSION_CLOSE_NS,
    bin_ns: int = DEFAULT_BIN_NS,
) -> dict[SymbolDay, VolumeCurve]:
    """The realized curve of every symbol-day in `directory` (each file read once; days with no
    volume in the session are left out)."""
    edges = bin_edges(session_start_ns, session_end_ns, bin_ns)
    curves: dict[SymbolDay, VolumeCurve] = {}
    for symbol_day in discover_symbol_days(directory):
        try:
            curves[symbol_day] = curve_from_executions(load_executions(symbol_day), edges, symbol_day.key)
        except CurveError:
            continue
    return curves


def leave_one_out_curve(
    history: Mapping[SymbolDay, VolumeCurve],
    traded: SymbolDay,
    *,
    edges: Sequence[int] | None = None,
    exclude_same_day: bool = False,
) -> VolumeCurve:
    """LOOK-AHEAD, for comparison only: the average of every *other* symbol-day's curve, later dates and
    other tickers of the same date included (a live algo has neither at the open; trade with
    `prior_dates_curve`).

    Never uses `traded` itself (same ticker and day, at any level count). `exclude_same_day` also drops
    other tickers on the same day (later days stay). With nothing left, the default U-shape.
    """
    edges = tuple(edges) if edges is not None else _edges_of(history)
    others = [
        (sd.key, curve)
        for sd, curve in sorted(history.items(), key=lambda item: item[0].key)
        if (sd.ticker, sd.day) != (traded.ticker, traded.day) and not (exclude_same_day and sd.day == traded.day)
    ]
    if not others:
        return u_shaped_curve(edges)
    return average_curve(others, edges, "leave-one-out")


def prior_symbol_days(
    candidates: Iterable[SymbolDay], traded_day: date, lookback_dates: int = DEFAULT_LOOKBACK_DATES
) -> list[SymbolDay]:
    """The symbol-days (any ticker) on the `lookback_dates` most recent dates strictly before `traded_day`,
    sorted by key: all that is known of past volume at that day's open."""
    if lookback_dates < 1:
        raise CurveError(f"lookback of {lookback_dates} dates: at least one is needed")
    earlier = [sd for sd in candidates if sd.day < traded_day]
    kept = set(sorted({sd.day for sd in earlier})[-lookback_dates:])
    return sorted((sd for sd in earlier if sd.day in kept), key=lambda sd: sd.key)


def prior_dates_curve(
    history: Mapping[SymbolDay, VolumeCurve],
    traded: SymbolDay,
    *,
    edges: Sequence[int] | None = None,
    lookback_dates: int = DEFAULT_LOOKBACK_DATES,
) -> VolumeCurve:
    """The curve to trade `traded` with: the equal-weight average of the curves of every symbol-day, of any
    ticker, on the `lookback_dates` most recent dates before `traded.day`; the U-shaped default without any.

    Pooled over tickers rather than per ticker: the intraday shape is mostly market-wide, and one ticker's
    few past days are a noisy estimate of it (one day's volume burst would shape the whole curve).
    Provenance: `earlier dates D1, D2 (N symbol-days)`, or the default's.
    """
    edges = tuple(edges) if edges is not None else _edges_of(history)
    used = prior_symbol_days(history, traded.day, lookback_dates)
    if not used:
        return u_shaped_curve(edges)
    curve = average_curve(((sd.key, history[sd]) for sd in used), edges, "earlier dates")
    dates = sorted({sd.day.isoformat() for sd in used})
    days = f"{len(used)} symbol-day{'s' if len(used) > 1 else ''}"
    return dataclasses.replace(curve, provenance=f"earlier dates {', '.join(dates)} ({days})")


def estimate_curve(
    directory: Path,
    traded: SymbolDay,
    *,
    bin_ns: int = DEFAULT_BIN_NS,
    session_start_ns: int = SESSION_OPEN_NS,
    session_end_ns: int = SESSION_CLOSE_NS,
    exclude_same_day: bool = False,
) -> VolumeCurve:
    """Convenience: `history_curves` + `leave_one_out_curve` for a single traded symbol-day (LOOK-AHEAD:
    comparison only, see `leave_one_out_curve`)."""
    history = history_curves(directory, session_start_ns, session_end_ns, bin_ns)
    edges = bin_edges(session_start_ns, session_end_ns, bin_ns)
    return leave_one_out_curve(history, traded, edges=edges, exclude_same_day=exclude_same_day)


def _edges_of(history: Mapping[SymbolDay, VolumeCurve]) -> tuple[int, ...]:
    for curve in history.values():
        return curve.edges
    return bin_edges()
