"""The controls every child passes on its way to a venue (the pipeline's risk stage).

`ChildBatch` is made once per algo intent: what depends on the parent (its scopes' states, the reference, the
position and what is in flight) is read once, then each routed child is checked and, when it passes, counts
against the next ones at once (`pending`). A soft breach lets the child go with a warning (journaled, at most
once a minute per parent and rule); a hard one stops it.

Transient rules (rates, the venue's session, self-match, a halted scope the kill already handled) do not pause
the parent: the algo tries again on its next wake.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import ParentId, Side, VenueId
from engine.risk import controls
from engine.risk.throttles import FIRM_KEY
from engine.risk.verdict import RiskVerdict
from engine.views import ParentView

if TYPE_CHECKING:
    from engine.risk.checks import RiskEngine

TRANSIENT = frozenset({"kill_switch", "halted", "venue_disconnected", "child_rate", "message_rate", "self_match"})
"""Rules whose block does not pause the parent."""
WARN_EVERY_NS = 60 * NS_PER_S
S = ev.RiskScope
_ZERO = Decimal(0)


class ChildBatch:
    """The pre-trade checks of one intent's children (see the module docstring)."""

    __slots__ = ("_blocked_scope", "_firm_position", "_mid", "_pending_count", "_pending_notional",
                 "_pending_qty", "_pending_venue", "_reducing", "_reference", "_risk", "_working", "parent_id",
                 "side", "symbol")

    def __init__(self, risk: RiskEngine, parent: ParentView) -> None:
        self._risk = risk
        self.parent_id: ParentId = parent.parent_id
        self.symbol = parent.symbol
        self.side = parent.side
        self._mid = risk.market.mid(parent.symbol)
        reference = self._mid
        if reference is None:
            reference = risk.marks.last_trade.get(parent.symbol) or risk.config.previous_close.get(parent.symbol)
        self._reference = reference
        self._firm_position = risk.position(parent.symbol)
        self._working = risk.exposure.working(parent.symbol)
        self._pending_qty = 0
        self._pending_notional = _ZERO
        self._pending_count = 0
        self._pending_venue: dict[VenueId, int] = {}
        self._blocked_scope, self._reducing = self._scopes()

    def _scopes(self) -> tuple[RiskVerdict | None, bool]:
        """The first halted scope of this parent (a verdict), and whether any is REDUCING."""
        risk = self._risk
        if risk.store.kill_engaged:
            return RiskVerdict("kill_switch", "kill switch engaged: no new child orders"), False
        states = risk.store.risk.states
        if not states:
            return None, False
        accounts = risk.store.risk.parent_accounts.get(self.parent_id, ())
        scopes = [(S.FIRM, ""), (S.INSTRUMENT, self.symbol), (S.PARENT, self.parent_id)]
        scopes += [(S.ACCOUNT, a) for a in accounts]
        scopes += [(S.DESK, d) for d in {risk.config.desk_of(a) for a in accounts} if d]
        reducing = False
        for scope, key in scopes:
            found = states.get((scope, key))
            if found is None:
                continue
            state, why = found
            if state is ev.TradingState.HALTED:
                name = f"{scope.value} {key}".strip()
                return RiskVerdict("halted", f"{name} is halted ({why}): no new orders", scope.value, key, "halted",
                                   "active"), False
            reducing = True
        return None, reducing

    def check(self, venue: VenueId, quantity: int, price: Decimal | None) -> RiskVerdict | None:
        """None: the child may go (it now counts against the next); else the hard verdict that stops it."""
        risk = self._risk
        verdict = self._blocked_scope or self._venue(venue)
        if verdict is None:
            for found in self._limits(venue, quantity, price):
                if found.hard:
                    verdict = found
                    break
                self._warn(found)
        if verdict is not None:
            return verdict
        self._pending_qty += quantity
        self._pending_notional += (price if price is not None else self._reference or _ZERO) * quantity
        self._pending_count += 1
        self._pending_venue[venue] = self._pending_venue.get(venue, 0) + 1
        risk.passed(children=1)
        return None

    def _venue(self, venue: VenueId) -> RiskVerdict | None:
        risk = self._risk
        if risk.store.risk.states and risk.store.risk.state(S.VENUE, venue) is ev.TradingState.HALTED:
            return RiskVerdict("halted", f"venue {venue} is halted: no new orders", "venue", venue, "halted", "active")
        if venue in risk.disconnected:
            return RiskVerdict("venue_disconnected", f"venue {venue}'s session is down: no new orders", "venue",
                               venue, "disconnected", "connected")
        return None

    def _limits(self, venue: VenueId, quantity: int, price: Decimal | None) -> list[RiskVerdict]:
        risk = self._risk
        c = risk.config
        side = self.side
        symbol = self.symbol
        found: list[RiskVerdict] = []
        working_same = self._working.qty(side) + self._pending_qty
        reduces = controls.reduces(self._firm_position, working_same, quantity, side)
        if self._reducing and not reduces:
            found.append(RiskVerdict("reducing", f"{symbol} is in a reducing scope: only orders that reduce the "
                                                 f"position {self._firm_position:,}", "instrument", symbol,
                                     str(self._firm_position + side.sign * (working_same + quantity)),
                                     "reduces only"))
            return found
        if c.restricted.on and symbol in c.restricted_symbols:
            found.append(RiskVerdict("restricted", f"{symbol} is on the firm's restricted list", "instrument", symbol,
                                     symbol, "restricted", c.restricted.hard))
        control = c.max_child_qty
        if control.on:
            limit = control.venue.get(venue, control.for_instrument(symbol))
            if limit is not None and quantity > limit:
                found.append(controls.child_qty(quantity, limit, "instrument" if symbol in control.instrument else
                                                "firm", symbol if symbol in control.instrument else "",
                                                control.hard))  # type: ignore[arg-type]
        control = c.max_child_notional
        notional = (price if price is not None else self._reference or _ZERO) * quantity
        if control.on:
            limit = control.for_instrument(symbol)
            if limit is not None and notional > limit:
                hit = controls.child_notional(quantity, price, self._reference, limit, "firm", "", control.hard)
                if hit:
                    found.append(hit)
        control = c.child_price_band
        if control.on and price is not None and self._mid:
            hit = controls.price_band(price, self._mid, control.for_instrument(symbol) or _ZERO, control.ticks,
                                      risk.instruments[symbol].tick_size, control.hard)
            if hit:
                found.append(hit)
        if not reduces:
            self._exposure(found, quantity, notional, working_same)
        self._counts(found, venue)
        control = c.self_match
        if control.on:
            other = risk.exposure.would_cross(venue, symbol, side, price)
            if other is not None:
                found.append(RiskVerdict("self_match", f"{side.name} {quantity:,} {symbol} @ {price or 'market'} at "
                                                       f"{venue} would trade with our own order {other}", "venue",
                                         venue, str(price), f"{other} resting", control.hard))
        return found

    def _exposure(self, found: list[RiskVerdict], quantity: int, notional: Decimal, working_same: int) -> None:
        risk = self._risk
        c = risk.config
        symbol, side = self.symbol, self.side
        control = c.max_position
        if control.on:
            limit = control.for_instrument(symbol)
            if limit is not None:
                hit = controls.position_limit("max_position", self._firm_position, working_same, quantity, side,
                                              limit, "instrument", symbol, control.hard)
                if hit:
                    found.append(hit)
        firm = risk.marks.firm
        working = risk.exposure.child_total
        pending = self._pending_notional + notional
        for name, control in (("max_gross", c.max_gross), ("daily_notional", c.daily_notional),
                              ("credit", c.credit)):
            if not control.on or control.firm is None or (name == "credit" and side is Side.SELL):
                continue
            value = (firm.gross + working.notional if name == "max_gross" else
                     firm.traded + working.notional if name == "daily_notional" else
                     firm.net_cash + working.buy_notional)
            if value + pending > control.firm:
                found.append(controls.over(name, _WHAT[name], value + pending, control.firm, "firm", "",
                                           control.hard, money=True))  # type: ignore[arg-type]
        control = c.daily_notional
        if control.on and symbol in control.instrument:
            part = firm.parts.get(symbol)
            value = (part[2] if part else _ZERO) + self._working.notional + pending
            hit = controls.over("daily_notional", _WHAT["daily_notional"], value, control.instrument[symbol],
                                "instrument", symbol, control.hard, money=True)
            if hit:
                found.append(hit)

    def _counts(self, found: list[RiskVerdict], venue: VenueId) -> None:
        risk = self._risk
        c = risk.config
        now = risk.clock.now_ns()
        extra = self._pending_count + 1
        extra_venue = self._pending_venue.get(venue, 0) + 1
        control = c.max_open_children
        if control.on:
            for scope, key, value, limit in (("firm", "", len(risk.exposure.children) + extra, control.firm),
                                             ("venue", venue, risk.exposure.by_venue_count.get(venue, 0) + extra_venue,
                                              control.venue.get(venue))):
                if limit is not None and value > limit:
                    found.append(controls.over("max_open_children", "live child orders with this one", value, limit,
                                               scope, key, control.hard))  # type: ignore[arg-type]
        for name, rate, control in (("child_rate", risk.child_rate, c.child_rate),
                                    ("message_rate", risk.message_rate, c.message_rate)):
            if not control.on:
                continue
            window = f"{control.window_ns / 1e9:g} s"
            for scope, key, limit in (("firm", "", control.firm), ("venue", venue, control.venue.get(venue))):
                if limit is None:
                    continue
                value = rate.count(FIRM_KEY if scope == "firm" else key, now) + (extra if scope == "firm" else
                                                                               extra_venue)
                if value > limit:
                    found.append(controls.over(name, f"{'orders' if name == 'child_rate' else 'messages'} in "
                                                     f"{window} with this one", value, limit, scope, key,
                                               control.hard))  # type: ignore[arg-type]
        control = c.repeated_execution
        if control.on:
            limit = control.for_instrument(self.symbol)
            if limit is not None:
                value = risk.repeated.count(self.parent_id, now) + extra
                if value > limit:
                    found.append(controls.over("repeated_execution", f"child orders of {self.parent_id} in "
                                               f"{control.window_ns / 1e9:g} s with this one", value, limit,
                                               "parent", self.parent_id, control.hard))  # type: ignore[arg-type]

    def _warn(self, verdict: RiskVerdict) -> None:
        risk = self._risk
        now = risk.clock.now_ns()
        key = (self.parent_id, verdict.rule)
        last = risk.child_warned.get(key)
        if last is None or now - last >= WARN_EVERY_NS:
            risk.child_warned[key] = now
            risk.warn(verdict, self.parent_id, "sent with a warning", self.parent_id)


_WHAT = {"max_gross": "gross exposure with working orders", "daily_notional": "notional traded today with working "
         "orders", "credit": "cash committed with working buys"}
