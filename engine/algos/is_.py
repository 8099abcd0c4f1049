"""Implementation Shortfall: the Almgren–Chriss trajectory, front-loaded the more urgent the order.

Holdings follow x(t) = X sinh(kappa (T - t)) / sinh(kappa T) (`schedules.almgren_chriss_holdings`),
with kappa from risk aversion, volatility and impact. Parameters are scale-free so that one setting
fits any stock and size:
- `risk_aversion` A (blank = by urgency: LOW 1, MEDIUM 10, HIGH 100): lambda = A / (X x price);
- `temporary_impact_bps` k: cost of working the whole order evenly over the window (eta = k p T / X);
- `permanent_impact_bps` g: how far the whole order moves the price (gamma = g p / X), g <= k;
- `volatility_pct`: daily volatility in % (blank = estimated from the mids seen so far, never from
  later data; 2 % a day until ten minutes of mids have been seen).
Then (kappa T)^2 ~ A sigma^2 T / k: more risk aversion, more volatility or a longer window front-load.
The trajectory is re-planned from the schedule's own position every ten minutes (updated volatility)
and from the actual position after an amend or a resume. Placement is the common policy (`common.py`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from engine.algos.base import AlgoContext, ParamSpec
from engine.algos.common import COMMON_PARAMS, Anchor, ScheduledAlgo
from engine.algos.schedules import almgren_chriss_holdings, almgren_chriss_kappa, is_target
from engine.clock import NS_PER_S
from engine.model import ParentId
from engine.views import ParentView

RISK_AVERSION = {"LOW": 1.0, "MEDIUM": 10.0, "HIGH": 100.0}
SESSION_SECONDS = 23_400
DEFAULT_DAILY_VOLATILITY = 0.02
MIN_HISTORY_NS = 10 * 60 * NS_PER_S
REPLAN_NS = 10 * 60 * NS_PER_S


class IsAlgo(ScheduledAlgo):
    name = "IS"
    params_spec: tuple[ParamSpec, ...] = (
        *COMMON_PARAMS,
        ParamSpec("risk_aversion", "Risk aversion (blank = by urgency)", float, "", minimum=0, maximum=1e6,
                  optional=True),
        ParamSpec("volatility_pct", "Daily volatility % (blank = estimated)", float, "", minimum=0.01, maximum=100,
                  optional=True),
        ParamSpec("temporary_impact_bps", "Temporary impact (bps)", float, "5", minimum=0.01, maximum=10_000),
        ParamSpec("permanent_impact_bps", "Permanent impact (bps)", float, "1", minimum=0, maximum=10_000,
                  at_most="temporary_impact_bps"),
        ParamSpec("intervals", "Trajectory intervals", int, "20", minimum=1, maximum=1000),
    )

    def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
        super().__init__(parent_id, ctx, params)
        given = self.param_optional_float("risk_aversion")
        self.risk_aversion = RISK_AVERSION[self.param_choice("urgency")] if given is None else given
        self._holdings: list[int] = []
        self._plan_filled = 0
        self._plan_start_ns = 0
        self._next_plan_ns = 0
        self.kappa = 0.0

    def daily_volatility(self) -> float:
        given = self.param_optional_float("volatility_pct")
        if given is not None:
            return given / 100.0
        first, mid = self.samples.first_ns, self.samples.last_mid
        if first is None or mid is None or not self.samples.mid_times \
                or self.samples.mid_times[-1] - self.samples.mid_times[0] < MIN_HISTORY_NS:
            return DEFAULT_DAILY_VOLATILITY
        return self.samples.volatility() / mid * math.sqrt(SESSION_SECONDS)

    def replanned(self, parent: ParentView, anchor: Anchor) -> None:
        self._plan(parent, anchor.time_ns, anchor.filled)

    def _plan(self, parent: ParentView, start_ns: int, filled: int) -> None:
        """Holdings for what is left from `start_ns` to the end (price cancels out of kappa: use 1)."""
        lot = self.instrument.lot_size
        left = max(0, parent.quantity - filled)
        horizon_s = max(1e-9, (parent.end_ns - start_ns) / NS_PER_S)
        intervals = self.param_int("intervals")
        sigma = self.daily_volatility() / math.sqrt(SESSION_SECONDS)
        eta = self.param_float("temporary_impact_bps") * 1e-4 * horizon_s / max(1, left)
        gamma = self.param_float("permanent_impact_bps") * 1e-4 / max(1, left)
        risk = self.risk_aversion / max(1, left)
        self._holdings = almgren_chriss_holdings(left, horizon_s, intervals, risk, sigma, eta, gamma, lot) \
            if left > 0 else [0, 0]
        self.kappa = 0.0 if left == 0 else almgren_chriss_kappa(horizon_s, intervals, risk, sigma, eta, gamma)
        self._plan_filled, self._plan_start_ns = filled, start_ns
        self._next_plan_ns = start_ns + REPLAN_NS

    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        self.anchor(parent)
        if now_ns >= self._next_plan_ns and not self._replan:
            self._plan(parent, now_ns, self._scheduled(parent, now_ns))  # from where the plan stands
        super().evaluate(parent, now_ns)

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        self.anchor(parent)
        if now_ns >= parent.end_ns:
            return parent.quantity
        return self._scheduled(parent, now_ns)

    def _scheduled(self, parent: ParentView, t_ns: int) -> int:
        lot = self.instrument.lot_size
        done = is_target(self._holdings, self._plan_start_ns, parent.end_ns, t_ns, lot)
        return min(parent.quantity, self._plan_filled + done)
