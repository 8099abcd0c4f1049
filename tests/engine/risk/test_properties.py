"""Properties over random sequences of tickets, children, fills, cancels, market moves, kills and trading states,
on the real engine with hard limits:

- no order breaching a hard limit reaches a venue (quantity, notional, band, position with what is in flight,
  credit, open orders), whatever came before it;
- after a kill, no new order in its scope reaches a venue until the scope is re-enabled;
- while an instrument is REDUCING, every order that reaches a venue reduces the firm's position;
- the loss limit kills the firm as soon as a marked loss passes it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import ChildId, OrdStatus, Side
from engine.risk import pnl
from tests.engine.risk.harness import Desk, control, limits

S, T = ev.RiskScope, ev.TradingState
SYMBOLS = ("AAPL", "MSFT")
TICK = Decimal("0.01")
MAX_CHILD, MAX_NOTIONAL, BAND, POSITION, CREDIT, OPEN, LOSS = 600, Decimal(40_000), Decimal(2), 900, \
    Decimal(80_000), 4, Decimal(5_000)
CONFIG = limits(max_child_qty=control(firm=MAX_CHILD), max_child_notional=control(firm=MAX_NOTIONAL),
                child_price_band=control(firm=BAND), max_position=control(firm=POSITION),
                credit=control(firm=CREDIT), max_open_children=control(firm=OPEN),
                loss_limit=control(firm=LOSS))
ACCOUNTS = ("PM1", "PM2")

TICKET = st.tuples(st.just("ticket"), st.sampled_from(SYMBOLS), st.sampled_from(Side), st.integers(1, 1200),
                   st.sampled_from(ACCOUNTS))
SEND = st.tuples(st.just("send"), st.integers(0, 7), st.integers(1, 900), st.integers(-250, 250), st.booleans())
FILL = st.tuples(st.just("fill"), st.integers(0, 30), st.integers(1, 100))
ACTIONS = {
    "ticket": TICKET, "send": SEND, "fill": FILL,
    "cancel": st.tuples(st.just("cancel"), st.integers(0, 30)),
    "move": st.tuples(st.just("move"), st.sampled_from(SYMBOLS), st.integers(-1500, 1500)),
    "kill": st.tuples(st.just("kill"), st.sampled_from(["firm", "AAPL", "MSFT", "LIT1", "LIT2", "PM1"])),
    "reenable": st.tuples(st.just("reenable")),
    "reducing": st.tuples(st.just("reducing"), st.sampled_from(SYMBOLS)),
}
WEIGHTS = ["ticket"] * 2 + ["send"] * 10 + ["fill"] * 6 + ["cancel"] * 2 + ["move"] * 3 \
    + ["kill", "reenable", "reenable", "reducing"]
action = st.sampled_from(WEIGHTS).flatmap(ACTIONS.__getitem__)  # orders, fills, moves often; kills now and then


@dataclass
class Model:
    """What the test knows independently of the engine's risk code: the orders at venues and their leaves."""

    leaves: dict[ChildId, int] = field(default_factory=dict)
    seen: int = 0
    halted: set[tuple[ev.RiskScope, str]] = field(default_factory=set)
    reducing: set[str] = field(default_factory=set)


def mid_of(d: Desk, symbol: str) -> Decimal:
    mid = d.engine.market.mid(symbol)  # type: ignore[arg-type]
    assert mid is not None
    return mid


def working(d: Desk, model: Model, symbol: str, side: Side) -> tuple[int, Decimal]:
    orders = {o.child_id: o for o in d.sent()}
    live = [(orders[c], q) for c, q in model.leaves.items() if q > 0 and orders[c].symbol == symbol
            and orders[c].side is side]
    return sum(q for _, q in live), sum((o.price or Decimal(0)) * q for o, q in live)


def step(d: Desk, model: Model, act: tuple[object, ...]) -> None:
    engine = d.engine
    kind = act[0]
    if kind == "ticket":
        _, symbol, side, quantity, account = act
        d.ticket(int(quantity), symbol=str(symbol), side=side, account=str(account),  # type: ignore[arg-type]
                 allow_cross=False)
    elif kind == "send":
        _, index, quantity, offset, sweep = act
        live = engine.store.live_parent_ids()
        if live:
            pid = live[int(index) % len(live)]  # type: ignore[call-overload]
            symbol = engine.store.parent(pid).symbol
            price = mid_of(d, symbol).quantize(TICK) + int(offset) * TICK  # type: ignore[call-overload]
            d.send(pid, int(quantity), str(max(price, TICK)), sweep=bool(sweep))  # type: ignore[call-overload]
    elif kind in ("fill", "cancel"):
        live = [c for c, q in model.leaves.items() if q > 0 and engine.store.child(c).status.is_live]
        if live:
            child = live[int(act[1]) % len(live)]  # type: ignore[call-overload]
            if kind == "fill":
                quantity = max(1, model.leaves[child] * int(act[2]) // 100)  # type: ignore[call-overload]
                order = next(o for o in d.sent() if o.child_id == child)
                d.fill(child, quantity, str(order.price))
            else:
                d.venue_of(child).canceled(child)
    elif kind == "move":
        _, symbol, ticks = act
        bid = max(Decimal("1.00"), Decimal("100.00" if symbol == "AAPL" else "50.00") + int(ticks) * TICK)  # type: ignore[call-overload]
        for venue in (d.lit1, d.lit2):
            venue.book(str(symbol), str(bid), str(bid + 2 * TICK))
        d.clock.advance(NS_PER_S)
        d.lit1.book(str(symbol), str(bid), str(bid + 2 * TICK))  # the loss check runs on this one
    elif kind == "kill":
        key = str(act[1])
        scope = S.FIRM if key == "firm" else S.INSTRUMENT if key in SYMBOLS else S.VENUE if key.startswith("LIT") \
            else S.ACCOUNT
        if engine.kill("random", scope=scope, key="" if scope is S.FIRM else key).ok:
            model.halted.add((scope, "" if scope is S.FIRM else key))
            for order in d.sent():  # every working child in scope is being canceled
                in_scope = scope is S.FIRM or key in (order.symbol, order.venue)
                status = engine.store.child(order.child_id).status
                assert not (in_scope and status.is_live and status is not OrdStatus.PENDING_CANCEL)
    elif kind == "reenable":
        for scope, key in {*model.halted, *((S.INSTRUMENT, s) for s in model.reducing)}:
            result = engine.reenable(scope=scope, key=key, reason="random")
            assert result.ok or engine.risk.checks.state_of(scope, key) is T.ACTIVE  # (a kill replaced REDUCING)
        model.halted.clear()
        model.reducing.clear()
        engine.resume_all()
    elif kind == "reducing":
        symbol = str(act[1])
        if engine.set_trading_state(S.INSTRUMENT, symbol, T.REDUCING, "random").ok:
            model.reducing.add(symbol)


def check_new_orders(d: Desk, model: Model, before: dict[tuple[str, Side], tuple[int, Decimal]],
                     positions: dict[str, int]) -> None:
    """Every order that reached a venue in this step, against the limits as things stood."""
    sent = d.sent()
    pending: dict[tuple[str, Side], int] = {}
    for order in sent[model.seen:]:
        symbol, side, quantity, price = order.symbol, order.side, order.quantity, order.price
        assert price is not None
        assert quantity <= MAX_CHILD and price * quantity <= MAX_NOTIONAL
        mid = mid_of(d, symbol)
        assert abs(price - mid) <= mid * BAND / 100
        assert not any((s, k) in model.halted for s, k in ((S.FIRM, ""), (S.INSTRUMENT, symbol),
                                                           (S.VENUE, order.venue)))
        same = before[(symbol, side)][0] + pending.get((symbol, side), 0)
        position = positions.get(symbol, 0)
        if symbol in model.reducing:
            assert position != 0 and (position > 0) == (side is Side.SELL) and same + quantity <= abs(position)
        pending[(symbol, side)] = pending.get((symbol, side), 0) + quantity
        model.leaves[order.child_id] = quantity
    model.seen = len(sent)


def check_state(d: Desk, model: Model) -> None:
    """What holds after every step: positions with what is in flight, credit, open orders, the loss limit."""
    state = d.engine.store.risk
    for symbol in SYMBOLS:
        p = state.instruments.get(symbol)  # type: ignore[call-overload]
        position = 0 if p is None else p.net
        buys, _ = working(d, model, symbol, Side.BUY)
        sells, _ = working(d, model, symbol, Side.SELL)
        assert position + buys <= POSITION and position - sells >= -POSITION
    cash = sum((p.buy_notional - p.sell_notional for p in state.instruments.values()), Decimal(0))
    committed = sum((working(d, model, s, Side.BUY)[1] for s in SYMBOLS), Decimal(0))
    assert cash + committed <= CREDIT
    assert sum(1 for c, q in model.leaves.items() if q > 0 and d.engine.store.child(c).status.is_live) <= OPEN
    marked = sum((pnl.total(p, d.engine.market.mid(s)) for s, p in state.instruments.items()), Decimal(0))
    if marked < -LOSS:
        assert d.engine.kill_state()[0], f"loss {marked} past the limit and no kill"


def sync_leaves(d: Desk, model: Model) -> None:
    for child_id in list(model.leaves):
        view = d.engine.store.child(child_id)
        model.leaves[child_id] = view.leaves_qty if view.status.is_live else 0


OPENING = [("ticket", "AAPL", Side.BUY, 5000, "PM1"), ("ticket", "AAPL", Side.SELL, 5000, "PM2"),
           ("ticket", "MSFT", Side.BUY, 5000, "PM1"), ("ticket", "MSFT", Side.SELL, 5000, "PM2")]
"""Parents on both sides of both instruments, bigger than the limits (entered before they were lowered), so
the random children have something to work and only the child controls stand between them and the venues."""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=10, max_size=60))
def test_no_order_past_a_hard_limit_kill_or_reducing_state_ever_reaches_a_venue(
    actions: list[tuple[object, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Desk(Path(tmp) / "journal.db", limits())
        model = Model()
        try:
            for act in OPENING:
                step(d, model, act)
            d.engine.risk.checks.set_limits(CONFIG)  # limits lowered during the day
            for act in actions:
                before = {(s, side): working(d, model, s, side) for s in SYMBOLS for side in Side}
                positions = {s: p.net for s, p in d.engine.store.risk.instruments.items()}
                step(d, model, act)
                check_new_orders(d, model, before, positions)
                sync_leaves(d, model)
                check_state(d, model)
        finally:
            d.close()
