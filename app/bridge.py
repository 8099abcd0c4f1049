"""The bridge between engine and widgets: engine events mark ids dirty, a timer turns them into row
snapshots for the blotters (one refresh per tick, however many events arrived), and widget signals
become engine commands whose verdicts go back to the widget that asked. Rejects, refusals, risk
blocks, venue changes and engine alerts go to the alerts panel (app/alerts.py says which and how)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject

from app.alerts_view import AlertsView
from app.audit_tca import AuditAndTca
from app.book_view import OwnOrdersOnBook
from app.risk_view import RiskView
from app.timers import start_timer
from app.venue_view import VenueView
from engine import events as ev
from engine.algos.base import Algo
from engine.clock import NS_PER_S
from engine.engine import Engine
from engine.model import ChildId, ParentId, Side, TicketId
from engine.results import SubmitResult
from engine.ticket_flow import TicketRequest
from engine.tickets.csv_import import BasketRow, ImportResult, parse_basket
from widgets.amend_dialog import PARENT, AmendForm
from widgets.main_window import MainWindow
from widgets.param_fields import ParamField, ParamKind
from widgets.ticket_form import TicketForm

DAY_NS = 86_400 * NS_PER_S
_PARENT_DONE = (ev.ParentCanceled, ev.ParentExpired, ev.BlockReconciled)
_PARAM_KINDS: dict[type, ParamKind] = {int: "int", float: "float", Decimal: "decimal", str: "text"}


def param_fields(algos: dict[str, type[Algo]]) -> dict[str, tuple[ParamField, ...]]:
    """The ticket's per-algo fields, from the algos' own parameter specs."""
    return {
        name: tuple(
            ParamField(s.name, s.label, "choice" if getattr(s, "choices", ()) else _PARAM_KINDS.get(s.kind, "text"),
                       s.default, s.minimum, s.maximum, tuple(getattr(s, "choices", ())),
                       bool(getattr(s, "optional", False)), getattr(s, "at_most", None))
            for s in algo.params_spec
        )
        for name, algo in algos.items()
    }


class EngineBridge(QObject):
    """Owns the subscriptions; the only object that talks to both sides."""

    def __init__(self, engine: Engine, window: MainWindow, *, refresh_hz: float = 10.0) -> None:
        super().__init__(window)
        self.engine = engine
        self.window = window
        self._dirty_parents: set[ParentId] = set()
        self._dirty_children: set[ChildId] = set()
        self._dirty_tickets: set[TicketId] = set()
        self._fills_shown = 0
        self._rate_mark = (time.monotonic(), 0)
        self._unconfirmed_basket: tuple[BasketRow, ...] | None = None
        self.alerts_view = AlertsView(engine, window.alerts.model, self._venue_of)
        """The alerts panel: recalled from the journal at start, then live; acknowledgements journaled."""
        window.set_working_orders(self.working_orders)
        self._unsubscribe = engine.subscribe(self._on_event)
        self._unsubscribe_market = engine.subscribe(self._on_market, market=True)
        window.ticket.set_algo_params(param_fields(engine.algos))
        window.set_tick_sizes({symbol: i.tick_size for symbol, i in engine.instruments.items()})
        window.set_basket_parser(self.parse_basket)
        window.basket_submitted.connect(self.submit_basket)
        window.amend_submitted.connect(self.amend)
        window.ticket.submitted.connect(self.submit)
        window.parents.cancel_requested.connect(lambda pid: self._command(engine.cancel(ParentId(pid))))
        window.parents.pause_requested.connect(lambda pid: self._command(engine.pause(ParentId(pid))))
        window.parents.resume_requested.connect(lambda pid: self._command(engine.resume(ParentId(pid))))
        window.tickets.cancel_requested.connect(
            lambda tid: self._command(engine.cancel_ticket(TicketId(tid), "trader cancel")))
        window.kill_switch.kill_requested.connect(self._kill)
        window.kill_switch.reenable_requested.connect(lambda reason: self._command(engine.reenable(reason=reason)))
        self._timer = start_timer(self, int(1000 / refresh_hz), self.refresh)
        self._load_snapshot()
        self.audit_tca = self.enable_audit_and_tca()
        self.risk_view = self.enable_risk_view()
        self.venue_view = VenueView(engine, window)
        """The Venues dock: connection, FIX sequence numbers, scorecard (app/venue_view.py)."""
        self.venue_view.panel.kill_requested.connect(
            lambda venue, reason: self.risk_view.kill(ev.RiskScope.VENUE, venue, reason))
        self.own_orders = OwnOrdersOnBook(engine, window)
        """Our working children marked on the book ladder (app/book_view.py)."""

    def enable_audit_and_tca(self) -> AuditAndTca:
        """The Audit trail dock (follows the selected parent) and the Export TCA toolbar button."""
        return AuditAndTca(self.engine, self.window)

    def enable_risk_view(self) -> RiskView:
        """The Risk dock (positions, P&L, limits, states, blocks) and the ticket's soft-limit confirmation."""
        return RiskView(self.engine, self.window)

    # --- commands from the widgets ---------------------------------------------------------------------

    def submit(self, form: TicketForm) -> None:
        now = self.engine.clock.now_ns()
        midnight = now - now % DAY_NS
        start = None if form.start_seconds is None else midnight + form.start_seconds * NS_PER_S
        result = self.engine.submit_ticket(
            symbol=form.symbol, side=Side[form.side], quantity=form.quantity, limit_price=form.limit_price,
            algo=form.algo, start_ns=start, end_ns=midnight + form.end_seconds * NS_PER_S, params=dict(form.params),
            account=form.account, urgency=form.urgency, confirmed=self.risk_view.confirmed(form),
        )
        if result.needs_confirmation:
            return self.risk_view.ask_confirmation(form, result)
        if result.accepted:
            self.window.ticket.show_result(True, f"{result.ticket_id} accepted into {result.parent_id}: {form.side} "
                                                 f"{form.quantity:,} {form.symbol} {form.algo}")
            self.refresh()
            if result.parent_id is not None:
                self.window.parents.select_key(result.parent_id)
        else:
            self.window.ticket.show_result(False, result.reason, result.field)

    def amend(self, form: AmendForm) -> None:
        """A parent's or a ticket's quantity / limit / end time; the engine's answer goes to the dialog."""
        now = self.engine.clock.now_ns()
        end_ns = None if form.end_seconds is None else now - now % DAY_NS + form.end_seconds * NS_PER_S
        if form.kind == PARENT:
            result = self.engine.amend(ParentId(form.key), quantity=form.quantity, limit_price=form.limit_price,
                                       end_ns=end_ns)
        else:
            result = self.engine.amend_ticket(TicketId(form.key), form.quantity, form.limit_price, end_ns)
        self.window.show_amend_result(result.ok, f"{form.key} amended" if result.ok else result.reason)
        self.refresh()

    def parse_basket(self, text: str) -> ImportResult:
        now = self.engine.clock.now_ns()
        return parse_basket(text, self.engine.instruments, self.engine.algos, day_start_ns=now - now % DAY_NS)

    def submit_basket(self, rows: Sequence[BasketRow]) -> None:
        """Submit the preview's accepted rows: all of them or, if the engine refuses one, none. A basket whose
        rows breach only soft limits waits: the warnings are shown, and submitting the same rows again
        confirms them all (any other basket starts over)."""
        now = self.engine.clock.now_ns()
        close = now - now % DAY_NS + 16 * 3600 * NS_PER_S
        confirmed, self._unconfirmed_basket = tuple(rows) == self._unconfirmed_basket, None
        requests = [
            TicketRequest(row.symbol, row.side, row.quantity, row.limit_price, row.algo, row.end_ns or close,
                          row.start_ns, (), row.account, "basket", row.urgency, row.allow_cross, confirmed=confirmed)
            for row in rows
        ]
        results = self.engine.submit_basket(requests)
        refused = [(row, r) for row, r in zip(rows, results, strict=False) if not r.accepted]
        if refused and all(r.needs_confirmation for _, r in refused):
            self._unconfirmed_basket = tuple(rows)
            self.window.show_basket_result(basket_warnings(rows, results), False)
        elif refused or len(results) != len(rows):
            own = [(row, r) for row, r in refused if not r.for_other_rows]
            row, result = (own or refused)[0] if refused else (rows[0], results[0])  # the row at fault first
            self.window.show_basket_result(f"nothing imported: line {row.line_no}: {result.reason}", False)
        else:
            self.window.show_basket_result(f"{len(rows)} tickets submitted" + (" (soft limits confirmed)"
                                                                                if confirmed else ""), True)
        self.refresh()

    def _kill(self, reason: str) -> None:
        self._command(self.engine.kill(reason or "kill switch"))
        self.refresh()

    def _command(self, result: object) -> None:
        """A refused command needs nothing here: the engine journals and publishes its refusal (an alert)."""
        self.refresh()

    def working_orders(self) -> str:
        """What still works, in words ("" when nothing): parents not paused and children at venues."""
        snap = self.engine.snapshot()
        parents = [p for p in snap.parents if p.status.is_live and not p.paused]
        children = sum(1 for c in snap.children if c.status.is_live)
        if not parents and not children:
            return ""
        return f"{len(parents)} parent order(s) working, {children} child order(s) live at venues."

    # --- events from the engine ------------------------------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.AlgoProgress):
            self.window.progress.add_progress(event)
            return
        if isinstance(event, ev.TicketsAllocated):
            self._dirty_tickets.update(event.ticket_ids)
        elif isinstance(event, ev.TicketAccepted | ev.TicketAmended | ev.TicketMandateChanged):
            self._dirty_tickets.add(event.ticket_id)
        elif isinstance(event, _PARENT_DONE):
            self._dirty_tickets.update(self.engine.ticket_ids(event.parent_id))
        if isinstance(event, ev.ChildFilled | ev.ChildSubmitted):
            self._dirty_children.add(event.child_id)
            self._dirty_parents.add(event.parent_id)
        elif hasattr(event, "child_id"):
            child = self.engine.child(event.child_id)
            if child is not None:
                self._dirty_children.add(child.child_id)
                self._dirty_parents.add(child.parent_id)
        elif hasattr(event, "parent_id") and self.engine.parent(event.parent_id) is not None:
            self._dirty_parents.add(event.parent_id)
        if isinstance(event, ev.ChildFillBusted):
            busted = self.engine.booked_fill(event.venue, event.fill_id)
            if busted is not None:
                self.window.fills.upsert_many([busted])
        if isinstance(event, ev.KillEngaged | ev.KillReleased):
            self._show_kill_state()
        elif isinstance(event, ev.VenueStatusChanged):
            self.window.status.set_venue(event.venue, event.connected, event.detail)
        elif isinstance(event, ev.RestartRecovered):
            self.window.show_restart_notice(*restart_notice(event), "warning" if event.children_closed else "info")
        self.alerts_view.on_event(event)

    def _venue_of(self, child_id: str) -> str:
        child = self.engine.child(ChildId(child_id))
        return str(child.venue) if child is not None else ""

    def refresh(self) -> None:
        """Push what changed since the last refresh into the blotters (they repaint on their own timer)."""
        engine = self.engine
        if self._dirty_parents:
            parents = [p for p in (engine.parent(pid) for pid in sorted(self._dirty_parents)) if p is not None]
            self.window.parents.upsert_many(parents)
            for parent in parents:  # the executed line follows the parent, also past the algo's last report
                self.window.progress.update_parent(parent, parent.updated_ns)
            self._dirty_parents.clear()
        if self._dirty_children:
            children = [engine.child(cid) for cid in sorted(self._dirty_children)]
            self.window.child_orders.upsert_many([c for c in children if c is not None])
            self._dirty_children.clear()
        if self._dirty_tickets:
            rows = [self.engine.ticket(t) for t in sorted(self._dirty_tickets)]
            self.window.tickets.upsert_many([r for r in rows if r is not None])
            self._dirty_tickets.clear()
        if engine.fill_count > self._fills_shown:
            self.window.fills.upsert_many(engine.fills_since(self._fills_shown))
            self._fills_shown = engine.fill_count
        now = self.engine.clock.now_ns()
        self.window.status.set_clock(now)
        self.window.ticket.set_market_time(now)
        wall, seen = self._rate_mark
        elapsed = time.monotonic() - wall
        if elapsed >= 1.0:
            processed = self.engine.events_processed
            self.window.status.set_events_per_s((processed - seen) / elapsed)
            self._rate_mark = (time.monotonic(), processed)

    def _load_snapshot(self) -> None:
        snap = self.engine.snapshot()
        self.window.parents.upsert_many(list(snap.parents))
        self.window.child_orders.upsert_many(list(snap.children))
        self.window.fills.upsert_many(list(snap.fills))
        self.window.tickets.upsert_many(self.engine.tickets())
        self._fills_shown = len(snap.fills)
        self._rebuild_progress(snap.parents, snap.fills, snap.progress)
        for venue, connected in snap.venues:
            self.window.status.set_venue(venue, connected)
        self._show_kill_state()

    def _rebuild_progress(self, parents: Sequence[Any], fills: Sequence[Any], progress: Sequence[Any]) -> None:
        """After a restart the algos have published nothing yet: each parent's executed line and average
        price come back from its journaled fills, then whatever progress the engine still holds."""
        by_parent: dict[str, list[Any]] = {}
        for fill in fills:
            by_parent.setdefault(fill.parent_id, []).append(fill)
        for parent in parents:
            if parent.parent_id in by_parent:
                self.window.progress.rebuild_from_fills(parent, by_parent[parent.parent_id])
        for snapshot in progress:
            self.window.progress.add_progress(snapshot)

    def _show_kill_state(self) -> None:
        engaged, reason = self.engine.kill_state()
        self.window.kill_switch.set_engaged(engaged, reason if engaged else "")  # the banner says KILLED itself

    def _on_market(self, event: Any) -> None:
        if isinstance(event, ev.BookUpdated):
            self.window.book.set_venue_book(event.venue, event.symbol, event.bids, event.asks)
        elif isinstance(event, ev.TradePrinted):  # last, day volume and time & sales beside the book
            self.window.market.add_trade(event.ts_ns, event.venue, event.symbol, event.price, event.quantity)

    def close(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        self._unsubscribe_market()
        self.venue_view.close()
        self.own_orders.close()


def restart_notice(event: ev.RestartRecovered) -> tuple[str, list[str]]:
    """The restart notice's title and lines: what came back, in what state, and what the venues said."""
    source = "checkpoint + journal" if event.from_checkpoint else "journal"
    title = f"Restarted: {event.records:,} records replayed from the {source} in {event.seconds:.2f} s"
    lines = [f"{len(event.parents)} parent(s) came back; algos are paused until you resume them:"]
    lines += [f"  {pid}: {state}" for pid, state in event.parents] or ["  (none)"]
    if event.children_closed:
        lines.append(f"{len(event.children_closed)} child order(s) closed on their venue's answer:")
        lines += [f"  {cid}: {why}" for cid, why in event.children_closed]
    if event.children_live:
        lines.append(f"{len(event.children_live)} child order(s) still working at their venue:")
        lines += [f"  {cid}" for cid in event.children_live]
    return title, lines


def basket_warnings(rows: Sequence[BasketRow], results: Sequence[SubmitResult], shown: int = 3) -> str:
    """What a basket waiting for confirmation says: how many rows breach soft limits, the first few with
    their line and warning, and how to confirm."""
    warned = [(row, r) for row, r in zip(rows, results, strict=False)
              if r.needs_confirmation and not r.for_other_rows]
    lines = "; ".join(f"line {row.line_no}: {r.reason}" for row, r in warned[:shown])
    more = f" (and {len(warned) - shown} more)" if len(warned) > shown else ""
    return (f"nothing imported yet: {len(warned)} row(s) breach soft limits - {lines}{more}. "
            "Submit again to confirm them all")
