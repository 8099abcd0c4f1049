"""TCA from a hand-built journal file and recorded tape, with every expected figure worked out by hand; the
CSV and HTML exports show the same numbers."""

from __future__ import annotations

import datetime as dt
import html as html_text
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.clock import NS_PER_S
from engine.journal import Journal
from engine.model import ChildId, FillId, Liquidity, OrdType, ParentId, Side, Symbol, TicketId, TimeInForce, VenueId
from engine.tca.export import read_csv_tables, to_csv, to_html
from engine.tca.report import ReportError, build_report
from engine.tca.tape_recorder import MarketTapeRecorder

D = Decimal
DAY = (dt.date(2026, 1, 5) - dt.date(1970, 1, 1)).days * 86_400 * NS_PER_S
T0 = DAY + 10 * 3600 * NS_PER_S
S = NS_PER_S
XYZ, LIT1, P1, T1, C1 = Symbol("XYZ"), VenueId("LIT1"), ParentId("P000001"), TicketId("T000001"), ChildId("C0000001")


def book(at: int, bid: str, ask: str) -> ev.BookUpdated:
    return ev.BookUpdated(at, LIT1, XYZ, ((D(bid), 500),), ((D(ask), 500),))


def trade(at: int, price: str, quantity: int) -> ev.TradePrinted:
    return ev.TradePrinted(at, LIT1, XYZ, D(price), quantity, None)


def write_day(path: Path) -> None:
    """Buy 1,000 XYZ, arrival mid 10.00; first sent when the mid was 10.01; 600 filled at 10.03 (fee 0.30);
    expired at +60 s with the mid at 10.06. Market: 2,000 at 9.90 an hour before, 1,000 at 10.00 (+1 s),
    1,000 at 10.04 (+2 s), 1,000 at 10.20 (+120 s, the day's last trade)."""
    journal = Journal(path)
    tape = MarketTapeRecorder(journal.ledger.conn)
    for event in (trade(T0 - 3600 * S, "9.90", 2000), book(T0 - S, "9.99", "10.01"), book(T0 + S, "10.00", "10.02"),
                  trade(T0 + S, "10.00", 1000), trade(T0 + 2 * S, "10.04", 1000), book(T0 + 30 * S, "10.05", "10.07"),
                  trade(T0 + 120 * S, "10.20", 1000)):
        tape.on_market(event)
    tape.flush()
    decided = ev.ChildDecided(T0 + S, "D0000001", P1, "TWAP", ev.DecisionReason.PASSIVE_SLICE, "passive", 600,
                              D("10.00"), 0, 0, 0, D("10.00"), D("10.02"), 500, 500, "passive: best price", (
                                  (LIT1, D("10.00"), 500, 600, 0.0),), "rest 600 at 10.00 on LIT1", (C1,))
    journal.append([
        ev.TicketAccepted(T0, T1, "DESK", "gui", "", XYZ, Side.BUY, 1000, None, "TWAP", "MEDIUM", None, T0 + 60 * S, (),
                          True, 1),
        ev.ParentAccepted(T0, P1, XYZ, Side.BUY, 1000, None, "TWAP", T0, T0 + 60 * S, D("10.00")),
        ev.TicketJoined(T0, T1, P1, True, 1000),
        decided,
        ev.ChildSubmitted(T0 + S, C1, P1, LIT1, XYZ, Side.BUY, 600, D("10.00"), OrdType.LIMIT, TimeInForce.DAY),
        ev.ChildAccepted(T0 + S, C1, "V1"),
        ev.ChildFilled(T0 + 2 * S, FillId("F1"), C1, P1, LIT1, XYZ, Side.BUY, 600, D("10.03"), D("0.30"),
                       Liquidity.ADDED),
        ev.TicketsAllocated(T0 + 2 * S, P1, "F1", 600, D("10.03"), (T1,), (600,), "fill"),
        ev.ParentExpired(T0 + 60 * S, P1, "end time reached with 400 unfilled"),
    ])
    journal.close()


@pytest.fixture(scope="module")
def day_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tca") / "journal.db"
    write_day(path)
    return path


def rows_by_order(day_db: Path) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    report = build_report(day_db)
    shortfall, benchmarks = report.summary
    return ({r[0]: dict(zip(shortfall.columns, r, strict=True)) for r in shortfall.rows},
            {r[0]: dict(zip(benchmarks.columns, r, strict=True)) for r in benchmarks.rows})


def test_parent_and_ticket_figures_worked_by_hand(day_db: Path) -> None:
    shortfall, benchmarks = rows_by_order(day_db)
    for order in ("P000001", "T000001"):
        row = shortfall[order]
        assert (row["Filled"], row["Avg px"], row["Arrival mid"]) == ("600", "10.0300", "10.0000")
        assert row["Delay"] == "-6.00"  # (10.00 - 10.01) x 600 = -6.00 of 10,000
        assert row["Execution"] == "-12.00"  # 10.01 x 600 - 6,018
        assert row["Opportunity"] == "-24.00"  # (10.00 - 10.06) x 400
        assert row["Fees"] == "-0.30"
        assert row["IS"] == "-42.30"
        bench = benchmarks[order]
        assert bench["vs interval VWAP"] == "-9.98"  # interval VWAP 10.02: (10.02 - 10.03) / 10.02
        assert bench["vs day VWAP"] == "-21.98"  # day VWAP 50,040 / 5,000 = 10.008
        assert bench["vs close"] == "+166.67"  # the day's last trade, 10.20
        assert bench["Participation %"] == "30.00"  # 600 of the 2,000 traded in the window
        assert bench["Spread capture"] == "-19.98"  # paid 2 cents over the mid 10.01 (the ask was 10.02)
        assert bench["Markout 1s"] == "-19.94"  # mid 10.01 a second later, against 10.03
        assert bench["Markout 60s"] == "+29.91"  # mid 10.06 a minute later


def test_the_schedule_split_adds_up_to_the_arrival_slippage(day_db: Path) -> None:
    report = build_report(day_db, parent_ids=["P000001"])
    _, benchmarks = report.summary
    row = dict(zip(benchmarks.columns, benchmarks.rows[0], strict=True))
    # arrival slippage on the 600 filled: (10.00 - 10.03) / 10.00 = -30.00 bps = schedule + execution
    assert float(row["Schedule"]) + float(row["Execution vs schedule"]) == pytest.approx(-30.0, abs=0.011)


def test_the_child_table_names_the_decision_and_the_benchmark(day_db: Path) -> None:
    report = build_report(day_db, parent_ids=["P000001"])
    children = next(t for t in report.tables() if t.key == "P000001-children")
    row = dict(zip(children.columns, children.rows[0], strict=True))
    assert (row["Child"], row["Venue"], row["Type"], row["Qty"], row["Reason"], row["Filled"]) == (
        "C0000001", "LIT1", "LIMIT DAY", "600", "passive slice", "600")
    assert (row["Benchmark"], row["Bench px"], row["bps"]) == ("VWAP", "10.0400", "+9.96")  # (10.04 - 10.03) / 10.04


def test_csv_and_html_carry_the_same_numbers(day_db: Path) -> None:
    report = build_report(day_db)
    tables = read_csv_tables(to_csv(report))
    html = to_html(report)
    assert set(tables) == {t.key for t in report.tables()}
    for table in report.tables():
        assert tables[table.key] == [list(table.columns), *map(list, table.rows)]
        for row in table.rows:
            for cell in filter(None, row):
                assert f">{html_text.escape(cell)}</td>" in html, (table.key, cell)


def test_a_day_without_parents_and_an_unknown_parent_are_refused_with_the_reason(day_db: Path) -> None:
    with pytest.raises(ReportError, match="no parent was accepted on 2026-01-06"):
        build_report(day_db, date="2026-01-06")
    with pytest.raises(ReportError, match="no parent P9"):
        build_report(day_db, parent_ids=["P9"])
    with pytest.raises(ReportError, match="YYYY-MM-DD"):
        build_report(day_db, date="5 Jan")
    assert build_report(day_db, date="2026-01-05").scope.startswith("every parent of 2026-01-05: 1 parent(s)")


def test_a_journal_without_a_tape_still_reports_what_the_journal_knows(tmp_path: Path, day_db: Path) -> None:
    bare = tmp_path / "bare.db"
    write_day(bare)
    journal = Journal(bare)
    journal.ledger.conn.execute("DROP TABLE market_tape")
    journal.close()
    report = build_report(bare, parent_ids=["P000001"])
    assert "no market tape" in report.scope
    shortfall, benchmarks = report.summary
    row = dict(zip(shortfall.columns, shortfall.rows[0], strict=True))
    assert (row["Delay"], row["Execution"], row["Fees"]) == ("-6.00", "-12.00", "-0.30")  # journal only
    assert row["Opportunity"] == "" and row["IS"] == ""  # the mid at the end is unknown without a tape
    bench = dict(zip(benchmarks.columns, benchmarks.rows[0], strict=True))
    assert bench["vs interval VWAP"] == "" and bench["Spread capture"] == "-19.98"  # the decision's quote
