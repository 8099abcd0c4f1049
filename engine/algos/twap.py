"""TWAP: an even schedule over [start, end], worked by the common placement policy (`common.py`).

target(t) = quantity x elapsed fraction of the window, in whole lots (`schedules.twap_target`, exact
integer arithmetic); after an amend or a resume, what is left is spread evenly over what is left.
"""

from __future__ import annotations

from engine.algos.common import COMMON_PARAMS, Anchor, ScheduledAlgo
from engine.algos.schedules import twap_target
from engine.views import ParentView

__all__ = ["TwapAlgo", "twap_target"]


class TwapAlgo(ScheduledAlgo):
    name = "TWAP"
    params_spec = COMMON_PARAMS
    monotone_schedule = True  # a straight line; the slice size does not depend on the time

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        anchor = self.anchor(parent)
        lot = self.instrument.lot_size
        left = parent.quantity - anchor.filled
        return anchor.filled + twap_target(anchor.time_ns, parent.end_ns, left, now_ns, lot)

    def schedule_fraction(self, parent: ParentView, anchor: Anchor, t_ns: int) -> float:
        span = parent.end_ns - anchor.time_ns
        return 1.0 if span <= 0 else (t_ns - anchor.time_ns) / span

    def typical_slice(self, parent: ParentView, now_ns: int, due_now: int, due_next: int) -> int:
        return parent.quantity * self.slice_ns // max(1, parent.end_ns - parent.start_ns)
