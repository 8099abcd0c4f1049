"""The audit trail: every child carries the decision that sent it, journaled with it; the trail of a parent or
a ticket reads back from the journal file in order, filterable and exportable."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from app.config import load_config
from app.demo import run_demo
from app.wiring import build_engine, market_start_ns, open_journal
from engine import events as ev
from engine.audit import AuditError, audit_trail, filter_rows, to_csv
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ParentId, Side, Symbol, TimeInForce, VenueId
from engine.pipeline.venue_gateway import UndecidedChild


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("audit") / "demo.db"
    run_demo(90, seed=5, db=str(db))
    return db


def test_every_child_follows_the_decision_that_lists_it(demo_db: Path) -> None:
    records = [r for r in Journal(demo_db).replay() if isinstance(r, ev.Event)]
    decided: ev.ChildDecided | None = None
    expected: list[str] = []
    submitted = 0
    for record in records:
        if isinstance(record, ev.ChildDecided):
            assert not expected, f"decision {decided and decided.decision_id} left children unsent: {expected}"
            decided, expected = record, list(record.child_ids)
        elif isinstance(record, ev.ChildSubmitted):
            assert decided is not None and expected and record.child_id == expected.pop(0), (
                f"{record.child_id} was sent without the decision that explains it")
            assert record.parent_id == decided.parent_id and record.ts_ns == decided.ts_ns
            submitted += 1
        elif expected and not isinstance(record, ev.ChildSubmitted):
            pytest.fail(f"{type(record).__name__} between decision {decided and decided.decision_id} and its children")
    assert submitted > 20
    reasons = {r.reason for r in records if isinstance(r, ev.ChildDecided)}
    assert {ev.DecisionReason.PASSIVE_SLICE, ev.DecisionReason.CATCH_UP_SWEEP} <= reasons


def test_a_decision_records_the_schedule_the_market_and_the_route(demo_db: Path) -> None:
    records = list(Journal(demo_db).replay())
    decisions = [r for r in records if isinstance(r, ev.ChildDecided)]
    sent = {r.child_id: r.quantity for r in records if isinstance(r, ev.ChildSubmitted)}
    for d in decisions:
        assert d.algo == "TWAP" and d.target_qty is not None and d.filled_qty >= 0
        assert d.bid is not None and d.ask is not None and d.bid_size > 0 and d.ask_size > 0  # may be locked
        assert d.ranking and all(sent[c] > 0 for c in d.child_ids)  # what the router sent is its own business
        assert d.route_note and d.policy  # the policy names itself (the router grows its own)
    sweeps = [d for d in decisions if d.kind == "sweep"]
    assert sweeps and all(d.limit_price is not None for d in sweeps)


def test_the_trail_of_a_parent_is_in_journal_order_and_explains_every_child(demo_db: Path) -> None:
    rows = audit_trail(demo_db, parent_id="P000001")
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    assert {"ticket", "aggregation", "parent", "decision", "route", "child", "ack", "fill", "allocation"} <= {
        r.category for r in rows}
    explained: set[str] = set()
    for row in rows:
        if row.category == "decision":
            explained.update(word.strip(",;") for word in row.text.split() if word.startswith("C"))
        if row.category == "child":
            assert row.order_id in explained, f"{row.order_id} sent before any decision naming it"
    children = {r.order_id for r in rows if r.category == "child"}
    assert children and all(r.order_id in children for r in rows if r.category in ("ack", "fill"))


def test_the_trail_of_a_ticket_includes_its_parent_and_nothing_of_other_parents(demo_db: Path) -> None:
    rows = audit_trail(demo_db, ticket_id="T000002")
    assert rows[0].record == "TicketAccepted" and rows[0].order_id == "T000002"
    assert {r.order_id for r in rows if r.category == "decision"} == {"P000002"}


def test_filters_and_csv_export(demo_db: Path) -> None:
    rows = audit_trail(demo_db, parent_id="P000001")
    fills = filter_rows(rows, categories=["fill"])
    assert fills and all(r.category == "fill" for r in fills)
    first_child = next(r.order_id for r in rows if r.category == "child")
    assert all(first_child in f"{r.order_id} {r.text}" for r in filter_rows(rows, first_child))
    parsed = list(csv.reader(io.StringIO(to_csv(fills))))
    assert parsed[0] == ["seq", "time", "ts_ns", "category", "record", "order", "text"]
    assert len(parsed) == len(fills) + 1 and {p[3] for p in parsed[1:]} == {"fill"}


def test_an_unknown_order_is_refused(demo_db: Path) -> None:
    with pytest.raises(AuditError, match="no parent P999999"):
        audit_trail(demo_db, parent_id="P999999")
    with pytest.raises(AuditError, match="one parent id or one ticket id"):
        audit_trail(demo_db)


def test_no_child_can_be_sent_without_a_decision_that_lists_it(engine: Engine) -> None:
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=100, limit_price=None, algo="TWAP",
                                  end_ns=engine.clock.now_ns() + 600 * NS_PER_S)
    assert result.parent_id is not None
    other = ev.ChildDecided(0, "D0", result.parent_id, "TWAP", ev.DecisionReason.PASSIVE_SLICE, "passive", 100,
                            Decimal("100.00"), 0, 0, 0, None, None, 0, 0, "", (), "", ())
    with engine.turn(), pytest.raises(UndecidedChild, match="not listed by decision D0"):
        engine.gateway.submit(other, engine.gateway.next_id(), result.parent_id, VenueId("LIT1"), Symbol("AAPL"),
                              Side.BUY, 100, Decimal("100.00"), TimeInForce.DAY)


def _session(db: Path, start_ns: int | None = None) -> tuple[Engine, VirtualClock, bool]:
    config = replace(load_config(), journal_path=db)
    journal = open_journal(config)
    clock = VirtualClock(start_ns or market_start_ns(config, journal))
    engine = build_engine(config, clock, journal)
    report = engine.recover()
    engine.start()
    return engine, clock, report.from_checkpoint


def test_decisions_survive_a_restart_from_a_checkpoint_and_say_amend_and_recovery(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    engine, clock, _ = _session(db)
    clock.advance(5 * NS_PER_S)
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=6_000, limit_price=None, algo="TWAP",
                                  end_ns=clock.now_ns() + 300 * NS_PER_S, params={"slice_seconds": "10"})
    parent_id = ParentId(str(result.parent_id))
    clock.advance(30 * NS_PER_S)
    amended_at = clock.now_ns()
    assert engine.amend(parent_id, quantity=8_000).ok
    clock.advance(40 * NS_PER_S)
    assert engine.checkpoint() > 0
    before = [r for r in Journal(db).replay() if isinstance(r, ev.ChildDecided)]
    engine.close()

    restarted, clock2, from_checkpoint = _session(db, clock.now_ns() + NS_PER_S)
    assert from_checkpoint
    resumed_at = clock2.now_ns()
    clock2.advance(6 * NS_PER_S)  # the venues' status answers
    assert restarted.resume(parent_id).ok
    clock2.advance(30 * NS_PER_S)
    restarted.close()

    after = [r for r in Journal(db).replay() if isinstance(r, ev.ChildDecided)]
    assert after[:len(before)] == before  # decoded back exactly
    assert any(d.reason is ev.DecisionReason.AMEND for d in before if d.ts_ns >= amended_at)
    first_after_restart = next(d for d in after if d.ts_ns > resumed_at)
    assert first_after_restart.reason is ev.DecisionReason.RECOVERY
    rows = audit_trail(db, parent_id=parent_id)
    children = [r for r in rows if r.category == "child"]
    assert len(children) == len([c for d in after for c in d.child_ids])
    assert any("recovery" in r.text for r in rows if r.category == "decision")
