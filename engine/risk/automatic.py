"""Automatic kills and cancel-on-disconnect.

- Loss limit: when the P&L (realized + unrealized at the consolidated mid - fees) of the firm, an account or a
  desk falls below minus its limit, that scope is killed. Checked on every fill and allocation, and on market
  data at most every `loss_check_interval` (marks move without fills).
- Reject rate: when at least `min_orders` children went to a venue in the window and `firm`% (or the venue's
  own %) of them were rejected, the venue is killed.
- Message storm: more new orders than the limit within the window (firm-wide or at one venue) kills that scope.
  Cancels count in the window (they are messages) but never trigger it: a kill's own cancels must not.
- Cancel-on-disconnect: a venue whose session drops has its live children marked at risk (`VenueOrdersAtRisk`)
  and gets no new orders; on reconnect every one still live is canceled (one the venue reported closed is not).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from engine import events as ev
from engine.model import ChildId, VenueId
from engine.pipeline.venue_gateway import VenueGateway
from engine.risk.checks import RiskEngine
from engine.risk.config import Control
from engine.risk.kill import AUTOMATIC, KillSwitches
from engine.risk.throttles import FIRM_KEY, REJECT_WINDOW_NS, Rate

S = ev.RiskScope
_HUNDRED = Decimal(100)


class AutomaticKills:
    """Watches the applied events (through `RiskEngine.listen`) and kills what breaches an automatic limit."""

    def __init__(self, risk: RiskEngine, kills: KillSwitches, gateway: VenueGateway) -> None:
        self.risk = risk
        self.kills = kills
        self.gateway = gateway
        c = risk.config
        window = c.reject_rate.window_ns or REJECT_WINDOW_NS
        self.sent = Rate(window, 100_000)
        self.rejected = Rate(window, 100_000)
        self.storm = Rate(c.message_storm.window_ns, _storm_cap(c.message_storm))
        self.at_risk: dict[VenueId, list[ChildId]] = {}
        self._next_loss_check_ns = 0
        risk.listen(self.on_event)

    def limits_changed(self) -> None:
        """The limits were edited: a storm window keeps enough timestamps to count past a raised limit."""
        self.storm.widen(_storm_cap(self.risk.config.message_storm))

    def on_event(self, event: ev.Event) -> None:
        if type(event) not in _WATCHED:
            return
        if isinstance(event, ev.ChildSubmitted):
            self._new_order(event)
        elif isinstance(event, ev.ChildRejected):
            self._rejected(event)
        elif isinstance(event, ev.ChildCancelRequested | ev.ChildReplaceRequested):
            venue = self.risk.venue_of(event.child_id)
            self.storm.add(FIRM_KEY, event.ts_ns)
            if venue:
                self.storm.add(venue, event.ts_ns)
        elif isinstance(event, ev.ChildFilled | ev.TicketsAllocated | ev.ChildFillBusted):  # positions moved
            self.check_losses()

    def rewarm(self, records: Iterable[ev.Event]) -> None:
        """After a restart: refill the storm and reject-rate windows from recent journaled events, counting
        only (a kill already taken was journaled and came back with the store; none is taken here)."""
        c = self.risk.config
        for e in records:
            if isinstance(e, ev.ChildSubmitted):
                if c.reject_rate.on:
                    self.sent.add(e.venue, e.ts_ns)
                if c.message_storm.on:
                    self.storm.add(FIRM_KEY, e.ts_ns)
                    self.storm.add(e.venue, e.ts_ns)
            elif isinstance(e, ev.ChildRejected):
                venue = self.risk.venue_of(e.child_id)
                if c.reject_rate.on and venue:
                    self.rejected.add(venue, e.ts_ns)
            elif isinstance(e, ev.ChildCancelRequested | ev.ChildReplaceRequested):
                venue = self.risk.venue_of(e.child_id)
                self.storm.add(FIRM_KEY, e.ts_ns)
                if venue:
                    self.storm.add(venue, e.ts_ns)

    # --- message storms and reject rates ---------------------------------------------------------------------

    def _new_order(self, e: ev.ChildSubmitted) -> None:
        c = self.risk.config
        if c.reject_rate.on:
            self.sent.add(e.venue, e.ts_ns)
        if not c.message_storm.on:
            return
        storm = c.message_storm
        for scope, key, limit in ((S.FIRM, "", storm.firm), (S.VENUE, e.venue, storm.venue.get(e.venue))):
            count = self.storm.add(FIRM_KEY if scope is S.FIRM else key, e.ts_ns)
            if limit is not None and count > limit:
                window = c.message_storm.window_ns / 1e9
                self._kill(scope, key, f"message storm: {count:,} messages in {window:g} s (limit {limit:,})")

    def _rejected(self, e: ev.ChildRejected) -> None:
        c = self.risk.config.reject_rate
        venue = self.risk.venue_of(e.child_id)
        if not c.on or not venue:
            return
        rejected = self.rejected.add(venue, e.ts_ns)
        sent = self.sent.count(venue, e.ts_ns)
        pct = c.venue.get(venue, c.firm)
        if pct is None or sent < max(1, c.min_orders):
            return
        if rejected * _HUNDRED > pct * sent:
            window = c.window_ns / 1e9
            self._kill(S.VENUE, venue, f"reject rate: {rejected} of {sent} orders rejected in {window:g} s "
                                       f"(limit {pct}%)")

    # --- loss limits ----------------------------------------------------------------------------------------

    def on_market(self, now_ns: int) -> None:
        """Market data moved: re-mark every position and check the loss limits (at most every interval; only
        when a loss limit or a gross limit needs the marks: fills re-mark their own instrument anyway)."""
        risk = self.risk
        if now_ns < self._next_loss_check_ns:
            return
        self._next_loss_check_ns = now_ns + risk.config.loss_check_interval_ns
        if risk.store.risk.instruments and (risk.config.loss_limit.on or risk.config.max_gross.on):
            risk.marks.refresh_all()
            if risk.config.loss_limit.on:
                with risk.uow.turn():
                    self.check_losses()

    def check_losses(self) -> None:
        risk = self.risk
        control = risk.config.loss_limit
        if not control.on:
            return
        marks = risk.marks
        if control.firm is not None and marks.firm.total < -control.firm:
            self._kill(S.FIRM, "", f"loss limit: P&L {marks.firm.total:,.2f} below -{control.firm:,.2f}")
        for account, limit in control.account.items():
            total = marks.account(account).total
            if total < -limit:
                self._kill(S.ACCOUNT, account, f"loss limit: account P&L {total:,.2f} below -{limit:,.2f}")
        for desk, limit in control.desk.items():
            total = sum((marks.account(a).total for a in risk.desk_accounts.get(desk, ())), Decimal(0))
            if total < -limit:
                self._kill(S.DESK, desk, f"loss limit: desk P&L {total:,.2f} below -{limit:,.2f}")

    def _kill(self, scope: ev.RiskScope, key: str, reason: str) -> None:
        if self.risk.state_of(scope, key) is not ev.TradingState.HALTED:
            self.kills.kill(scope, key, reason, AUTOMATIC, automatic=True)

    # --- sessions -------------------------------------------------------------------------------------------

    def venue_status(self, e: ev.VenueStatusChanged) -> None:
        """Called in the turn of the venue's status event."""
        risk, uow = self.risk, self.risk.uow
        if not e.connected:
            if e.venue in risk.disconnected:
                return
            risk.disconnected.add(e.venue)
            at_risk = risk.live_children_at(e.venue)
            self.at_risk[e.venue] = at_risk
            uow.emit(ev.VenueOrdersAtRisk(e.ts_ns, e.venue, tuple(at_risk)))
            uow.emit(ev.AlertRaised(e.ts_ns, "warning", f"venue {e.venue}", "",
                                    f"session dropped: {len(at_risk)} child order(s) at risk, canceled on reconnect "
                                    "unless the venue reports them closed; no new orders there"))
            return
        risk.disconnected.discard(e.venue)
        store = risk.store
        canceled = []
        for child_id in self.at_risk.pop(e.venue, []):
            if store.has_child(child_id) and store.child(child_id).status.is_live:
                self.gateway.cancel(child_id, "venue session dropped: canceled on reconnect")
                canceled.append(child_id)
        if canceled:
            uow.emit(ev.AlertRaised(e.ts_ns, "warning", f"venue {e.venue}", "",
                                    f"reconnected: {len(canceled)} child order(s) at risk canceled"))


_WATCHED = frozenset({ev.ChildSubmitted, ev.ChildRejected, ev.ChildCancelRequested, ev.ChildReplaceRequested,
                      ev.ChildFilled, ev.TicketsAllocated, ev.ChildFillBusted})
"""The events `on_event` acts on (most of a turn's events are none of these: one set lookup each)."""


def _storm_cap(storm: Control) -> int:
    """Timestamps a storm window keeps per key: just past the highest limit (all a limit needs)."""
    limits = [v for v in (storm.firm, *storm.venue.values()) if v is not None]
    return int(max(limits, default=Decimal(0))) + 2
