"""The blotters: tickets, parent orders, child orders, fills. Column layouts and the parent's actions.

Rows are any objects with the attributes of widgets.rows (the engine's ParentView, ChildView and
FillView fit; ticket rows are built by the app); the blotters never import the engine. Attributes
that not every engine view has (a parent's ticket count, a ticket's crossed quantity) are read with
a default, so older rows still show.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMenu, QWidget

from widgets.blotter_actions import (
    CANCEL,
    KILL,
    PAUSE,
    RESUME,
    ConfirmCancel,
    add_action,
    add_copy_and_export,
    add_scope_kills,
    cancel_question,
    count_text,
    distinct_parents,
    is_working,
    parent_targets,
    popup_at,
    ticket_is_open,
)
from widgets.blotter_columns import CHILD_COLUMNS, FILL_COLUMNS, PARENT_COLUMNS, TICKET_COLUMNS, ticket_parent
from widgets.blotter_filters import FilterFields
from widgets.blotter_model import DEFAULT_FLUSH_HZ
from widgets.blotter_view import BlotterView
from widgets.rows import ChildRow, FillRow, ParentRow, TicketRow
from widgets.scope_kill import ScopeKillPrompt

__all__ = ["CHILD_COLUMNS", "FILL_COLUMNS", "PARENT_COLUMNS", "TICKET_COLUMNS", "ChildBlotter", "FillBlotter",
           "ParentBlotter", "TicketBlotter"]

_parent_id: Any = operator.attrgetter("parent_id")
_symbol: Any = operator.attrgetter("symbol")


class ParentBlotter(BlotterView[ParentRow]):
    """Parent orders. Selecting one emits its id; rows can be selected many at a time, and right-click
    (or a hotkey) amends, cancels, kills, pauses or resumes them."""

    parent_selected = Signal(str)
    """Id of the parent order now selected ("" when the selection is cleared)."""
    amend_requested = Signal(str)
    cancel_requested = Signal(str)
    pause_requested = Signal(str)
    resume_requested = Signal(str)
    account_kill_requested = Signal(str, str)
    """(account, reason): kill one account's trading, confirmed and with the trader's reason."""
    desk_kill_requested = Signal(str, str)
    """(desk, reason): kill one desk's trading (every account the configuration puts on it), confirmed."""

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        fields = FilterFields(is_working, _symbol, lambda row: self.accounts_of_parent(row.parent_id))
        super().__init__(PARENT_COLUMNS, _parent_id, "parent orders", flush_hz=flush_hz, parent=parent,
                         filters=fields)
        self.kill_prompt = ScopeKillPrompt()
        self.desk_of: Callable[[str], str] = lambda account: ""
        """An account's desk ("" when none; the app sets it from `[risk] desks`)."""
        self.confirm_cancel: ConfirmCancel | None = None
        """Asked before a cancel (None: cancel at once); the main window sets it from the desk's config."""
        self.selected_key_changed.connect(self.parent_selected)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda position: popup_at(self, position, self.actions_menu))

    def request(self, command: str, parent_ids: Sequence[str] | None = None) -> list[str]:
        """Cancel, kill, pause, resume or toggle pause of the given (default: selected) parents, as they
        apply; a cancel asks first when `confirm_cancel` is set, a kill never does. Returns the ids acted on."""
        keys = self.selected_keys() if parent_ids is None else list(parent_ids)
        rows = [row for row in map(self.model.get, keys) if row is not None]
        targets = parent_targets(command, rows)
        if command == CANCEL and targets and self.confirm_cancel is not None \
                and not self.confirm_cancel(*cancel_question("parent orders", [key for _, key in targets])):
            return []
        signals = {CANCEL: self.cancel_requested, PAUSE: self.pause_requested, RESUME: self.resume_requested}
        for signal, key in targets:
            signals[signal].emit(key)
        return [key for _, key in targets]

    def actions_menu(self, row: int) -> QMenu:
        """The right-click menu for a row (or the selection it is in): Amend (one parent) / Cancel / Pause /
        Resume, enabled as they apply, then Kill, Copy and Export."""
        rows = self.selected_rows() if row in self.selected_rows() else [row]
        snapshots = [self.model.row_at(r) for r in rows]
        keys: list[str] = [s.parent_id for s in snapshots]
        menu = QMenu(self)
        menu.setTitle(f"Parent {keys[0]}" if len(keys) == 1 else f"{len(keys)} parents")
        add_action(menu, f"Amend… {keys[0]}", len(keys) == 1 and is_working(snapshots[0]),
                   lambda: self.amend_requested.emit(keys[0]))
        for command, verb in ((CANCEL, "Cancel"), (PAUSE, "Pause"), (RESUME, "Resume")):
            able = [key for _, key in parent_targets(command, snapshots)]
            add_action(menu, count_text(verb, able or keys, "parents"), bool(able),
                       partial(self.request, command, able))
        menu.addSeparator()
        able = [key for _, key in parent_targets(KILL, snapshots)]
        add_action(menu, count_text("Kill (cancel now, no question)", able or keys, "parents"), bool(able),
                   lambda: self.request(KILL, able))
        if len(keys) == 1:
            accounts = self.accounts_of_parent(keys[0])
            add_scope_kills(menu, "account", accounts, self.request_account_kill)
            add_scope_kills(menu, "desk", {self.desk_of(a) for a in accounts} - {""}, self.request_desk_kill)
        add_copy_and_export(self, menu, rows)
        return menu

    def request_account_kill(self, account: str) -> None:
        """Kill one account (every parent trading for it) once the trader confirms and says why."""
        reason = self.kill_prompt.ask(self, f"Kill account {account}")
        if reason is not None:
            self.account_kill_requested.emit(account, reason)

    def request_desk_kill(self, desk: str) -> None:
        """Kill one desk (every parent trading for one of its accounts) once the trader confirms and says why."""
        reason = self.kill_prompt.ask(self, f"Kill desk {desk}")
        if reason is not None:
            self.desk_kill_requested.emit(desk, reason)


class TicketBlotter(BlotterView[TicketRow]):
    """Client tickets and how much of each was allocated; can be filtered to one parent order.

    Right-click offers Amend (quantity, limit, end time) and Cancel (what is not yet allocated), emitted as
    `amend_requested(ticket_id)` and `cancel_requested(ticket_id)`; Cancel and Kill take a selection.
    """

    amend_requested = Signal(str)
    cancel_requested = Signal(str)

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        fields = FilterFields(is_working, _symbol, lambda row: (row.account,))
        super().__init__(
            TICKET_COLUMNS,
            operator.attrgetter("ticket_id"),
            "tickets",
            filter_key=ticket_parent,
            flush_hz=flush_hz,
            parent=parent,
            filters=fields,
        )
        self.confirm_cancel: ConfirmCancel | None = None
        self._accounts_by_parent: dict[str, set[str]] = {}
        self.accounts_version = 0
        """Bumped whenever a parent gets a new account (filters by account are re-applied only then)."""
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda position: popup_at(self, position, self.actions_menu))

    def upsert(self, row: TicketRow) -> None:
        self.upsert_many((row,))

    def upsert_many(self, rows: Iterable[TicketRow]) -> None:
        """Also keeps which accounts each parent works for (the other blotters' account filter)."""
        rows = list(rows)
        for row in rows:
            if row.parent_id:
                accounts = self._accounts_by_parent.setdefault(str(row.parent_id), set())
                if row.account not in accounts:
                    accounts.add(str(row.account))
                    self.accounts_version += 1
        super().upsert_many(rows)

    def accounts_of(self, parent_id: str) -> Collection[str]:
        """Accounts of the tickets a parent works."""
        return self._accounts_by_parent.get(parent_id, ())

    def request(self, command: str, ticket_ids: Sequence[str] | None = None) -> list[str]:
        """Cancel (asking first when `confirm_cancel` is set) or kill (no question) the open tickets among
        the given (default: selected) ones. Pause and resume are a parent's: nothing happens."""
        keys = self.selected_keys() if ticket_ids is None else list(ticket_ids)
        if command not in (CANCEL, KILL):
            return []
        open_ids = [row.ticket_id for row in map(self.model.get, keys) if row is not None and ticket_is_open(row)]
        if command == CANCEL and open_ids and self.confirm_cancel is not None \
                and not self.confirm_cancel(*cancel_question("tickets", open_ids)):
            return []
        for ticket_id in open_ids:
            self.cancel_requested.emit(ticket_id)
        return open_ids

    def actions_menu(self, row: int) -> QMenu:
        rows = self.selected_rows() if row in self.selected_rows() else [row]
        snapshots = [self.model.row_at(r) for r in rows]
        keys: list[str] = [s.ticket_id for s in snapshots]
        open_ids = [s.ticket_id for s in snapshots if ticket_is_open(s)]
        menu = QMenu(self)
        menu.setTitle(f"Ticket {keys[0]}" if len(keys) == 1 else f"{len(keys)} tickets")
        add_action(menu, f"Amend… {keys[0]}", len(keys) == 1 and bool(open_ids),
                   lambda: self.amend_requested.emit(keys[0]))
        add_action(menu, count_text("Cancel", open_ids or keys, "tickets"), bool(open_ids),
                   lambda: self.request(CANCEL, open_ids))
        menu.addSeparator()
        add_action(menu, count_text("Kill (cancel now, no question)", open_ids or keys, "tickets"), bool(open_ids),
                   lambda: self.request(KILL, open_ids))
        add_copy_and_export(self, menu, rows)
        return menu


class ChildBlotter(BlotterView[ChildRow]):
    """Child orders sent to venues; can be filtered to one parent order, newest first on request.

    Right-click: show the parent, pause / resume / cancel the parents of the selected children
    (`parent_command_requested(command, parent_ids)`), copy, export.
    """

    show_parent_requested = Signal(str)
    parent_command_requested = Signal(str, object)
    """(command: "pause", "resume" or "cancel", list of parent ids)."""

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        fields = FilterFields(is_working, _symbol, lambda row: self.accounts_of_parent(row.parent_id))
        super().__init__(
            CHILD_COLUMNS,
            operator.attrgetter("child_id"),
            "child orders",
            filter_key=_parent_id,
            flush_hz=flush_hz,
            parent=parent,
            filters=fields,
            newest_first_option=True,
        )
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda position: popup_at(self, position, self.actions_menu))

    def actions_menu(self, row: int) -> QMenu:
        rows = self.selected_rows() if row in self.selected_rows() else [row]
        parents = distinct_parents([self.model.row_at(r) for r in rows])
        menu = QMenu(self)
        menu.setTitle(f"Child {self.model.key_at(row)}")
        add_action(menu, f"Show parent {parents[0]}", len(parents) == 1,
                   lambda: self.show_parent_requested.emit(parents[0]))
        for command, verb in ((PAUSE, "Pause"), (RESUME, "Resume"), (CANCEL, "Cancel")):
            text = f"{verb} parent {parents[0]}" if len(parents) == 1 else f"{verb} {len(parents)} parents"
            add_action(menu, text, True, partial(self.parent_command_requested.emit, command, parents))
        add_copy_and_export(self, menu, rows)
        return menu


class FillBlotter(BlotterView[FillRow]):
    """Executions received from venues; can be filtered to one parent order. Right-click: show the
    parent or the child order, copy, export."""

    show_parent_requested = Signal(str)
    show_child_requested = Signal(str)

    def __init__(self, flush_hz: float = DEFAULT_FLUSH_HZ, parent: QWidget | None = None) -> None:
        fields = FilterFields(None, _symbol, lambda row: self.accounts_of_parent(row.parent_id))
        super().__init__(
            FILL_COLUMNS,
            operator.attrgetter("fill_id"),
            "fills",
            filter_key=_parent_id,
            flush_hz=flush_hz,
            parent=parent,
            filters=fields,
        )
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda position: popup_at(self, position, self.actions_menu))

    def actions_menu(self, row: int) -> QMenu:
        rows = self.selected_rows() if row in self.selected_rows() else [row]
        fill = self.model.row_at(row)
        menu = QMenu(self)
        menu.setTitle(f"Fill {fill.fill_id}")
        parent_id: str = fill.parent_id
        child_id: str = fill.child_id
        add_action(menu, f"Show parent {parent_id}", True, lambda: self.show_parent_requested.emit(parent_id))
        add_action(menu, f"Show child {child_id}", True, lambda: self.show_child_requested.emit(child_id))
        add_copy_and_export(self, menu, rows)
        return menu
