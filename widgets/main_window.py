"""The main window: toolbar with the kill switch, ticket dock, Parents | Children | Fills tabs, status bar.

It composes widgets and remembers their layout; app/ connects their signals to the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSizePolicy, QTabWidget, QToolBar, QWidget

from widgets.blotter_model import DEFAULT_FLUSH_HZ
from widgets.blotter_view import BlotterView
from widgets.blotters import ChildBlotter, FillBlotter, ParentBlotter
from widgets.kill_switch import Confirm, KillSwitch
from widgets.status import StatusBar
from widgets.ticket import OrderTicket

LAYOUT_VERSION = 1
"""Bump when docks change incompatibly: an older saved state is then ignored."""


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


class MainWindow(QMainWindow):
    """The trader's window. Exposes its parts (ticket, parents, child_orders, fills, kill_switch,
    status) for the app to wire; a selected parent filters the children and fills tabs."""

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

        self.ticket = OrderTicket(symbols, algos)
        self.parents = ParentBlotter(flush_hz)
        # Not `children`: that would shadow QObject.children().
        self.child_orders = ChildBlotter(flush_hz)
        self.fills = FillBlotter(flush_hz)
        self.kill_switch = KillSwitch(confirm)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("blotterTabs")
        self.tabs.setDocumentMode(True)
        self._tab_titles: list[tuple[BlotterView[Any], str]] = [
            (self.parents, "Parents"),
            (self.child_orders, "Children"),
            (self.fills, "Fills"),
        ]
        for blotter, title in self._tab_titles:
            self.tabs.addTab(blotter, title)
            blotter.model.flushed.connect(self._update_tab_titles)
            blotter.model.modelReset.connect(self._update_tab_titles)
        self.setCentralWidget(self.tabs)

        self.ticket_dock = QDockWidget("Order ticket", self)
        self.ticket_dock.setObjectName("ticketDock")
        self.ticket_dock.setWidget(self.ticket)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.ticket_dock)

        self.new_ticket_action = QAction("New ticket (F2)", self)
        self.new_ticket_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.new_ticket_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_ticket_action.setToolTip("Show the order ticket and put the cursor in it (F2)")
        self.new_ticket_action.triggered.connect(self.focus_ticket)
        self.toolbar = self._build_toolbar()

        self.parents.parent_selected.connect(self.child_orders.set_parent_filter)
        self.parents.parent_selected.connect(self.fills.set_parent_filter)

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
        return dock

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
            settings.setValue(f"columns/{title}", blotter.table.horizontalHeader().saveState())
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
            columns = settings.value(f"columns/{title}")
            if isinstance(columns, QByteArray):
                blotter.table.horizontalHeader().restoreState(columns)
        return restored

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)

    # --- internals ---------------------------------------------------------------------------------

    def _build_toolbar(self) -> QToolBar:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.toggleViewAction().setVisible(False)  # the kill switch must never be hidden
        toolbar.addAction(self.new_ticket_action)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._spacer_action = toolbar.addWidget(spacer)
        toolbar.addWidget(self.kill_switch)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        return toolbar

    def _update_tab_titles(self) -> None:
        for blotter, title in self._tab_titles:
            shown, stored = blotter.model.rowCount(), blotter.model.stored_count
            count = f"{shown:,}" if shown == stored else f"{shown:,} of {stored:,}"
            self.tabs.setTabText(self.tabs.indexOf(blotter), f"{title} ({count})")
