"""Asking before a kill of one scope (an instrument from the market panel, an account from the parent
blotter): a confirmation, then a reason; an empty or overlong reason is refused with a message and nothing
is sent. The prompts are injected, like the kill switch's, so tests answer them without a dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from widgets.kill_switch import AskReason, Confirm, ask_with_input_dialog, ask_with_message_box, reason_problem

Tell = Callable[[QWidget, str, str], None]
"""(parent, title, message): says why nothing was sent."""

SCOPE_KILL_QUESTION = (
    "{what}?\n\n"
    "New orders for it will be blocked, its parent orders paused and their working child orders canceled.\n"
    "It stays stopped until someone re-enables it from the Risk dock."
)


def tell_with_message_box(parent: QWidget, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


class ScopeKillPrompt:
    """Confirm, then ask why; `ask` returns the reason to send, or None (declined, canceled or refused)."""

    def __init__(self, confirm: Confirm | None = None, ask_reason: AskReason | None = None,
                 tell: Tell | None = None) -> None:
        self.confirm: Confirm = confirm or ask_with_message_box
        self.ask_reason: AskReason = ask_reason or ask_with_input_dialog
        self.tell: Tell = tell or tell_with_message_box

    def ask(self, parent: QWidget, what: str) -> str | None:
        """`what` names the kill in the trader's words: "Kill AAPL", "Kill account ACC-1"."""
        if not self.confirm(parent, what, SCOPE_KILL_QUESTION.format(what=what)):
            return None
        reason = self.ask_reason(parent, what, f"Why? ({what} is journaled with the reason)")
        if reason is None:
            return None
        problem = reason_problem(reason, what)
        if problem:
            self.tell(parent, what, problem)
            return None
        return reason.strip()
