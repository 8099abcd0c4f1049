"""What the engine's entry points answer: accepted or refused, with the reason and the field it names."""

from __future__ import annotations

from dataclasses import dataclass

from engine.model import ParentId, TicketId
from engine.quick_init import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class SubmitResult:
    """A ticket submission: accepted into `parent_id`, or refused with `reason` (about `field`)."""

    accepted: bool
    parent_id: ParentId | None = None
    reason: str = ""
    field: str | None = None
    ticket_id: TicketId | None = None
    needs_confirmation: bool = False
    """Refused only because soft risk limits are breached: resubmitting with `confirmed=True` accepts it."""
    for_other_rows: bool = False
    """A basket row that is fine itself, refused or held only because of other rows (all or nothing)."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A command on a ticket, a parent or the kill switch: done, or refused with `reason`."""

    ok: bool
    reason: str = ""
    pending: bool = False
    """Accepted, but it takes effect later (a ticket cut waiting for its parent's working orders to be
    canceled at their venues); the outcome is announced by an event (TicketAmended or CommandRejected)."""
