"""Basket import: CSV and spreadsheet paste, every bad row listed with its line and reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model import Side, TicketId
from engine.tickets import RowError, TicketBook, parse_basket

from .conftest import INSTRUMENTS

ALGOS = {"VWAP", "TWAP", "POV", "IS"}
DAY = 20_000 * 86_400_000_000_000
NS = 1_000_000_000


def test_a_good_csv_becomes_validated_rows() -> None:
    text = (
        "account,symbol,side,quantity,limit,algo,urgency,start,end\n"
        "ACC1,AAPL,BUY,1000,10.05,VWAP,HIGH,09:45,15:30\n"
        "ACC2,msft,s,200,,twap,,10:00:30,\n"
    )
    result = parse_basket(text, INSTRUMENTS, ALGOS, day_start_ns=DAY)
    assert result.ok and result.delimiter == ","
    first, second = result.rows
    assert (first.line_no, first.account, first.symbol) == (2, "ACC1", "AAPL")
    assert (first.side, first.quantity) == (Side.BUY, 1000)
    assert (first.limit_price, first.algo, first.urgency) == (Decimal("10.05"), "VWAP", "HIGH")
    assert (first.start_ns, first.end_ns) == (DAY + (9 * 3600 + 45 * 60) * NS, DAY + (15 * 3600 + 30 * 60) * NS)
    assert (second.symbol, second.side, second.limit_price, second.algo, second.urgency) == (
        "MSFT",
        Side.SELL,
        None,
        "TWAP",
        "MEDIUM",
    )
    assert (second.start_ns, second.end_ns) == (DAY + (10 * 3600 + 30) * NS, None)


def test_a_spreadsheet_paste_is_tab_separated_with_aliases_and_formatting() -> None:
    text = (
        "\ufeffAcct\tTicker\tB/S\tQty\tPx\tStrategy\tStart Time\tEnd_Time\tNotes\n"
        "ACC1\tAAPL\tB\t1,000\t$10.05\tvwap\t09:30\t16:00\tfor client X\r\n"
        "ACC1\tAAPL\tSell\t2000.0\tMKT\tPOV\t\t\t\t\t\n"
        "\t\t\t\t\t\t\t\t\n"
    )
    result = parse_basket(text, INSTRUMENTS, ALGOS)
    assert result.ok, result.errors
    assert result.delimiter == "\t" and result.ignored_columns == ("Notes",)
    assert [(r.side, r.quantity, r.limit_price) for r in result.rows] == [
        (Side.BUY, 1000, Decimal("10.05")),
        (Side.SELL, 2000, None),
    ]


BAD = (
    "account,symbol,side,quantity,limit,algo,urgency,start,end\n"  # 1
    "ACC1,AAPL,BUY,1000,10.05,VWAP,,,\n"  # 2 good
    ",AAPL,BUY,1000,,VWAP,,,\n"  # 3 no account
    "ACC1,ZZZZ,BUY,1000,,VWAP,,,\n"  # 4 unknown symbol
    "ACC1,AAPL,HOLD,1000,,VWAP,,,\n"  # 5 bad side
    "ACC1,AAPL,BUY,150,,VWAP,,,\n"  # 6 not whole lots
    "ACC1,AAPL,BUY,-100,,VWAP,,,\n"  # 7 negative
    "ACC1,AAPL,BUY,ten,,VWAP,,,\n"  # 8 not a number
    "ACC1,AAPL,BUY,1000,10.001,VWAP,,,\n"  # 9 off tick
    "ACC1,AAPL,BUY,1000,0,VWAP,,,\n"  # 10 non-positive limit
    "ACC1,AAPL,BUY,1000,,SNIPER,,,\n"  # 11 unknown algo
    "ACC1,AAPL,BUY,1000,,VWAP,ASAP,,\n"  # 12 unknown urgency
    "ACC1,AAPL,BUY,1000,,VWAP,,9h30,\n"  # 13 bad time format
    "ACC1,AAPL,BUY,1000,,VWAP,,12:00,11:00\n"  # 14 end before start
    "ACC1,AAPL,BUY,1000,,VWAP,,08:00,\n"  # 15 before the open
    "ACC1,AAPL,BUY,1000,,VWAP,,,25:00\n"  # 16 not a time of day
    "\n"  # 17 blank: skipped
    "ACC1,AAPL,SELL,500,,TWAP,,,,EXTRA\n"  # 18 extra cell
    'ACC1,AAPL,BUY,"1,000",,VWAP,LOW,,\n'  # 19 good (quoted thousands)
)


@pytest.mark.parametrize(
    ("line_no", "column", "reason"),
    [
        (3, "account", "account is empty"),
        (4, "symbol", "unknown symbol 'ZZZZ'"),
        (5, "side", "side must be BUY, SELL, B or S, got 'HOLD'"),
        (6, "quantity", "not whole lots of 100"),
        (7, "quantity", "must be positive"),
        (8, "quantity", "whole number of shares, got 'ten'"),
        (9, "limit", "not on the AAPL tick of 0.01"),
        (10, "limit", "positive price"),
        (11, "algo", "unknown algo 'SNIPER'"),
        (12, "urgency", "unknown urgency 'ASAP'"),
        (13, "start", "HH:MM or HH:MM:SS"),
        (14, "end", "end 11:00 is not after start 12:00"),
        (15, "start", "outside the session 09:30-16:00"),
        (16, "end", "not a time of day"),
        (18, "row", "10 cells but the header has 9 columns"),
    ],
)
def test_each_bad_row_is_listed_with_its_line_and_reason(line_no: int, column: str, reason: str) -> None:
    result = parse_basket(BAD, INSTRUMENTS, ALGOS)
    matching = [e for e in result.errors if e.line_no == line_no]
    assert len(matching) == 1, matching
    assert matching[0].column == column and reason in matching[0].reason


def test_good_rows_are_kept_and_nothing_is_half_imported() -> None:
    result = parse_basket(BAD, INSTRUMENTS, ALGOS)
    assert not result.ok
    assert [r.line_no for r in result.rows] == [2, 19]
    assert {e.line_no for e in result.errors} == set(range(3, 17)) | {18}
    # The caller submits the good rows in one atomic call.
    tickets = [row.to_ticket(TicketId(f"K{n}"), n) for n, row in enumerate(result.rows)]
    joined, rejected = TicketBook(INSTRUMENTS).add_tickets(tickets)
    assert len(joined) == 2 and not rejected


def test_a_row_with_several_problems_lists_them_all() -> None:
    text = "account,symbol,side,quantity,algo\n,ZZZ,UP,abc,NOPE\n"
    errors = parse_basket(text, INSTRUMENTS, ALGOS).errors
    assert [e.column for e in errors] == ["account", "symbol", "side", "quantity", "algo"]
    assert str(errors[0]) == "line 2, account: account is empty"


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("symbol,side,quantity,algo\nAAPL,B,100,VWAP\n", "account", "required column 'account' is missing"),
        ("account,symbol,side,qty,quantity,algo\n", "quantity", "appears twice"),
        ("", "header", "the basket is empty"),
        ("account,symbol,side,quantity,algo\n", "header", "no rows"),
    ],
)
def test_a_bad_header_rejects_the_whole_basket(text: str, column: str, reason: str) -> None:
    result = parse_basket(text, INSTRUMENTS, ALGOS)
    assert result.rows == () and len(result.errors) >= 1
    assert result.errors[0].line_no == 1 and column in result.errors[0].column and reason in result.errors[0].reason


def test_algo_column_may_be_omitted_with_a_default() -> None:
    result = parse_basket("account,symbol,side,quantity\nA,AAPL,B,100\n", INSTRUMENTS, ALGOS, default_algo="vwap")
    assert result.ok and result.rows[0].algo == "VWAP"


def test_line_numbers_are_physical_lines_even_with_quoted_newlines() -> None:
    text = 'account,symbol,side,quantity,algo\n"multi\nline",AAPL,B,100,VWAP\nA,AAPL,B,150,VWAP\n'
    result = parse_basket(text, INSTRUMENTS, ALGOS)
    assert result.errors == (RowError(4, "quantity", "quantity 150 is not whole lots of 100"),)
    assert result.rows[0].line_no == 2


def test_semicolon_csv_and_cross_column() -> None:
    text = "account;symbol;side;quantity;algo;cross\nA;AAPL;B;100;VWAP;N\nA;AAPL;B;100;VWAP;maybe\n"
    result = parse_basket(text, INSTRUMENTS, ALGOS)
    assert result.delimiter == ";" and result.rows[0].allow_cross is False
    assert result.errors[0].line_no == 3 and result.errors[0].column == "cross"


@pytest.mark.parametrize(("cell", "column", "reason"), [
    ("quantity=1E999999", "quantity", "quantity must be at most 1,000,000,000,000 shares, got '1E999999'"),  # 29 s
    ("quantity=1E999999999", "quantity", "quantity must be at most 1,000,000,000,000 shares"),  # never ended
    ("quantity=-1E999999", "quantity", "quantity must be positive, got '-1E999999'"),
    ("quantity=1E+13", "quantity", "quantity must be at most 1,000,000,000,000 shares"),
    ("quantity=0E+100", "quantity", "quantity must be positive, got '0E+100'"),
    ("quantity=1E-999999999", "quantity", "quantity must be a whole number of shares"),
    ("quantity=" + "9" * 5000, "quantity", "quantity must be a number of at most 32 characters"),
    ("limit=" + "1" * 100_000, "limit", "limit must be a price of at most 32 characters"),
    ("limit=1E-999999999", "limit", "limit 1E-999999999 is not on the AAPL tick of 0.01"),  # was a good row
    ("limit=1E999999999", "limit", "limit 1E999999999 is not on the AAPL tick of 0.01"),
])
def test_hostile_numbers_in_a_basket_are_refused_naming_the_cell_in_bounded_work(
    cell: str, column: str, reason: str
) -> None:
    values = {"quantity": "500", "limit": "189.30"}
    name, _, text = cell.partition("=")
    values[name] = text
    csv_text = ("account,symbol,side,quantity,limit,algo\n"
                f"PM1,AAPL,BUY,{values['quantity']},{values['limit']},VWAP\nPM1,AAPL,BUY,300,,VWAP\n")
    result = parse_basket(csv_text, INSTRUMENTS, ALGOS)
    [error] = result.errors
    assert (error.line_no, error.column) == (2, column) and reason in error.reason, error
    assert [r.line_no for r in result.rows] == [3]  # the good row beside it is kept
