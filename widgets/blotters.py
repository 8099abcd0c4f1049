"""The blotters: tickets, parent orders, child orders, fills. Column layouts and the parent's actions.

Rows are any objects with the attributes of widgets.rows (the engine's ParentView, ChildView and
FillView fit; ticket rows are built by the app); the blotters never import the engine. Attributes
that not every engine view has (a parent's ticket count, a ticket's crossed quantity) are read with
a default, so older rows still show.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QMenu, QWidget

from widgets import formatting as fmt
from widgets import theme
from widgets.blotter_model import DEFAULT_FLUSH_HZ
from widgets.blotter_view import BlotterView
from widgets.columns import RIGHT, Column
from widgets.rows import ChildRow, FillRow, ParentRow, TicketRow

_FINISHED = frozenset({"FILLED", "CANCELED", "REJECTED", "EXPIRED"})
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


def _qty(header: str, attribute: str, tooltip: str = "") -> Column:
    return Column.attr(header, attribute, fmt.integer, RIGHT, tooltip=tooltip, sample=_QTY)


def _price(header: str, attribute: str, tooltip: str = "") -> Column:
    return Column.attr(header, attribute, fmt.decimal, RIGHT, tooltip=tooltip, sample=_PRICE)


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
    _price("Avg px", "avg_price", "Average fill price"),
    _price("Limit", "limit_price", "Limit price (empty: none)"),
    _price("Arrival", "arrival_mid", "Mid price when the order arrived"),
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
    _price("Avg px", "avg_price"),
    _time("Sent", "created_ns"),
    _time("Updated", "updated_ns"),
    Column.attr("Text", "text", sample="venue message"),
)

FILL_COLUMNS: tuple[Column, ...] = (
    _time("Time", "ts_ns"),
    Column.attr("Fill", "fill_id", sample="F-0000000"),
    Column.attr("Parent", "parent_id", sample="P-000000"),
    Column.attr("Child", "child_id", sample="C-0000000"),
    Column.attr("Venue", "venue", sample="VENUE"),
    Column.attr("Symbol", "symbol", sample="MSFT.X"),
    _side(),
    _qty("Qty", "quantity"),
    _price("Price", "price"),
    _price("Fee", "fee"),
    Column.attr("Liquidity", "liquidity", fmt.enum_name, sample="REMOVED"),
)



def _allocated_pct(row: Any) -> float:
    requested: int = row.requested
    return 100.0 * row.allocated / requested if requested else 0.0


def _ticket_parent(row: Any) -> str:
    return row.parent_id or ""


TICKET_COLUMNS: tuple[Column, ...] = (
    Column.optional("Time", "created_ns", fmt.time_of_day, RIGHT, tooltip="When the ticket arrived", sample=_TIME),
    Column.attr("Ticket", "ticket_id", sample="T-0000000"),
    Column("Parent", _ticket_parent, tooltip="Parent order working this ticket (empty: not yet)", sample="P-000000"),
    Column.attr("Account", "account", sample="ACCOUNT-1"),
    Column.attr("Source", "source", tooltip="Where the ticket came from: gui, basket, FIX:<client>", sample="FIX:OMS1"),
    Column.attr("Symbol", "symbol", sample="MSFT.X"),
    _side(),
    _qty("Requested", "requested", "Quantity the client asked for"),
    Column.optional("Limit", "limit_price", fmt.decimal, RIGHT, default=None,
                    tooltip="The ticket's limit price as it stands (empty: market)", sample=_PRICE),
    _qty("Allocated", "allocated", "Quantity allocated to this ticket so far (fills and crosses)"),
    Column("Alloc %", _allocated_pct, fmt.percent, RIGHT, tooltip="Allocated / requested", sample="100.0%"),
    _price("Avg px", "avg_price", "Average price of the ticket's allocations (the parent's average)"),
    Column.optional("Crossed", "crossed", fmt.integer, RIGHT, default=0,
                    tooltip="Quantity filled by internal crossing at the mid", sample=_QTY),
    _status(),
    Column.optional("Text", "text", default="", sample="reason or message"),
)

_parent_id: Any = operator.attrgetter("parent_id")


class ParentBlotter(BlotterView[ParentRow]):
    """Parent orders. Selecting one emits its id; right-click offers amend, cancel, pause and resume."""

    parent_selected = Signal(str)
    """Id of the parent order now selected ("" when the selection is cleared)."""
    amend_requested = Signal(str)
    cancel_requested = Signal(str)
    pause_requested = Signal(str)
    resume_requested = Signal(str)

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        super().__init__(PARENT_COLUMNS, _parent_id, "parent orders", flush_hz=flush_hz, parent=parent)
        self.selected_key_changed.connect(self.parent_selected)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_context_menu)

    def actions_menu(self, row: int) -> QMenu:
        """The right-click menu for a visible row: Amend / Cancel / Pause / Resume, enabled as they apply."""
        snapshot = self.model.row_at(row)
        parent_id: str = snapshot.parent_id
        live = snapshot.status.name not in _FINISHED
        menu = QMenu(self)
        menu.setTitle(f"Parent {parent_id}")
        self._add_action(menu, "Amend…", parent_id, self.amend_requested, live)
        self._add_action(menu, "Cancel", parent_id, self.cancel_requested, live)
        self._add_action(menu, "Pause", parent_id, self.pause_requested, live and not snapshot.paused)
        self._add_action(menu, "Resume", parent_id, self.resume_requested, live and bool(snapshot.paused))
        return menu

    def _add_action(self, menu: QMenu, text: str, parent_id: str, signal: Any, enabled: bool) -> QAction:
        return _add_action(menu, text, parent_id, signal, enabled)

    def _show_context_menu(self, position: QPoint) -> None:
        _popup(self, position, self.actions_menu)


def _add_action(menu: QMenu, text: str, key: str, signal: Any, enabled: bool) -> QAction:
    action = menu.addAction(f"{text} {key}")
    action.setEnabled(enabled)
    action.triggered.connect(lambda: signal.emit(key))
    return action


def _popup(view: BlotterView[Any], position: QPoint, build: Callable[[int], QMenu]) -> None:
    """Select the row under the cursor and show its actions menu there."""
    index = view.table.indexAt(position)
    if not index.isValid():
        return
    view.table.selectRow(index.row())
    menu = build(index.row())
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(view.table.viewport().mapToGlobal(position))


class TicketBlotter(BlotterView[TicketRow]):
    """Client tickets and how much of each was allocated; can be filtered to one parent order.

    Right-click offers Amend (quantity, limit, end time) and Cancel (what is not yet allocated), emitted as
    `amend_requested(ticket_id)` and `cancel_requested(ticket_id)`.
    """

    amend_requested = Signal(str)
    cancel_requested = Signal(str)

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        super().__init__(
            TICKET_COLUMNS,
            operator.attrgetter("ticket_id"),
            "tickets",
            filter_key=_ticket_parent,
            flush_hz=flush_hz,
            parent=parent,
        )
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda position: _popup(self, position, self.actions_menu))

    def actions_menu(self, row: int) -> QMenu:
        snapshot = self.model.row_at(row)
        ticket_id: str = snapshot.ticket_id
        menu = QMenu(self)
        menu.setTitle(f"Ticket {ticket_id}")
        status = snapshot.status if isinstance(snapshot.status, str) else snapshot.status.name
        open_qty = snapshot.requested > snapshot.allocated and status not in _FINISHED
        _add_action(menu, "Amend…", ticket_id, self.amend_requested, open_qty)
        _add_action(menu, "Cancel", ticket_id, self.cancel_requested, open_qty)
        return menu


class ChildBlotter(BlotterView[ChildRow]):
    """Child orders sent to venues; can be filtered to one parent order."""

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        super().__init__(
            CHILD_COLUMNS,
            operator.attrgetter("child_id"),
            "child orders",
            filter_key=_parent_id,
            flush_hz=flush_hz,
            parent=parent,
        )


class FillBlotter(BlotterView[FillRow]):
    """Executions received from venues; can be filtered to one parent order."""

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        super().__init__(
            FILL_COLUMNS,
            operator.attrgetter("fill_id"),
            "fills",
            filter_key=_parent_id,
            flush_hz=flush_hz,
            parent=parent,
        )
