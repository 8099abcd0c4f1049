"""The venue scorecard learns from our own flow (fills, fees, rejects, time to fill, markouts) and keeps
what it learned across a restart and across days, in its own file, written off the event loop."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.clock import VirtualClock
from engine.journal import Journal
from engine.model import ChildId, FillId, Liquidity, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.routing.scorecard import Scorecard, ScoreKey, order_type, size_bucket
from engine.routing.scorecard_feed import NS_PER_DAY, JournalTail, ScorecardFeed, clock_day
from engine.routing.scorecard_store import ScorecardStore, ScorecardStoreError
from engine.views import FillView

S = 1_000_000_000
AAPL = Symbol("AAPL")
LIT1 = VenueId("LIT1")
DAY0 = 20_000 * NS_PER_DAY + 34_200 * S  # 09:30 on some day
KEY = ScoreKey(LIT1, "limit", size_bucket(300))


def submitted(child: str, quantity: int = 300, ts: int = DAY0) -> ev.ChildSubmitted:
    return ev.ChildSubmitted(ts, ChildId(child), ParentId("P1"), LIT1, AAPL, Side.BUY, quantity, Decimal("190.00"),
                             OrdType.LIMIT, TimeInForce.DAY)


def fill(child: str, quantity: int, price: str, fee: str, ts: int) -> ev.ChildFilled:
    return ev.ChildFilled(ts, FillId(f"F{child}{ts}"), ChildId(child), ParentId("P1"), LIT1, AAPL, Side.BUY,
                          quantity, Decimal(price), Decimal(fee), Liquidity.ADDED)


class Mid:
    def __init__(self) -> None:
        self.value: Decimal | None = Decimal("190.00")

    def __call__(self, symbol: Symbol) -> Decimal | None:
        return self.value


def feed_with(store: ScorecardStore | None = None, journal: JournalTail | None = None
              ) -> tuple[ScorecardFeed, VirtualClock, Mid]:
    clock, mid = VirtualClock(DAY0), Mid()
    return ScorecardFeed(Scorecard(), clock, mid, store, flush_s=30.0, journal=journal), clock, mid


def test_fills_update_fill_rate_time_to_fill_fees_and_rebates() -> None:
    feed, _clock, _ = feed_with()
    feed.on_event(submitted("C1"))
    feed.on_event(ev.ChildAccepted(DAY0 + 300_000, ChildId("C1"), "V1"))
    feed.on_event(fill("C1", 100, "190.00", "-0.20", DAY0 + 2 * S))
    feed.on_event(fill("C1", 50, "190.00", "0.05", DAY0 + 3 * S))
    feed.on_event(ev.ChildCanceled(DAY0 + 4 * S, ChildId("C1"), "canceled"))
    feed.on_event(submitted("C2"))
    feed.on_event(ev.ChildRejected(DAY0, ChildId("C2"), "no"))
    stats = feed.scorecard.today[KEY]
    counts = (stats.orders, stats.shares_sent, stats.shares_filled, stats.orders_filled, stats.rejects)
    assert counts == (2, 600, 150, 1, 1)
    assert stats.fill_seconds == 2.0 and stats.ack_us == 300.0 and stats.acks == 1
    assert (stats.fees_paid, stats.rebates_earned) == (Decimal("0.05"), Decimal("0.20"))
    estimate = feed.scorecard.estimate(LIT1, "limit", 300)
    assert 0.25 < estimate.fill_rate < 0.5 and estimate.fill_seconds == 2.0 and estimate.ack_us == 300.0
    assert estimate.fee_per_share == Decimal("-0.001")


def test_markouts_are_the_mid_one_five_and_sixty_seconds_after_each_fill() -> None:
    feed, clock, mid = feed_with()
    feed.on_event(submitted("C1"))
    feed.on_event(fill("C1", 100, "190.00", "0", DAY0))
    mid.value = Decimal("190.019")  # +1 bps for the buyer: the price went our way
    clock.advance(S)
    mid.value = Decimal("189.981")  # -1 bps: adverse selection
    clock.advance(4 * S)
    mid.value = None  # no two-sided market at +60 s: no markout taken
    clock.advance(60 * S)
    stats = feed.scorecard.today[KEY]
    assert stats.markout_1s_bps / stats.markout_1s_shares == pytest.approx(1.0)
    assert stats.markout_5s_bps / stats.markout_5s_shares == pytest.approx(-1.0)
    assert stats.markout_60s_shares == 0
    assert feed.scorecard.estimate(LIT1, "limit", 300).markout_5s_bps == pytest.approx(-1.0)


def test_the_scorecard_persists_across_a_restart_and_past_days_fade_with_their_age(tmp_path: Path) -> None:
    path = tmp_path / "venue_scorecard.db"
    feed, _clock, _ = feed_with(ScorecardStore(path))
    feed.on_event(submitted("C1"))
    feed.on_event(fill("C1", 300, "190.00", "-0.60", DAY0 + S))
    feed.close()  # a clean stop writes today's sums
    # restart the same day: today's sums come back as today's, so the next write does not lose them
    history, today = ScorecardStore(path).load(clock_day(DAY0), half_life_days=5.0, max_days=30)
    assert history == [] and [(k, s.shares_filled, s.rebates_earned) for k, s in today] == [
        (KEY, 300.0, Decimal("0.60"))]
    # five days later it is history at half weight (half-life five days); fees stay exact Decimals
    history, today = ScorecardStore(path).load(clock_day(DAY0 + 5 * NS_PER_DAY), 5.0, 30)
    assert today == [] and [(k, s.shares_filled, s.rebates_earned) for k, s in history] == [
        (KEY, 150.0, Decimal("0.300"))]
    # beyond max_days it is forgotten
    assert ScorecardStore(path).load(clock_day(DAY0 + 40 * NS_PER_DAY), 5.0, 30) == ([], [])


def test_writes_happen_on_a_thread_of_their_own_never_on_the_caller(tmp_path: Path) -> None:
    store = ScorecardStore(tmp_path / "card.db")
    writers: list[str] = []
    original = store._run

    def spy() -> None:
        writers.append(threading.current_thread().name)
        original()

    store._run = spy  # type: ignore[method-assign]
    feed, clock, _ = feed_with(store)
    feed.start()
    feed.on_event(submitted("C1"))
    clock.advance(31 * S)  # the flush timer hands the rows over
    store.close()
    assert writers == ["scorecard-writer"] and store.writes == 1


def test_a_scorecard_file_that_is_not_ours_is_refused_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "card.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ScorecardStoreError, match="cannot be used"):
        ScorecardStore(bad)


def tampered_card(tmp_path: Path, sql: str, *args: object) -> Path:
    """A scorecard file holding one fill's row, then changed by `sql`."""
    path = tmp_path / "card.db"
    feed, _, _ = feed_with(ScorecardStore(path))
    feed.on_event(submitted("C1"))
    feed.on_event(fill("C1", 300, "190.00", "-0.60", DAY0 + S))
    feed.close()
    with sqlite3.connect(path) as conn:
        conn.execute(sql, args)
    return path


def test_a_corrupted_fee_in_the_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tampered_card(tmp_path, "UPDATE venue_scorecard SET rebates_earned = '1E-999999999'")
    with pytest.raises(ScorecardStoreError, match="rebates_earned"):
        ScorecardStore(path).load(clock_day(DAY0), 5.0, 30)


def test_a_scorecard_file_of_another_schema_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "card.db"
    ScorecardStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE scorecard_meta SET value = '0' WHERE key = 'schema'")
    with pytest.raises(ScorecardStoreError, match="scorecard schema '0' is not"):
        ScorecardStore(path)


@pytest.mark.parametrize(("column", "value"), [("venue", "LIT1; DROP"), ("order_type", b"limit"), ("bucket", "")])
def test_a_row_naming_a_venue_type_or_bucket_badly_is_refused_by_name(tmp_path: Path, column: str, value: object
                                                                      ) -> None:
    path = tampered_card(tmp_path, f"UPDATE venue_scorecard SET {column} = ?", value)
    with pytest.raises(ScorecardStoreError, match=f"bad {column.replace('_', ' ')} {value!r}"):
        ScorecardStore(path).load(clock_day(DAY0), 5.0, 30)


def test_a_feed_that_keeps_nothing_has_nothing_to_catch_up(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    without_store, _, _ = feed_with(None, journal)
    without_journal, _, _ = feed_with(ScorecardStore(tmp_path / "card.db"))
    assert without_store.catch_up(_Orders()) == 0 and without_journal.catch_up(_Orders()) == 0
    without_journal.close()
    journal.close()


@pytest.mark.parametrize(("ord_type", "tif", "kind"), [
    (OrdType.LIMIT, TimeInForce.DAY, "limit"), (OrdType.LIMIT, TimeInForce.IOC, "ioc"),
    (OrdType.MARKET, TimeInForce.DAY, "peg"), (OrdType.MARKET, TimeInForce.IOC, "peg_ioc"),
])
def test_pegged_orders_are_scored_apart_from_limit_orders(ord_type: OrdType, tif: TimeInForce, kind: str) -> None:
    assert order_type(ord_type, tif) == kind  # a dark midpoint ping's fill rate says nothing of a lit limit's


@pytest.mark.parametrize(("quantity", "bucket"), [(1, "1-99"), (99, "1-99"), (100, "100-499"), (499, "100-499"),
                                                  (500, "500-1999"), (2_000, "2000+")])
def test_a_child_falls_in_the_bucket_its_size_opens(quantity: int, bucket: str) -> None:
    assert size_bucket(quantity) == bucket


def test_a_new_trading_day_turns_todays_sums_into_history() -> None:
    feed, clock, _ = feed_with()
    feed.on_event(submitted("C1"))
    clock.advance(NS_PER_DAY)
    feed.flush()
    assert feed.scorecard.today == {} and feed.scorecard.history[KEY].orders == 1
    assert clock_day(clock.now_ns()) == clock_day(DAY0) + dt.timedelta(days=1)


def test_an_estimate_follows_every_change_of_the_sums_it_is_made_from() -> None:
    """The router asks for estimates at every decision and they are kept between changes: each kind of
    change (a submission, a fill, a reject, a markout, a new day) must be seen by the very next estimate."""
    feed, clock, mid = feed_with()
    card = feed.scorecard
    untried = card.estimate(LIT1, "limit", 300)
    assert untried.orders == 0 and untried.fill_rate == 0.5
    assert size_bucket(20_000) != size_bucket(300) and card.estimate(LIT1, "limit", 20_000).orders == 0
    feed.on_event(submitted("C1"))
    sent = card.estimate(LIT1, "limit", 300)
    assert sent.orders == 1 and sent.fill_rate < untried.fill_rate
    assert card.estimate(LIT1, "limit", 20_000).orders == 1  # an untried size learns from the venue's others
    feed.on_event(fill("C1", 300, "190.00", "-0.30", DAY0 + S))
    filled = card.estimate(LIT1, "limit", 300)
    assert filled.fill_rate > sent.fill_rate and filled.fee_per_share == Decimal("-0.001")
    feed.on_event(submitted("C2"))
    feed.on_event(ev.ChildRejected(DAY0, ChildId("C2"), "no"))
    assert card.estimate(LIT1, "limit", 300).reject_rate > filled.reject_rate
    mid.value = Decimal("189.981")
    clock.advance(6 * S)
    assert card.estimate(LIT1, "limit", 300).markout_5s_bps == pytest.approx(-1.0)
    clock.advance(NS_PER_DAY)
    feed.flush()  # the day rolls over: the same sums, now as history
    assert card.today == {} and card.estimate(LIT1, "limit", 300).orders == 2



class _Orders:
    """The order store's answer about a child (its submission and executed quantity), from the events."""

    def __init__(self) -> None:
        self.sent: dict[str, ev.ChildSubmitted] = {}
        self.executed: dict[str, int] = {}

    def record(self, event: ev.Event) -> None:
        if isinstance(event, ev.ChildSubmitted):
            self.sent[event.child_id] = event
        elif isinstance(event, ev.ChildFilled):
            self.executed[event.child_id] = self.executed.get(event.child_id, 0) + event.quantity

    def __call__(self, child_id: ChildId) -> tuple[ev.ChildSubmitted, int] | None:
        sent = self.sent.get(child_id)
        return None if sent is None else (sent, self.executed.get(child_id, 0))


def flow(start: int) -> list[ev.Event]:
    """Children submitted, acknowledged, partly and fully filled, rejected and canceled, from `start` on."""
    t = DAY0 + start * S
    return [
        submitted(f"A{start}", 300, t), ev.ChildAccepted(t + 200_000, ChildId(f"A{start}"), "V"),
        fill(f"A{start}", 100, "190.00", "-0.10", t + S),
        submitted(f"B{start}", 500, t + 2 * S), ev.ChildRejected(t + 2 * S, ChildId(f"B{start}"), "no"),
        submitted(f"C{start}", 200, t + 3 * S), fill(f"C{start}", 200, "190.01", "0.06", t + 4 * S),
    ]


def test_a_restart_between_two_snapshots_folds_the_journal_past_the_last_one(tmp_path: Path) -> None:
    """A kill -9 after the last scorecard snapshot: the restart folds what the journal holds past the
    snapshot's position, exactly once, including fills of children sent before it. The journal is real;
    the events are journaled before the feed sees them, as the engine does."""
    journal = Journal(tmp_path / "journal.db")
    orders = _Orders()
    live, clock, mid = feed_with(ScorecardStore(tmp_path / "card.db"), journal)
    mid.value = None  # no markouts in this test: they need the mids of the span

    def happen(events: list[ev.Event]) -> None:
        for event in events:
            journal.append([event])
            orders.record(event)
            live.on_event(event)

    happen(flow(0))
    live.start()
    clock.advance(31 * S)  # the flush timer: a snapshot with the journal's position
    live.close()  # (the snapshot on disk; the feed is not used after)
    late = [fill("A0", 200, "190.02", "-0.20", DAY0 + 40 * S), *flow(41)]  # A0 was sent before the snapshot
    happen(late)  # ... and the process dies here: no further snapshot
    expected = {key: stats.copy() for key, stats in live.scorecard.today.items()}

    def restart() -> ScorecardFeed:
        store = ScorecardStore(tmp_path / "card.db")
        history, today = store.load(clock_day(DAY0), 5.0, 30)
        return ScorecardFeed(Scorecard(dict(history), dict(today)), clock, Mid(), store, journal=journal)

    restarted = restart()
    assert restarted.scorecard.today != expected  # the snapshot lacks the span
    assert restarted.catch_up(orders) == len(late)
    clock.advance(61 * S)  # no markouts of the span's fills are taken at today's mid, long after them
    assert restarted.scorecard.today == expected
    restarted.close()  # a clean stop writes a snapshot at the journal's end: the next start folds nothing
    again = restart()
    assert again.catch_up(orders) == 0 and again.scorecard.today == expected
    journal.close()


def test_a_snapshot_of_another_journal_or_day_folds_nothing(tmp_path: Path) -> None:
    first = Journal(tmp_path / "day1.db")
    feed, clock, _ = feed_with(ScorecardStore(tmp_path / "card.db"), first)
    for event in flow(0):
        first.append([event])
        feed.on_event(event)
    feed.close()
    second = Journal(tmp_path / "day2.db")  # another journal (a new day's file, or this one started again)
    for event in flow(50):
        second.append([event])
    store = ScorecardStore(tmp_path / "card.db")
    restarted = ScorecardFeed(Scorecard(), clock, None, store, journal=second)
    assert restarted.catch_up(_Orders()) == 0
    assert store.folded(clock_day(DAY0)) is not None  # today's snapshot is there, of the other journal
    assert store.folded(clock_day(DAY0) + dt.timedelta(days=1)) is None  # and it is yesterday's tomorrow
    first.close()
    second.close()


def test_a_busted_execution_is_unlearned_with_its_fee() -> None:
    """A venue busts an execution: the shares and the fee (here a rebate) come off the row they were learned
    in; without the order store to look the execution up, the scorecard keeps what it learned."""
    feed, _, mid = feed_with()
    mid.value = None
    sent = submitted("C1", 400)
    booked = fill("C1", 300, "190.00", "-0.30", DAY0 + S)
    feed.fills = lambda venue, fill_id: (
        (FillView(booked.fill_id, booked.child_id, booked.parent_id, booked.venue, booked.symbol, booked.side,
                  booked.quantity, booked.price, booked.fee, booked.liquidity, booked.ts_ns, True), sent)
        if (venue, fill_id) == (LIT1, booked.fill_id) else None)
    feed.on_event(sent)
    feed.on_event(booked)
    feed.on_event(fill("C1", 100, "190.01", "0.10", DAY0 + 2 * S))
    feed.on_event(ev.ChildFillBusted(DAY0 + 3 * S, "B1", booked.fill_id, ChildId("C1"), LIT1, "busted"))
    key = ScoreKey(LIT1, "limit", size_bucket(400))
    stats = feed.scorecard.today[key]
    assert (stats.shares_filled, stats.rebates_earned, stats.fees_paid) == (100, Decimal(0), Decimal("0.10"))
    feed.fills = None
    feed.on_event(ev.ChildFillBusted(DAY0 + 4 * S, "B2", FillId("unknown"), ChildId("C1"), LIT1, "busted"))
    assert feed.scorecard.today[key].shares_filled == 100


def test_adding_sums_adds_every_field_scaled_by_the_weight() -> None:
    """A field that `VenueStats.add` forgets (it names each one) fails here."""
    from dataclasses import fields

    from engine.routing.scorecard import VenueStats

    one = VenueStats(**{f.name: (Decimal(1) if f.name in ("fees_paid", "rebates_earned") else 1.0)
                        for f in fields(VenueStats)})
    total = VenueStats()
    total.add(one)
    total.add(one, 0.5)
    assert all(getattr(total, f.name) == Decimal("1.5") for f in fields(VenueStats))


def test_an_estimate_reads_history_and_today_together() -> None:
    card = Scorecard()
    key = ScoreKey(LIT1, "limit", size_bucket(300))
    card.history[key] = card.stats(key)
    card.history[key].orders, card.history[key].shares_sent, card.history[key].shares_filled = 10, 3_000, 3_000
    card.today.clear()
    assert card.estimate(LIT1, "limit", 300).orders == 10
    today = card.stats(key)
    today.orders, today.shares_sent = 10, 3_000
    both = card.estimate(LIT1, "limit", 300)
    assert both.orders == 20
    assert both.fill_rate < card.combined(key).shares_filled / 3_000
    assert card.history[key].orders == 10 and card.today[key].orders == 10  # reading changed neither
