"""The unit of work every flow gets: emit, record, send, refuse — inside one engine turn.

A *turn* is everything one entry point (a command, a venue report, a timer) changes. Inside it,
events are applied to the order store at once (later logic sees them) and staged; when the
outermost turn ends:

1. in-turn followers (the OMS gateway) have seen each event as it was emitted and staged their own
   rows (FIX messages, the OMS order map) — they may not act on the world;
2. the ledger commits the journal's records and every other store's rows in ONE transaction;
3. only then are venue requests sent (`send`), and reactions and subscribers run (`dispatch`).

So a kill -9 at any point leaves either the whole turn (journal, FIX state, OMS map) or none of
it, and nothing was sent or shown that the database does not hold. Reactions that run after the
commit (an algo's next child, a settled parent) are turns of their own.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable, Hashable
from types import TracebackType

from engine import commands as cmd
from engine import events as ev
from engine.journal import Journal
from engine.results import CommandResult
from engine.serialization import encode
from engine.store import OrderStore

log = logging.getLogger(__name__)

Follower = Callable[[ev.Event], None]
_NOT_JOURNALED = (ev.BookUpdated, ev.TradePrinted, ev.AlgoProgress)
_VENUE_REPORTS = typing.get_args(ev.VenueOrderEvent)


class _TurnScope:
    """`with turns.turn():` — enters and leaves the turn of the `Turns` that made it."""

    __slots__ = ("_enter", "_exit")

    def __init__(self, enter: Callable[[], None], leave: Callable[[], None]) -> None:
        self._enter, self._exit = enter, leave

    def __enter__(self) -> None:
        self._enter()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._exit()


class Turns:
    """Owns the turn's batch, its venue requests and its commit; flows get it as their unit of work."""

    def __init__(
        self,
        store: OrderStore,
        journal: Journal,
        *,
        now_ns: Callable[[], int],
        on_applied: Callable[[ev.Event], None],
        on_problem: Callable[[str, str, str, str], None],
        dispatch: Callable[[ev.Event], None],
        between_turns: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._journal = journal
        self._now_ns = now_ns
        self._on_applied = on_applied
        self._on_problem = on_problem
        self._dispatch = dispatch
        self._between_turns = between_turns
        self._batch: list[ev.Event | cmd.Command] = []
        self._outbox: list[Callable[[], None]] = []
        self._followers: list[Follower] = []
        self._at_end: dict[Hashable, Callable[[], None]] = {}
        self._depth = 0
        self._scope = _TurnScope(self._enter, self._exit)
        self.events_journaled = 0

    # --- the unit of work ----------------------------------------------------------------------------

    def turn(self) -> _TurnScope:
        """Open (or join) a turn; the outermost one commits and then acts. (One scope object serves every
        `with`: the depth lives here. A class, not a generator: every entry point opens one.)"""
        return self._scope

    def _enter(self) -> None:
        self._depth += 1

    def _exit(self) -> None:
        try:
            if self._depth == 1:
                self._run_at_end()
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    def at_end(self, key: Hashable, action: Callable[[], None]) -> None:
        """Run `action` once at the end of the outermost turn, before it commits: work a batch needs once,
        not once per item (a basket or a turn of a socket read's many orders crosses a symbol and resizes a
        parent once). A later call with the same key is dropped; actions may emit and add more. Outside a turn
        it runs at once."""
        if self._depth == 0:
            action()
        elif key not in self._at_end:
            self._at_end[key] = action

    def emit(self, event: ev.Event) -> bool:
        """Apply `event` to the order store and stage it; False when the store refused it.

        A venue report the store refuses is journaled as `ReportRefused` (never as the report itself)
        and goes no further: no allocation, no OMS report, no algo reaction; the trader gets an alert.
        """
        problems = self._store.apply(event)
        if not problems:  # nearly every event: nothing refused, nothing to add
            self._batch.append(event)
            if self._followers:
                self._follow(event)
            self._on_applied(event)
            return True
        refused = [p for p in problems if isinstance(p, ev.IllegalTransition)]
        if refused and isinstance(event, _VENUE_REPORTS):
            self._refuse_report(event, refused[0])
            return False
        self._batch.append(event)
        for problem in problems:
            self._batch.append(problem)
            if isinstance(problem, ev.IllegalTransition):
                log.error("%s", problem)
        if refused:
            return False
        if self._followers:
            self._follow(event)
        self._on_applied(event)
        for problem in problems:
            if isinstance(problem, ev.FillAnomaly):
                self._on_problem("error", f"venue {problem.venue}", problem.parent_id,
                                 f"fill {problem.fill_id} of {problem.quantity} booked: {problem.detail}")
        return True

    def record(self, command: cmd.Command) -> None:
        """Journal a command (audit: its effects are the events that follow it)."""
        self._batch.append(command)

    def send(self, action: Callable[[], None]) -> None:
        """Run `action` (a venue request, an algo start) after this turn has committed."""
        self._outbox.append(action)

    def refuse(self, command: str, target: str, reason: str) -> CommandResult:
        """Journal the refusal of a command and return it."""
        self.emit(ev.CommandRejected(self._now_ns(), command, target, reason))
        return CommandResult(False, reason)

    def follow(self, follower: Follower) -> Callable[[], None]:
        """`follower` sees every event the store applies, as it is emitted (inside the caller's command,
        before the turn commits), to stage rows in the same ledger; it must not act on the world:
        nothing has committed yet. Returns the unsubscribe."""
        self._followers.append(follower)
        return lambda: self._followers.remove(follower) if follower in self._followers else None

    # --- internals -------------------------------------------------------------------------------------

    def _run_at_end(self) -> None:
        while self._at_end:
            key = next(iter(self._at_end))
            self._at_end.pop(key)()

    def _refuse_report(self, report: ev.Event, problem: ev.IllegalTransition) -> None:
        venue = str(getattr(report, "venue", "")) or self._venue_of(problem.order_id)
        type_name, payload = encode(report)
        self._batch.append(ev.ReportRefused(report.ts_ns, venue, problem.order_id, type_name, payload, problem.detail))
        duplicate = (isinstance(report, ev.ChildFilled) and self._store.has_fill(report.venue, report.fill_id)) or (
            isinstance(report, ev.ChildFillBusted) and self._busted(report))
        parent_id = str(getattr(report, "parent_id", "")) or self._parent_of(problem.order_id)
        severity = "warning" if duplicate else "error"
        text = f"{type_name} refused: {problem.detail}"
        if duplicate:  # a resent execution: harmless, shown, nothing paused
            self._batch.append(ev.AlertRaised(report.ts_ns, severity, f"venue {venue}" if venue else "venue",
                                              parent_id, text))
        else:
            self._on_problem(severity, f"venue {venue}" if venue else "venue", parent_id, text)

    def _busted(self, bust: ev.ChildFillBusted) -> bool:
        """Whether a bust names an execution of its child already busted (a resend: harmless)."""
        fill = self._store.booked_fill(bust.venue, bust.fill_id)
        return fill is not None and fill.busted and fill.child_id == bust.child_id

    def _venue_of(self, order_id: str) -> str:
        return self._store.child(order_id).venue if self._store.has_child(order_id) else ""  # type: ignore[arg-type]

    def _parent_of(self, order_id: str) -> str:
        return self._store.child(order_id).parent_id if self._store.has_child(order_id) else ""  # type: ignore[arg-type]

    def _follow(self, event: ev.Event) -> None:
        for follower in list(self._followers):
            try:
                follower(event)
            except Exception:  # a gateway bug must not lose the engine's turn: it is logged and shown
                log.exception("in-turn follower %r failed on %s", follower, type(event).__name__)
                self._batch.append(ev.AlertRaised(event.ts_ns, "error", "engine", "",
                                                  f"follower failed on {type(event).__name__}: see the log"))

    def _flush(self) -> None:
        """The ledger commits, then venue requests go out and reactions run."""
        self._depth += 1
        try:
            while self._batch or self._outbox:
                batch, self._batch = self._batch, []
                journaled = [r for r in batch if not isinstance(r, _NOT_JOURNALED)]
                self._journal.append(journaled)
                self.events_journaled += sum(isinstance(r, ev.Event) for r in journaled)
                outbox, self._outbox = self._outbox, []
                for action in outbox:
                    action()
                for record in batch:
                    if isinstance(record, ev.Event):
                        self._dispatch(record)
        finally:
            self._depth -= 1
        if self._depth == 0 and self._between_turns is not None:
            self._between_turns()
