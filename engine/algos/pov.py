"""POV: trade a target share of the market volume observed since the start, within [min rate, max rate].

target(t) = rate x market volume since start (`schedules.pov_target`), capped at the quantity. The
common placement policy works it (`common.py`) with POV's own band: filled below `min_rate` x volume,
cross back up to the target; never more filled than `max_rate` x volume (passive slices are sized on
the volume expected over the next slice, from the recent traded rate). POV follows the market, so it
does not sweep what is left at the end: an unfilled remainder expires with the parent.

Market volume is what the venues print. On a live market our own fills are among the prints; on the
replay venue they are not (the recording knows nothing of us), so there the rate is ours / others'.
Blank min/max rates derive from the urgency: LOW 0.5x..1.2x the rate, MEDIUM 0.8x..1.5x, HIGH 0.9x..2x.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.algos.base import AlgoContext, ParamSpec
from engine.algos.common import COMMON_PARAMS, ScheduledAlgo
from engine.algos.schedules import pov_target
from engine.clock import NS_PER_S
from engine.model import ParentId
from engine.views import ParentView

RATE_BAND = {"LOW": (0.5, 1.2), "MEDIUM": (0.8, 1.5), "HIGH": (0.9, 2.0)}
RECENT_NS = 5 * 60 * NS_PER_S


class PovAlgo(ScheduledAlgo):
    name = "POV"
    must_complete = False
    params_spec: tuple[ParamSpec, ...] = (
        *COMMON_PARAMS,
        ParamSpec("rate", "Participation rate", float, "0.10", minimum=0.001, maximum=1, at_most="max_rate"),
        ParamSpec("min_rate", "Min rate (blank = by urgency)", float, "", minimum=0, maximum=1, optional=True,
                  at_most="rate"),
        ParamSpec("max_rate", "Max rate (blank = by urgency)", float, "", minimum=0, maximum=1, optional=True),
    )

    def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
        super().__init__(parent_id, ctx, params)
        self.rate = self.param_float("rate")
        low, high = RATE_BAND[self.param_choice("urgency")]
        min_rate, max_rate = self.param_optional_float("min_rate"), self.param_optional_float("max_rate")
        self.max_rate = min(1.0, self.rate * high) if max_rate is None else max_rate
        self.min_rate = min(self.rate * low, self.rate) if min_rate is None else min_rate

    def _volume_since_anchor(self, parent: ParentView, now_ns: int, horizon_ns: int) -> int:
        volume = self.market_volume() - self.anchor(parent).volume
        if horizon_ns > now_ns:
            recent = self.samples.rate(now_ns, RECENT_NS) or 0.0
            volume += int(recent * (horizon_ns - now_ns) / NS_PER_S)
        return volume

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        return self._due(parent, now_ns, now_ns)

    def forecast_qty(self, parent: ParentView, now_ns: int, horizon_ns: int) -> int:
        return self._due(parent, now_ns, horizon_ns)

    def _due(self, parent: ParentView, now_ns: int, horizon_ns: int) -> int:
        anchor = self.anchor(parent)
        lot = self.instrument.lot_size
        left = parent.quantity - anchor.filled
        volume = self._volume_since_anchor(parent, now_ns, horizon_ns)
        return anchor.filled + pov_target(volume, self.rate, left, lot_size=lot)

    def crossing_floor(self, parent: ParentView, now_ns: int, due_now: int, slice_qty: int) -> float:
        anchor = self.anchor(parent)
        floor = anchor.filled + self.min_rate * (self.market_volume() - anchor.volume)
        return min(float(parent.quantity), floor)

    def fill_cap(self, parent: ParentView, now_ns: int, horizon_ns: int) -> int | None:
        anchor = self.anchor(parent)
        cap = anchor.filled + int(self.max_rate * self._volume_since_anchor(parent, now_ns, horizon_ns))
        common = super().fill_cap(parent, now_ns, horizon_ns)
        return cap if common is None else min(cap, common)
