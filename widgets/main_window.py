"""The main window: toolbar with the kill switch, ticket dock, Tickets | Parents | Children | Fills tabs,
VWAP progress and book ladder docks, the alerts panel, basket import, the Amend dialog, status bar.

It composes widgets and remembers their layout; app/ connects their signals to the engine. Closing
while orders work asks first (the app says what works; `confirm_close` turns the question off).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from widgets.alerts_panel import AlertsPanel
from widgets.amend_dialog import PARENT, TICKET, AmendDialog
from widgets.basket_import import BasketImportDialog, ChooseFile, Parse, ask_for_csv_file
from widgets.blotter_model import DEFAULT_FLUSH_HZ
from widgets.blotter_view import BlotterView
from widgets.blotters import ChildBlotter, FillBlotter, ParentBlotter, TicketBlotter
from widgets.book_ladder import BookLadder
from widgets.desk_config import DeskConfig
from widgets.desk_habits import DeskHabits
from widgets.formatting import NS_PER_DAY, PRICES, time_of_day
from widgets.kill_switch import Confirm, KillSwitch, ask_with_message_box
from widgets.market_panel import MarketPanel
from widgets.restart_notice import RestartNotice
from widgets.status import StatusBar
from widgets.ticket import OrderTicket
from widgets.vwap_progress import VwapProgress

LAYOUT_VERSION = 3
"""Bump when docks change incompatibly: an older saved state is then ignored (3: the Venues tab, which an
older state would leave outside the progress dock's tabs)."""
COLUMNS_VERSION = 3
"""Bump when blotter columns change incompatibly (kept apart, so a dock change keeps the trader's columns; 3: the
Fills blotter's Bust column, second)."""
CLOSE_QUESTION = "{working}\n\nClose the EMS anyway? Working parents come back paused at the next start."


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


class MainWindow(QMainWindow):
    """The trader's window. Exposes its parts (ticket, tickets, parents, child_orders, fills, progress,
    book, alerts, kill_switch, status) for the app to wire. A selected parent filters the tickets,
    children and fills tabs, drives the VWAP progress and shows its symbol in the book ladder."""

    basket_submitted = Signal(object)
    """The accepted rows of a previewed basket (a tuple of the parser's rows), to submit atomically."""
    amend_submitted = Signal(object)
    """An `AmendForm` from the Amend dialog of a parent or a ticket; answer with `show_amend_result`."""

    def __init__(
        self,
        symbols: Sequence[str] = (),
        algos: Sequence[str] = (),
        confirm: Confirm | None = None,
        settings_org: str = "ems",
        settings_app: str = "ems",
        flush_hz: float = DEFAULT_FLUSH_HZ,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("EMS")
        self.setObjectName("mainWindow")
        self.resize(1400, 850)
        self._settings_org = settings_org
        self._settings_app = settings_app
        self._confirm: Confirm = confirm or ask_with_message_box
        self.confirm_close = True
        """Ask before closing while orders work (when the app has said what works: `set_working_orders`)."""
        self._working_orders: Callable[[], str] | None = None

        self.ticket = OrderTicket(symbols, algos)
        self.tickets = TicketBlotter(flush_hz)
        self.parents = ParentBlotter(flush_hz)
        # Not `children`: that would shadow QObject.children().
        self.child_orders = ChildBlotter(flush_hz)
        self.fills = FillBlotter(flush_hz)
        self.kill_switch = KillSwitch(confirm)
        self.status = StatusBar(self)
        self.restart_notice: RestartNotice | None = None
        self.setStatusBar(self.status)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("blotterTabs")
        self.tabs.setDocumentMode(True)
        self._tab_titles: list[tuple[BlotterView[Any], str]] = [
            (self.tickets, "Tickets"),
            (self.parents, "Parents"),
            (self.child_orders, "Children"),
            (self.fills, "Fills"),
        ]
        for blotter, title in self._tab_titles:
            self.tabs.addTab(blotter, title)
            blotter.model.flushed.connect(self._update_tab_titles)
            blotter.model.modelReset.connect(self._update_tab_titles)
        self.tabs.setCurrentWidget(self.parents)  # where a trader picks the order to look at
        self.setCentralWidget(self.tabs)
        self._panels_menu = QMenu("Panels", self)

        self.ticket_dock = QDockWidget("Order ticket", self)
        self.ticket_dock.setObjectName("ticketDock")
        self.ticket_dock.setWidget(self.ticket)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.ticket_dock)
        self._panels_menu.addAction(self.ticket_dock.toggleViewAction())

        self.new_ticket_action = QAction("New ticket (F2)", self)
        self.new_ticket_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.new_ticket_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_ticket_action.setToolTip("Show the order ticket and put the cursor in it (F2)")
        self.new_ticket_action.triggered.connect(self.focus_ticket)
        self.toolbar = self._build_toolbar()

        self.progress = VwapProgress()
        self.progress_dock = self.add_right_dock("VWAP progress", self.progress)
        self.book = BookLadder(symbols)
        self.book_dock = self.add_right_dock("Book", self.book)
        self.resizeDocks([self.progress_dock, self.book_dock], [520, 300], Qt.Orientation.Vertical)
        self.resizeDocks([self.ticket_dock, self.progress_dock], [300, 420], Qt.Orientation.Horizontal)
        self._build_alerts()

        self.basket_action: QAction | None = None
        self.basket_dialog: BasketImportDialog | None = None
        self._parse_basket: Parse | None = None
        self._choose_basket_file: ChooseFile = ask_for_csv_file

        self.amend_dialog: AmendDialog | None = None
        self.parents.parent_selected.connect(self._on_parent_selected)
        self.parents.amend_requested.connect(lambda key: self.open_amend(PARENT, key))
        self.tickets.amend_requested.connect(lambda key: self.open_amend(TICKET, key))
        self._install_desk_habits()

    # --- for app/ ----------------------------------------------------------------------------------

    def focus_ticket(self) -> None:
        """Show the ticket dock and put the cursor in the symbol field."""
        self.ticket_dock.show()
        self.ticket_dock.raise_()
        self.ticket.focus_entry()

    def add_right_dock(self, title: str, widget: QWidget) -> QDockWidget:
        """Add a dock on the right (book ladder, VWAP progress…); its layout is remembered by title."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{_slug(title)}")
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self._panels_menu.addAction(dock.toggleViewAction())
        return dock

    def add_right_tab(self, title: str, widget: QWidget) -> QDockWidget:
        """Add a dock tabbed with the VWAP progress (the venue panel…), so the market below keeps its height;
        the progress stays in front. Its layout is remembered by title."""
        dock = self.add_right_dock(title, widget)
        self.tabifyDockWidget(self.progress_dock, dock)
        self.progress_dock.raise_()
        return dock

    def add_bottom_dock(self, title: str, widget: QWidget) -> QDockWidget:
        """Add a dock tabbed with the alerts under the blotters (audit trail, risk…), so the right column
        keeps room for the progress charts and the market; its layout is remembered by title."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{_slug(title)}")
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.tabifyDockWidget(self.alerts_dock, dock)
        self.alerts_dock.raise_()
        self._panels_menu.addAction(dock.toggleViewAction())
        return dock

    def set_basket_parser(self, parse: Parse, choose_file: ChooseFile | None = None) -> QAction:
        """Enable basket import: an "Import basket" toolbar button (Ctrl+I) opening the preview.

        `parse(text)` validates a basket; accepted rows come back through `basket_submitted`, and the
        app answers with `show_basket_result`. `choose_file` replaces the file chooser (tests).
        """
        self._parse_basket = parse
        if choose_file is not None:
            self._choose_basket_file = choose_file
        if self.basket_action is None:
            self.basket_action = self.add_toolbar_action("Import basket…", self._open_basket_from_toolbar, "Ctrl+I")
            self.basket_action.setToolTip("Load or paste a basket of tickets, preview it, submit the good rows")
        return self.basket_action

    def open_basket_import(self) -> BasketImportDialog:
        """Show the basket preview (one, kept between uses; not modal)."""
        if self._parse_basket is None:
            raise RuntimeError("no basket parser: call set_basket_parser first")
        if self.basket_dialog is None:
            self.basket_dialog = BasketImportDialog(self._parse_basket, self, self._choose_basket_file)
            self.basket_dialog.submitted.connect(self.basket_submitted)
        self.basket_dialog.show()
        self.basket_dialog.raise_()
        self.basket_dialog.activateWindow()
        return self.basket_dialog

    def open_amend(self, kind: str, key: str) -> AmendDialog | None:
        """The Amend dialog for a parent or ticket shown in its blotter, filled with its current values."""
        blotter: BlotterView[Any] = self.parents if kind == PARENT else self.tickets
        row = blotter.model.visible_row_of(key)
        if row is None:
            return None
        snapshot = blotter.model.row_at(row)
        end_ns = getattr(snapshot, "end_ns", None)
        if self.amend_dialog is not None:
            self.amend_dialog.close()
            self.amend_dialog.deleteLater()
        self.amend_dialog = AmendDialog(
            kind, key, quantity=getattr(snapshot, "quantity", None) or snapshot.requested,
            limit_price=getattr(snapshot, "limit_price", None),
            end_seconds=None if end_ns is None else end_ns % NS_PER_DAY // 1_000_000_000, parent=self,
        )
        self.amend_dialog.submitted.connect(self.amend_submitted)
        self.amend_dialog.show()
        return self.amend_dialog

    def show_amend_result(self, ok: bool, message: str) -> None:
        """The engine's answer to an amend: the dialog closes, or shows why it was refused (the engine's
        refusal reaches the alerts panel as a refused command)."""
        if self.amend_dialog is not None:
            self.amend_dialog.show_result(ok, message)

    def show_restart_notice(self, title: str, lines: Sequence[str], severity: str = "info") -> RestartNotice:
        """What came back after a restart (non-modal); the alerts panel keeps it too (a warning when the
        venues closed orders)."""
        notice = RestartNotice(title, lines, self)
        self.restart_notice = notice
        notice.show()
        self.post_alert(severity, "restart", title, topic="restart")
        return notice

    def show_basket_result(self, message: str, ok: bool) -> None:
        """The verdict on a submitted basket, shown in the preview (and in the alerts when refused)."""
        if self.basket_dialog is not None:
            self.basket_dialog.show_result(message, ok)
        if not ok:
            self.post_alert("warning", "basket", f"refused: {message}")

    def add_toolbar_action(self, text: str, callback: Callable[[], None], shortcut: str = "") -> QAction:
        """A toolbar button left of the kill switch (e.g. Import basket, Export TCA)."""
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(callback)
        self.toolbar.insertAction(self._spacer_action, action)
        return action

    def settings(self) -> QSettings:
        return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, self._settings_org, self._settings_app)

    def save_layout(self) -> None:
        """Remember window geometry, docks and blotter columns."""
        settings = self.settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        for blotter, title in self._tab_titles:
            settings.setValue(f"columns{COLUMNS_VERSION}/{title}", blotter.table.horizontalHeader().saveState())
        self.desk.save(settings)
        settings.sync()

    def restore_layout(self) -> bool:
        """Restore what `save_layout` stored; call after adding every dock. False when nothing applied."""
        settings = self.settings()
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        restored = False
        if isinstance(geometry, QByteArray):
            restored = self.restoreGeometry(geometry) or restored
        if isinstance(state, QByteArray):
            restored = self.restoreState(state, LAYOUT_VERSION) or restored
        for blotter, title in self._tab_titles:
            columns = settings.value(f"columns{COLUMNS_VERSION}/{title}")
            if isinstance(columns, QByteArray):
                blotter.table.horizontalHeader().restoreState(columns)
        self.desk.restore(settings)
        return restored

    # --- desk habits (hotkeys, market panel, confirmations: widgets/desk_habits.py) ----------------------

    def _install_desk_habits(self) -> None:
        """The market panel (last, volume, time & sales beside the book) in the book's dock; hotkeys with
        their help overlay (F1); confirmations; bulk actions on selected rows; prices at tick precision."""
        self.market = MarketPanel(self.book)
        self.book_dock.setWidget(self.market)
        self.book_dock.setWindowTitle("Market")
        self.resizeDocks([self.progress_dock, self.book_dock], [420, 400], Qt.Orientation.Vertical)
        self.desk = DeskHabits(self, self._confirm)

    def configure_desk(self, config: DeskConfig) -> None:
        """The configuration's `[desk]` table: when to ask before sending or cancelling, price decimals."""
        self.desk.configure(config)

    def set_tick_sizes(self, ticks: Mapping[str, Decimal]) -> None:
        """Tick size by symbol (the engine's instruments): prices everywhere show that precision."""
        PRICES.set_ticks(ticks)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        self.save_layout()
        super().closeEvent(event)

    # --- alerts and closing ------------------------------------------------------------------------

    def post_alert(self, severity: str, source: str, text: str, *, parent_id: str = "", topic: str = "") -> None:
        """A message for the alerts panel (and, while unacknowledged, the status bar)."""
        self.alerts.model.post(severity, source, text, parent_id=parent_id, topic=topic)

    def show_alerts(self) -> None:
        """Show and raise the alerts panel."""
        self.alerts_dock.show()
        self.alerts_dock.raise_()

    def set_working_orders(self, describe: Callable[[], str] | None) -> None:
        """`describe()` says what still works ("" when nothing): closing then asks for confirmation."""
        self._working_orders = describe

    def _may_close(self) -> bool:
        working = self._working_orders() if self._working_orders is not None and self.confirm_close else ""
        return not working or self._confirm(self, "Close the EMS", CLOSE_QUESTION.format(working=working))

    def _build_alerts(self) -> None:
        self.alerts = AlertsPanel(parent=self)
        self.alerts_dock = QDockWidget("Alerts", self)
        self.alerts_dock.setObjectName("dock_alerts")
        self.alerts_dock.setWidget(self.alerts)
        # under the blotters only: the ticket and the right-hand docks keep their full height
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.alerts_dock)
        self.resizeDocks([self.alerts_dock], [190], Qt.Orientation.Vertical)
        self._panels_menu.addAction(self.alerts_dock.toggleViewAction())
        self.alerts.model.summary_changed.connect(self._show_alert_summary)
        self.status.alerts_requested.connect(self.show_alerts)

    def _show_alert_summary(self) -> None:
        model = self.alerts.model
        latest = model.latest_unacknowledged()
        text = f"{time_of_day(latest.ts_ns)[:8]} {latest.source}: {latest.text}" if latest is not None else ""
        self.status.show_alert_summary(text, latest.severity if latest else "", model.unacknowledged)

    # --- internals ---------------------------------------------------------------------------------

    def _build_toolbar(self) -> QToolBar:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.toggleViewAction().setVisible(False)  # the kill switch must never be hidden
        toolbar.addAction(self.new_ticket_action)
        panels = QToolButton(toolbar)
        panels.setText("Panels")
        panels.setToolTip("Show or hide the ticket, progress and book panels")
        panels.setMenu(self._panels_menu)
        panels.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        toolbar.addWidget(panels)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._spacer_action = toolbar.addWidget(spacer)
        toolbar.addWidget(self.kill_switch)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        return toolbar

    def _open_basket_from_toolbar(self) -> None:
        self.open_basket_import()

    def _on_parent_selected(self, parent_id: str) -> None:
        for blotter in (self.tickets, self.child_orders, self.fills):
            blotter.set_parent_filter(parent_id)
        row = self.parents.model.visible_row_of(parent_id) if parent_id else None
        snapshot = self.parents.model.row_at(row) if row is not None else None
        side = getattr(getattr(snapshot, "side", None), "name", None)
        self.progress.set_parent(parent_id, side)
        if snapshot is not None:
            self.book.set_symbol(str(snapshot.symbol))

    def _update_tab_titles(self) -> None:
        for blotter, title in self._tab_titles:
            shown, stored = blotter.model.rowCount(), blotter.model.stored_count
            count = f"{shown:,}" if shown == stored else f"{shown:,} of {stored:,}"
            self.tabs.setTabText(self.tabs.indexOf(blotter), f"{title} ({count})")
