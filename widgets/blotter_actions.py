"""What the trader can do to selected blotter rows: which rows each action applies to (pure), the
confirmation a cancel asks for, and the right-click menu's entries.

Cancel asks first when the desk says so (config `[desk] confirm_cancels`); Kill is the same cancel at
once, with no question — the key for when the market is running away.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

FINISHED = frozenset({"FILLED", "CANCELED", "REJECTED", "EXPIRED"})
CANCEL, KILL, PAUSE, RESUME, TOGGLE_PAUSE = "cancel", "kill", "pause", "resume", "toggle_pause"
COMMANDS = (CANCEL, KILL, PAUSE, RESUME, TOGGLE_PAUSE)
MAX_NAMED = 8
"""A confirmation names at most this many orders, then says how many more."""

ConfirmCancel = Callable[[str, str], bool]
"""(title, question) -> True to go ahead."""


def status_name(row: Any) -> str:
    status = row.status
    return status if isinstance(status, str) else str(status.name)


def is_working(row: Any) -> bool:
    """Not filled, canceled, rejected or expired."""
    return status_name(row) not in FINISHED


def ticket_is_open(row: Any) -> bool:
    """A ticket with quantity not yet allocated that can still be amended or canceled."""
    return is_working(row) and row.requested > row.allocated


def parent_targets(command: str, rows: Sequence[Any]) -> list[tuple[str, str]]:
    """(signal, parent id) for each row the command applies to: cancel/kill live parents, pause live
    unpaused ones, resume paused ones; toggle pauses the running and resumes the paused."""
    if command not in COMMANDS:
        raise ValueError(f"unknown blotter command {command!r}; one of {', '.join(COMMANDS)}")
    targets: list[tuple[str, str]] = []
    for row in rows:
        if not is_working(row):
            continue
        paused = bool(row.paused)
        if command in (CANCEL, KILL):
            targets.append((CANCEL, row.parent_id))
        elif command == PAUSE and not paused:
            targets.append((PAUSE, row.parent_id))
        elif command == RESUME and paused:
            targets.append((RESUME, row.parent_id))
        elif command == TOGGLE_PAUSE:
            targets.append((RESUME if paused else PAUSE, row.parent_id))
    return targets


def cancel_question(noun: str, keys: Sequence[str]) -> tuple[str, str]:
    """The title and question asked before cancelling `keys` (parent orders or tickets)."""
    named = ", ".join(keys[:MAX_NAMED]) + (f" and {len(keys) - MAX_NAMED} more" if len(keys) > MAX_NAMED else "")
    what = f"{len(keys)} {noun}" if len(keys) > 1 else f"{noun.rstrip('s')} {keys[0]}"
    return f"Cancel {what}", f"Cancel {what}?\n\n{named}\n\nWhat is not yet filled will not be worked."


def add_action(menu: QMenu, text: str, enabled: bool, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(text)
    action.setEnabled(enabled)
    action.triggered.connect(lambda: slot())
    return action


def count_text(verb: str, keys: Sequence[str], noun: str) -> str:
    """ "Cancel P-1" for one, "Cancel 3 parents" for many."""
    return f"{verb} {keys[0]}" if len(keys) == 1 else f"{verb} {len(keys)} {noun}"


def popup_at(view: Any, position: QPoint, build: Callable[[int], QMenu]) -> None:
    """Right-click: keep a multi-row selection the click falls in (else select the clicked row) and show
    the actions menu for it there."""
    index = view.table.indexAt(position)
    if not index.isValid():
        return
    if index.row() not in view.selected_rows():
        view.table.selectRow(index.row())
    menu = build(index.row())
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(view.table.viewport().mapToGlobal(position))


def add_copy_and_export(view: Any, menu: QMenu, rows: list[int]) -> None:
    """Copy the rows (tab-separated, for a spreadsheet) and export the blotter to CSV."""
    menu.addSeparator()
    add_action(menu, "Copy row" if len(rows) == 1 else f"Copy {len(rows)} rows", True, lambda: view.copy_rows(rows))
    add_action(menu, "Export shown rows to CSV…", True, lambda: view.export_csv())


def distinct_parents(snapshots: Sequence[Any]) -> list[str]:
    """Parent ids of the rows, each once, in order."""
    return list(dict.fromkeys(s.parent_id for s in snapshots))


def add_scope_kills(menu: QMenu, scope: str, names: Collection[str], slot: Callable[[str], object]) -> None:
    """"Kill SCOPE NAME…" for each account (or desk) a parent is known to work for (none when unknown), at
    most MAX_NAMED; the slot asks for confirmation and a reason before anything is sent."""
    for name in sorted(names)[:MAX_NAMED]:
        add_action(menu, f"Kill {scope} {name}…", True, partial(slot, name))
