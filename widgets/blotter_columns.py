"""The blotters' columns: what each shows, how it reads a row, aligns, colours and sorts.

Prices show their symbol's tick precision, averages and mids a few decimals more (`formatting.PRICES`).
"""

from __future__ import annotations

import operator
from typing import Any

from PySide6.QtGui import QColor

from widgets import formatting as fmt
from widgets import theme
from widgets.blotter_actions import FINISHED as _FINISHED
from widgets.columns import RIGHT, Column

_TIME = "00:00:00.000"
_PRICE = "00000.0000"
_QTY = "00,000,000"


def _side_color(row: Any) -> QColor | None:
    return theme.side_color(row.side.name)


def _status_color(row: Any) -> QColor | None:
    name = getattr(row.status, "name", row.status)  # ticket rows may carry a plain string
    if name == "FILLED":
        return theme.OK
    if name == "REJECTED":
        return theme.ERROR
    if name in _FINISHED:
        return theme.MUTED
    return None


def _slippage_color(row: Any) -> QColor | None:
    bps = row.arrival_slippage_bps
    if bps is None or bps == 0:
        return None
    return theme.OK if bps > 0 else theme.ERROR


def _paused_color(row: Any) -> QColor | None:
    return theme.WARN if row.paused else None


def _busted_color(row: Any) -> QColor | None:
    return theme.ERROR if row.busted else None


def _qty(header: str, attribute: str, tooltip: str = "") -> Column:
    return Column.attr(header, attribute, fmt.integer, RIGHT, tooltip=tooltip, sample=_QTY)


def _first(cell: object) -> object:
    return cell[0] if isinstance(cell, tuple) else None


def _price(header: str, attribute: str, tooltip: str = "", *, average: bool = False, default: bool = False) -> Column:
    """A price at its symbol's tick precision (`fmt.PRICES`); `average`: averages and mids get the extra
    decimals averaging needs. The cell value is (price, symbol); it sorts by the price."""
    read = operator.attrgetter(attribute)

    def value(row: Any) -> tuple[object, str]:
        return (getattr(row, attribute, None) if default else read(row)), row.symbol

    def text(cell: object) -> str:
        price, symbol = cell if isinstance(cell, tuple) else (cell, "")
        return fmt.PRICES.average(symbol, price) if average else fmt.PRICES.price(symbol, price)

    return Column(header, value, text, RIGHT, _first, None, tooltip or header, _PRICE)


def _time(header: str, attribute: str, tooltip: str = "") -> Column:
    return Column.attr(header, attribute, fmt.time_of_day, RIGHT, tooltip=tooltip, sample=_TIME)


def _side() -> Column:
    return Column.attr("Side", "side", fmt.enum_name, foreground=_side_color, sample="SELL")


def _status() -> Column:
    return Column.attr("Status", "status", fmt.enum_name, foreground=_status_color, sample="PARTIALLY FILLED")


PARENT_COLUMNS: tuple[Column, ...] = (
    Column.attr("Id", "parent_id", sample="P-000000"),
    Column.attr("Symbol", "symbol", sample="MSFT.X"),
    _side(),
    _qty("Qty", "quantity", "Ordered quantity"),
    _qty("Filled", "cum_qty", "Cumulative filled quantity"),
    Column.attr("Filled %", "filled_pct", fmt.percent, RIGHT, sample="100.0%"),
    _qty("Leaves", "leaves_qty", "Quantity still to execute"),
    _price("Avg px", "avg_price", "Average fill price", average=True),
    _price("Limit", "limit_price", "Limit price (empty: none)"),
    _price("Arrival", "arrival_mid", "Mid price when the order arrived", average=True),
    Column.attr(
        "Slip (bps)",
        "arrival_slippage_bps",
        fmt.bps,
        RIGHT,
        foreground=_slippage_color,
        tooltip="Slippage against arrival mid in basis points; positive = better than arrival",
        sample="+000.0",
    ),
    Column.attr("Algo", "algo", sample="VWAP"),
    _status(),
    Column.optional("Tickets", "tickets", fmt.integer, RIGHT, tooltip="Tickets aggregated into this parent",
                    sample="0,000"),
    Column.optional("Netted", "netted_qty", fmt.integer, RIGHT,
                    tooltip="Quantity matched internally against opposing tickets (never sent to market)",
                    sample=_QTY),
    _qty("Working", "working_qty", "Quantity resting at venues now"),
    _time("Start", "start_ns"),
    _time("End", "end_ns"),
    Column.attr("Paused", "paused", fmt.yes_no, foreground=_paused_color, sample="Paused"),
)

CHILD_COLUMNS: tuple[Column, ...] = (
    Column.attr("Id", "child_id", sample="C-0000000"),
    Column.attr("Parent", "parent_id", sample="P-000000"),
    Column.attr("Venue", "venue", sample="VENUE"),
    Column.attr("Symbol", "symbol", sample="MSFT.X"),
    _side(),
    _qty("Qty", "quantity"),
    _price("Price", "price", "Limit price (empty: market)"),
    Column.attr("Type", "ord_type", fmt.enum_name, sample="MARKET"),
    Column.attr("TIF", "tif", fmt.enum_name, sample="DAY"),
    _status(),
    _qty("Filled", "cum_qty"),
    _qty("Leaves", "leaves_qty"),
    _price("Avg px", "avg_price", average=True),
    _time("Sent", "created_ns"),
    _time("Updated", "updated_ns"),
    Column.attr("Text", "text", sample="venue message"),
)

FILL_COLUMNS: tuple[Column, ...] = (
    _time("Time", "ts_ns"),
    Column.attr("Bust", "busted", lambda busted: "BUSTED" if busted else "", foreground=_busted_color,
                tooltip="The venue canceled this execution afterwards (trade bust or correction)", sample="BUSTED"),
    Column.attr("Fill", "fill_id", sample="F-0000000"),
    Column.attr("Parent", "parent_id", sample="P-000000"),
    Column.attr("Child", "child_id", sample="C-0000000"),
    Column.attr("Venue", "venue", sample="VENUE"),
    Column.attr("Symbol", "symbol", sample="MSFT.X"),
    _side(),
    _qty("Qty", "quantity"),
    _price("Price", "price"),
    Column.attr("Fee", "fee", fmt.decimal, RIGHT, sample=_PRICE),
    Column.attr("Liquidity", "liquidity", fmt.enum_name, sample="REMOVED"),
)



def _allocated_pct(row: Any) -> float:
    requested: int = row.requested
    return 100.0 * row.allocated / requested if requested else 0.0


def ticket_parent(row: Any) -> str:
    """A ticket's parent id ("" until it joins one)."""
    return row.parent_id or ""


TICKET_COLUMNS: tuple[Column, ...] = (
    Column.optional("Time", "created_ns", fmt.time_of_day, RIGHT, tooltip="When the ticket arrived", sample=_TIME),
    Column.attr("Ticket", "ticket_id", sample="T-0000000"),
    Column("Parent", ticket_parent, tooltip="Parent order working this ticket (empty: not yet)", sample="P-000000"),
    Column.attr("Account", "account", sample="ACCOUNT-1"),
    Column.attr("Source", "source", tooltip="Where the ticket came from: gui, basket, FIX:<client>", sample="FIX:OMS1"),
    Column.attr("Symbol", "symbol", sample="MSFT.X"),
    _side(),
    _qty("Requested", "requested", "Quantity the client asked for"),
    _price("Limit", "limit_price", "The ticket's limit price as it stands (empty: market)", default=True),
    _qty("Allocated", "allocated", "Quantity allocated to this ticket so far (fills and crosses)"),
    Column("Alloc %", _allocated_pct, fmt.percent, RIGHT, tooltip="Allocated / requested", sample="100.0%"),
    _price("Avg px", "avg_price", "Average price of the ticket's allocations (the parent's average)", average=True),
    Column.optional("Crossed", "crossed", fmt.integer, RIGHT, default=0,
                    tooltip="Quantity filled by internal crossing at the mid", sample=_QTY),
    _status(),
    Column.optional("Text", "text", default="", sample="reason or message"),
)
