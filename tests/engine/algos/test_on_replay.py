"""The algos through the real engine on the replay venue: synthetic LOBSTER days written to tmp_path
(and a short stretch of a recorded day when ../shared/data is there). Same run twice, same fills."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine.algos import vwap
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.marketdata.lobster import LobsterDay, discover_symbol_days, load_symbol_day
from engine.marketdata.tape import executions, interval_volume
from engine.model import OrdStatus, Side, Symbol
from engine.venues.replay import ReplayVenue, replay_instrument
from tests.engine.marketdata.realdata import require_symbol_day
from tests.engine.marketdata.synthetic import Msg, make_day

OPEN_S = 34_200
MINUTES = 16
Fill = tuple[int, str, int, Decimal, str]


def steady_day(minutes: int = MINUTES, drift_every_s: int = 0) -> list[Msg]:
    """Bid 99.98 / ask 100.02 (300 shares each, three levels), refilled and traded on both sides every
    second; with `drift_every_s` the whole book moves up a cent that often."""
    messages, oid = [], 1
    bid, ask = 999_800, 1_000_200

    def add(t: float, size: int, price: int, direction: int) -> None:
        nonlocal oid
        messages.append(Msg(t, 1, oid, size, price, direction))
        oid += 1

    for level in range(3):
        add(OPEN_S, 300, bid - 100 * level, 1)
        add(OPEN_S, 300, ask + 100 * level, -1)
    for second in range(1, minutes * 60):
        t = OPEN_S + second
        if drift_every_s and second % drift_every_s == 0:
            add(t, 300, bid + 100, 1)
            add(t + 0.001, 300, ask + 300, -1)
            messages.append(Msg(t + 0.002, 3, 0, 300, bid - 200, 1))
            messages.append(Msg(t + 0.003, 3, 0, 300, ask, -1))
            bid, ask = bid + 100, ask + 100
        add(t + 0.1, 40, bid, 1)
        add(t + 0.1, 40, ask, -1)
        messages.append(Msg(t + 0.5, 4, 0, 40, ask, -1))  # a buyer lifts the ask
        messages.append(Msg(t + 0.6, 4, 0, 40, bid, 1))  # a seller hits the bid
    return messages


@pytest.fixture
def day(tmp_path: Path) -> Iterator[LobsterDay]:
    yield make_day(tmp_path, steady_day(drift_every_s=90))
    vwap.set_curve_provider(None)


def run_parent(
    day: LobsterDay, algo: str, quantity: int, *, side: Side = Side.BUY, limit: str | None = None,
    start_s: float = OPEN_S + 1, minutes: float = 15, params: dict[str, str] | None = None,
) -> tuple[OrdStatus, list[Fill]]:
    midnight = day.symbol_day.midnight_epoch_ns
    clock = VirtualClock(midnight + int(start_s * NS_PER_S))
    engine = Engine(clock=clock, journal=Journal(":memory:"), venues=[ReplayVenue(clock, day)],
                    instruments={Symbol(day.ticker): replay_instrument(day.ticker)})
    engine.start()
    clock.advance(NS_PER_S // 10)
    result = engine.submit_ticket(symbol=day.ticker, side=side, quantity=quantity, algo=algo, params=params,
                                  limit_price=Decimal(limit) if limit else None,
                                  end_ns=clock.now_ns() + int(minutes * 60 * NS_PER_S))
    assert result.parent_id is not None, result.reason
    clock.advance(int(minutes * 60 * NS_PER_S) + NS_PER_S)
    fills = [(f.ts_ns, f.child_id, f.quantity, f.price, f.liquidity.name)
             for f in engine.store.fills() if f.parent_id == result.parent_id]
    status = engine.store.parent(result.parent_id).status
    engine.close()
    return status, fills


def test_the_same_run_twice_gives_identical_fills(day: LobsterDay) -> None:
    params = {"randomize": "0.3", "seed": "11", "urgency": "HIGH"}
    first = run_parent(day, "VWAP", 3000, params=params)
    assert first[1] and first == run_parent(day, "VWAP", 3000, params=params)
    assert first != run_parent(day, "VWAP", 3000, params={**params, "seed": "12"})


@pytest.mark.parametrize(("algo", "params"), [
    ("TWAP", {}), ("VWAP", {}), ("VWAP", {"recalibration": "STATIC"}), ("IS", {}), ("POV", {"rate": "0.3"}),
])
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_every_algo_completes_by_the_end_time_when_the_day_has_the_liquidity(
    day: LobsterDay, algo: str, params: dict[str, str], side: Side
) -> None:
    status, fills = run_parent(day, algo, 5000, side=side, params=params)  # ~7 % of the window's volume
    assert status is OrdStatus.FILLED and sum(f[2] for f in fills) == 5000
    assert any(f[4] == "ADDED" for f in fills)  # mostly worked passively


@pytest.mark.parametrize("algo", ["TWAP", "VWAP", "POV", "IS"])
def test_a_limit_below_the_offer_is_never_crossed_on_the_replayed_book(day: LobsterDay, algo: str) -> None:
    status, fills = run_parent(day, algo, 20_000, limit="100.00", params={"urgency": "HIGH"})
    assert fills and all(price <= Decimal("100.00") for _, _, _, price, _ in fills)
    assert status is OrdStatus.EXPIRED  # the book drifted away above the limit


def test_vwap_on_a_recorded_quarter_hour_is_deterministic_and_completes() -> None:
    symbol_day = require_symbol_day("AMZN", "2012-06-21")
    data = load_symbol_day(next(sd for sd in discover_symbol_days(symbol_day.message_path.parent)
                                if sd.key == symbol_day.key))
    start_s = 10 * 3600
    volume = interval_volume(executions(data), start_s * NS_PER_S, (start_s + 600) * NS_PER_S)
    quantity = volume // 20
    first = run_parent(data, "VWAP", quantity, side=Side.SELL, start_s=start_s, minutes=10)
    assert first[0] is OrdStatus.FILLED
    assert first == run_parent(data, "VWAP", quantity, side=Side.SELL, start_s=start_s, minutes=10)


@pytest.mark.parametrize("algo", ["TWAP", "VWAP", "POV", "IS"])
def test_a_parent_ending_with_the_replayed_session_ends_cleanly(tmp_path: Path, algo: str) -> None:
    from engine.events import IllegalTransition
    from tests.engine.marketdata.synthetic import write_symbol_day

    end_s = OPEN_S + 10 * 60
    write_symbol_day(tmp_path, "XYZ", "2019-03-04", 3, steady_day(11), end_ms=end_s * 1000)
    (symbol_day,) = discover_symbol_days(tmp_path)
    day = load_symbol_day(symbol_day)
    midnight = symbol_day.midnight_epoch_ns
    clock = VirtualClock(midnight + (OPEN_S + 1) * NS_PER_S)
    engine = Engine(clock=clock, journal=Journal(":memory:"), venues=[ReplayVenue(clock, day)],
                    instruments={Symbol("XYZ"): replay_instrument("XYZ")})
    problems: list[object] = []
    engine.subscribe(lambda e: problems.append(e) if isinstance(e, IllegalTransition) else None)
    engine.start()
    result = engine.submit_ticket(symbol="XYZ", side=Side.BUY, quantity=50_000, limit_price=None, algo=algo,
                                  end_ns=midnight + end_s * NS_PER_S)
    assert result.parent_id is not None
    clock.run_until(midnight + (end_s + 5) * NS_PER_S)
    assert engine.store.parent(result.parent_id).status is OrdStatus.EXPIRED
    assert problems == []
