"""The EMSX habits of the main window, wired in one place: hotkeys and their help overlay, confirmations
before sending and cancelling (config `[desk]`), bulk actions on selected rows, the blotters' account
filter, the market panel following the ticket, and what of it is kept with the layout.

The main window owns the widgets; this object only connects them (and holds the overlay and shortcuts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QShortcut

from widgets import formatting as fmt
from widgets.blotter_actions import CANCEL, KILL, TOGGLE_PAUSE, distinct_parents
from widgets.blotter_filters import RowFilter
from widgets.blotter_view import BlotterView
from widgets.confirmations import OrderGate
from widgets.desk_config import DeskConfig
from widgets.hotkeys import ANYWHERE, BLOTTERS, HotkeyHelp, install_hotkeys
from widgets.kill_switch import Confirm

if TYPE_CHECKING:
    from widgets.main_window import MainWindow

LAYOUT_KEY = "desk1"


class DeskHabits:
    """Connects the main window's parts the way a trader's desk works."""

    def __init__(self, window: MainWindow, confirm: Confirm) -> None:
        self.window = window
        self._confirm = confirm
        self.config = DeskConfig()
        self._accounts_version = 0
        self.help = HotkeyHelp(window, keep_clear=window.toolbar)
        self.shortcuts: dict[str, list[QShortcut]] = install_hotkeys(
            {ANYWHERE: window, BLOTTERS: window.tabs},
            {
                "help": self.help.toggle,
                "buy_ticket": lambda: self.new_order("BUY"),
                "sell_ticket": lambda: self.new_order("SELL"),
                "cancel_selected": lambda: self.act_on_selection(CANCEL),
                "kill_selected": lambda: self.act_on_selection(KILL),
                "pause_resume_selected": lambda: self.act_on_selection(TOGGLE_PAUSE),
            },
        )
        self.help_action = window.add_toolbar_action("Keys (F1)", self.help.toggle)
        self.help_action.setToolTip("Every hotkey of the desk (F1 or ?)")
        ticket, market = window.ticket, window.market
        ticket.symbol_changed.connect(market.set_symbol)
        window.tickets.model.flushed.connect(self._refresh_accounts)
        for blotter in (window.parents, window.child_orders, window.fills):
            blotter.set_parent_accounts(window.tickets.accounts_of)
        window.child_orders.parent_command_requested.connect(lambda command, ids: window.parents.request(command, ids))
        window.child_orders.show_parent_requested.connect(self.show_parent)
        window.fills.show_parent_requested.connect(self.show_parent)
        window.fills.show_child_requested.connect(self.show_child)
        self.configure(self.config)

    # --- configuration -----------------------------------------------------------------------------

    def configure(self, config: DeskConfig) -> None:
        """Apply the `[desk]` settings: when to ask, and the decimals of average prices."""
        self.config = config
        window = self.window
        window.ticket.set_confirmations(OrderGate(config), self._confirm, window.market.mid)
        ask = self._ask if config.confirm_cancels else None
        window.parents.confirm_cancel = ask
        window.tickets.confirm_cancel = ask
        fmt.PRICES.set_average_extra(config.average_price_extra_decimals)

    def _ask(self, title: str, question: str) -> bool:
        return self._confirm(self.window, title, question)

    # --- actions ----------------------------------------------------------------------------------

    def new_order(self, side: str) -> None:
        """F3 / F4: a fresh buy or sell ticket with the cursor in the symbol."""
        self.window.focus_ticket()
        self.window.ticket.new_order(side)

    def act_on_selection(self, command: str) -> list[str]:
        """Cancel, kill or pause/resume what is selected in the blotter shown (children: their parents)."""
        window = self.window
        shown = window.tabs.currentWidget()
        acted: list[str] = []
        if shown is window.parents:
            acted = window.parents.request(command)
        elif shown is window.tickets:
            acted = window.tickets.request(command)
        elif shown is window.child_orders:
            rows = [window.child_orders.model.row_at(r) for r in window.child_orders.selected_rows()]
            acted = window.parents.request(command, distinct_parents(rows))
        if acted and isinstance(shown, BlotterView):
            shown.set_note(f"{command.replace('_', '/')}: {', '.join(acted[:6])}{' …' if len(acted) > 6 else ''}")
        return acted

    def show_parent(self, parent_id: str) -> None:
        window = self.window
        window.tabs.setCurrentWidget(window.parents)
        window.parents.select_key(parent_id)

    def show_child(self, child_id: str) -> None:
        window = self.window
        window.tabs.setCurrentWidget(window.child_orders)
        if not window.child_orders.select_key(child_id):
            window.child_orders.set_parent_filter(None)
            window.child_orders.set_row_filter(RowFilter())
            window.child_orders.flush()
            window.child_orders.select_key(child_id)

    # --- accounts ---------------------------------------------------------------------------------

    def _refresh_accounts(self, *_: object) -> None:
        """A parent that got a new account may now pass an account filter: re-apply those that are on
        (only then; ticket updates are frequent, new accounts rare)."""
        version = self.window.tickets.accounts_version
        if version == self._accounts_version:
            return
        self._accounts_version = version
        for blotter in (self.window.parents, self.window.child_orders, self.window.fills):
            if blotter.row_filter.account:
                blotter.set_row_filter(blotter.row_filter)

    # --- layout -----------------------------------------------------------------------------------

    def save(self, settings: QSettings) -> None:
        """What the desk adds to the saved layout: newest first and each blotter's filters."""
        for title, blotter in self._blotters():
            wanted = blotter.row_filter
            settings.setValue(f"{LAYOUT_KEY}/{title}/working_only", wanted.working_only)
            settings.setValue(f"{LAYOUT_KEY}/{title}/symbol", wanted.symbol)
            settings.setValue(f"{LAYOUT_KEY}/{title}/account", wanted.account)
        settings.setValue(f"{LAYOUT_KEY}/Children/newest_first", self.window.child_orders.model.newest_first)

    def restore(self, settings: QSettings) -> None:
        for title, blotter in self._blotters():
            wanted = RowFilter(
                _flag(settings.value(f"{LAYOUT_KEY}/{title}/working_only")),
                str(settings.value(f"{LAYOUT_KEY}/{title}/symbol") or ""),
                str(settings.value(f"{LAYOUT_KEY}/{title}/account") or ""),
            )
            if wanted.active:
                blotter.set_row_filter(wanted)
        if _flag(settings.value(f"{LAYOUT_KEY}/Children/newest_first")):
            self.window.child_orders.set_newest_first(True)

    def _blotters(self) -> list[tuple[str, Any]]:
        window = self.window
        return [("Tickets", window.tickets), ("Parents", window.parents), ("Children", window.child_orders),
                ("Fills", window.fills)]


def _flag(value: object) -> bool:
    """A flag as QSettings gives it back (an ini file returns "true"/"false" strings)."""
    return value is True or str(value).lower() == "true"
