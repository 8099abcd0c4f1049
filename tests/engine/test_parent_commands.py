"""The trader's commands on a parent (cancel, amend, pause, resume) are refused, journaled as refused and
change nothing when they cannot be right: an unknown or finished parent, a cancel already pending, an amend
or a resume of a parent being canceled, a resume of a parent that is not paused. On the engine path with
scripted venues (tests/engine/risk/harness.py)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from engine import events as ev
from engine.model import OrdStatus, ParentId
from engine.results import CommandResult
from tests.engine.risk.harness import Desk

Command = Callable[[Desk, ParentId], CommandResult]
COMMANDS: dict[str, Command] = {
    "cancel": lambda d, p: d.engine.cancel(p),
    "amend": lambda d, p: d.engine.amend(p, quantity=2_000),
    "pause": lambda d, p: d.engine.pause(p),
    "resume": lambda d, p: d.engine.resume(p),
}


def working(d: Desk) -> tuple[ParentId, int]:
    """A parent with one child resting at LIT1 (acknowledged); the journal's length then."""
    parent = d.parent(3_000)
    [child] = d.send(parent, 500, "100.00")
    d.venue_of(child).ack(child)
    return parent, d.engine.journal.count()


def refused(d: Desk, result: CommandResult, said: str, records_before: int) -> None:
    assert not result.ok and said in result.reason, result.reason
    [rejected] = [r for r in d.engine.journal.replay(records_before) if isinstance(r, ev.CommandRejected)]
    assert said in rejected.reason


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_on_an_unknown_parent_is_refused(idle_desk: Desk, name: str) -> None:
    before = idle_desk.engine.journal.count()
    refused(idle_desk, COMMANDS[name](idle_desk, ParentId("P999")), "unknown parent P999", before)


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_on_a_finished_parent_is_refused(idle_desk: Desk, name: str) -> None:
    parent, _ = working(idle_desk)
    assert idle_desk.engine.cancel(parent).ok
    [child] = idle_desk.engine.store.live_child_ids(parent)
    idle_desk.venue_of(child).canceled(child)
    assert idle_desk.engine.store.parent(parent).status is OrdStatus.CANCELED
    before = idle_desk.engine.journal.count()
    refused(idle_desk, COMMANDS[name](idle_desk, parent), "parent is CANCELED", before)


def test_while_a_cancel_is_pending_a_second_cancel_an_amend_and_a_resume_are_refused(idle_desk: Desk) -> None:
    parent, _ = working(idle_desk)
    assert idle_desk.engine.pause(parent).ok
    [child] = idle_desk.engine.store.live_child_ids(parent)  # the pause asked for its cancel: still working
    assert idle_desk.engine.cancel(parent).ok
    view = idle_desk.engine.store.parent(parent)
    assert view.status is OrdStatus.PENDING_CANCEL and view.paused
    before = idle_desk.engine.journal.count()
    refused(idle_desk, idle_desk.engine.cancel(parent), "cancel already pending", before)
    before = idle_desk.engine.journal.count()
    refused(idle_desk, idle_desk.engine.amend(parent, quantity=2_000), "cannot amend while PENDING_CANCEL",
            before)
    before = idle_desk.engine.journal.count()
    sent = len(idle_desk.sent())
    refused(idle_desk, idle_desk.engine.resume(parent), "cancel pending", before)  # its algo must not start again
    assert idle_desk.engine.store.parent(parent).quantity == 3_000 and len(idle_desk.sent()) == sent
    assert not [r for r in idle_desk.engine.journal.replay(before) if isinstance(r, ev.ParentResumed)]
    idle_desk.venue_of(child).canceled(child)
    assert idle_desk.engine.store.parent(parent).status is OrdStatus.CANCELED


def test_a_resume_of_a_parent_that_is_not_paused_is_refused(idle_desk: Desk) -> None:
    parent, before = working(idle_desk)
    refused(idle_desk, idle_desk.engine.resume(parent), "not paused", before)


def test_an_amend_of_a_working_parent_goes_through(idle_desk: Desk) -> None:
    parent, _ = working(idle_desk)
    assert idle_desk.engine.amend(parent, quantity=2_000, limit_price=Decimal("100.05")).ok
    view = idle_desk.engine.store.parent(parent)
    assert (view.quantity, view.limit_price) == (2_000, Decimal("100.05"))
