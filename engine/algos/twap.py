"""TWAP: an even schedule over [start, end], worked passively at the touch, crossing when behind.

Policy, re-evaluated every second of market time, after every fill and when a child ends:
- target(t) = quantity x elapsed fraction, in whole lots (`twap_target`);
- keep one passive child at the touch (capped by the limit) sized to what the schedule wants done by
  the next slice boundary; re-peg when the touch moved away, but not before it rested
  `min_rest_seconds` (chasing every tick churns orders and throws away queue priority);
- behind the schedule by more than `catch_up_slices` slices, or inside the final slice: cancel the
  passive child and sweep the opposite side up to the limit for the shortfall;
- post no passive slice smaller than `min_slice_qty` (default half a slice) unless it is all that is left;
- sweep at most once every `cross_interval_seconds`, so a sweep that finds nothing is not resent in a loop;
- never put out more than the parent's leaves (filled + everything live <= quantity), so a fill that
  races a cancel can never overfill.
"""

from __future__ import annotations

from decimal import Decimal

from engine.algos.base import Algo, ParamSpec
from engine.clock import NS_PER_S
from engine.model import OrdStatus, Side, TimeInForce
from engine.views import ChildView, ParentView


def twap_target(start_ns: int, end_ns: int, quantity: int, now_ns: int, lot_size: int = 1) -> int:
    """Quantity due by `now_ns` on a straight line from 0 at start to `quantity` at end, in whole lots."""
    if now_ns <= start_ns:
        return 0
    if now_ns >= end_ns or end_ns <= start_ns:
        return quantity
    due = quantity * (now_ns - start_ns) // (end_ns - start_ns)
    return due - due % lot_size


class TwapAlgo(Algo):
    name = "TWAP"
    params_spec = (
        ParamSpec("slice_seconds", "Slice (s)", int, "60", minimum=1, maximum=3600),
        ParamSpec("catch_up_slices", "Catch-up after (slices behind)", float, "1", minimum=0, maximum=100),
        ParamSpec("cross_interval_seconds", "Min time between sweeps (s)", int, "2", minimum=0, maximum=600),
        ParamSpec("min_rest_seconds", "Min resting time before re-peg (s)", int, "5", minimum=0, maximum=600),
        ParamSpec("min_slice_qty", "Min passive slice (0 = half a slice)", int, "0", minimum=0),
    )
    _next_cross_ns = 0

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        lot = self.ctx.instrument_of(self.parent_id).lot_size
        return twap_target(parent.start_ns, parent.end_ns, parent.quantity, now_ns, lot)

    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        instrument = self.ctx.instrument_of(self.parent_id)
        lot = instrument.lot_size
        slice_ns = int(self.params["slice_seconds"]) * NS_PER_S
        live = self.ctx.live_children(self.parent_id)
        exposure = parent.cum_qty + sum(c.leaves_qty for c in live)
        room = parent.quantity - exposure  # what may still be sent without any risk of overfill
        passive = [c for c in live if c.tif is TimeInForce.DAY]
        in_final_slice = now_ns >= parent.end_ns - slice_ns
        due_now = self.target_qty(parent, now_ns)
        slice_qty = max(lot, parent.quantity * slice_ns // max(1, parent.end_ns - parent.start_ns))
        behind = due_now - parent.cum_qty
        tolerance = float(self.params["catch_up_slices"]) * slice_qty
        quote = self.ctx.quote_of(self.parent_id)

        if in_final_slice or behind > tolerance:
            for child in passive:
                if child.status not in (OrdStatus.PENDING_CANCEL,):
                    self.ctx.cancel_child(child.child_id, "TWAP catching up: crossing the spread")
            shortfall = parent.leaves_qty if in_final_slice else behind
            cross = min(shortfall, room)
            cross -= cross % lot
            if cross > 0 and now_ns >= self._next_cross_ns:
                # an unanswered sweep comes back at once; without a pause it would be resent in a loop
                self._next_cross_ns = now_ns + int(self.params["cross_interval_seconds"]) * NS_PER_S
                self.ctx.send_aggressive(self.parent_id, cross, parent.limit_price)
            return

        due_next = self.target_qty(parent, min(parent.end_ns, now_ns + slice_ns))
        want = due_next - parent.cum_qty - sum(c.leaves_qty for c in live if c.tif is TimeInForce.IOC)
        want = max(0, min(want, parent.leaves_qty))
        want -= want % lot
        price = self._passive_price(parent.side, quote.bid, quote.ask, parent.limit_price, instrument.tick_size)
        working = [c for c in passive if c.status is not OrdStatus.PENDING_CANCEL]
        if working:
            child = working[0]
            rested = now_ns - child.created_ns >= int(self.params["min_rest_seconds"]) * NS_PER_S
            stale_price = rested and price is not None and self._touch_moved(parent.side, child, price)
            too_big = child.leaves_qty > want + slice_qty
            if stale_price or too_big or want == 0:
                self.ctx.cancel_child(child.child_id, "TWAP re-pegging to the touch")
            return
        if any(c.status is OrdStatus.PENDING_CANCEL for c in passive):
            return  # wait for the cancel to land before re-posting
        quantity = min(want, room)
        quantity -= quantity % lot
        min_post = int(self.params["min_slice_qty"]) or slice_qty // 2
        if quantity < min(max(lot, min_post), room):
            return  # top up once a worthwhile slice is due, not share by share
        if quantity > 0 and price is not None:
            self.ctx.send_passive(self.parent_id, quantity, price)

    @staticmethod
    def _passive_price(
        side: Side, bid: Decimal | None, ask: Decimal | None, limit: Decimal | None, tick: Decimal
    ) -> Decimal | None:
        touch = bid if side is Side.BUY else ask
        if touch is None:
            far = ask if side is Side.BUY else bid
            if far is None:
                return limit
            touch = far - tick if side is Side.BUY else far + tick
        if limit is None:
            return touch
        return min(touch, limit) if side is Side.BUY else max(touch, limit)

    @staticmethod
    def _touch_moved(side: Side, child: ChildView, price: Decimal) -> bool:
        """Re-peg only when the touch moved away from us (we are no longer at the best price)."""
        if child.price is None:
            return True
        return price > child.price if side is Side.BUY else price < child.price
