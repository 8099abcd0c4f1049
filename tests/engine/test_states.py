"""The FIX 4.4 order state table: legal paths, the real-world races, and refusals."""

import pytest

from engine.model import OrdStatus as S
from engine.states import ORDER_STATE_TABLE, IllegalTransitionError, next_state
from engine.states import Trigger as T


def step(state: S, trigger: T, *, cum: int = 0, qty: int = 100, prior: S | None = None) -> S:
    return next_state("C1", state, trigger, cum_qty=cum, quantity=qty, prior=prior)


@pytest.mark.parametrize(
    ("state", "trigger", "cum", "prior", "expected"),
    [
        (S.PENDING_NEW, T.ACCEPTED, 0, None, S.NEW),
        (S.PENDING_NEW, T.REJECTED, 0, None, S.REJECTED),
        (S.PENDING_NEW, T.FILL, 100, None, S.FILLED),  # IOC filled before any ack
        (S.PENDING_NEW, T.CANCELED, 0, None, S.CANCELED),  # IOC remainder
        (S.NEW, T.FILL, 40, None, S.PARTIALLY_FILLED),
        (S.NEW, T.FILL, 100, None, S.FILLED),
        (S.PARTIALLY_FILLED, T.FILL, 100, None, S.FILLED),
        (S.NEW, T.CANCEL_REQUESTED, 0, None, S.PENDING_CANCEL),
        (S.PENDING_CANCEL, T.CANCELED, 0, None, S.CANCELED),
        (S.NEW, T.REPLACE_REQUESTED, 0, None, S.PENDING_REPLACE),
        (S.PENDING_REPLACE, T.REPLACED, 0, None, S.NEW),
        (S.PENDING_REPLACE, T.REPLACED, 30, None, S.PARTIALLY_FILLED),
        (S.NEW, T.EXPIRED, 0, None, S.EXPIRED),
        (S.PARTIALLY_FILLED, T.CANCELED, 40, None, S.CANCELED),  # unsolicited venue cancel
        (S.NEW, T.AMENDED, 0, None, S.NEW),
    ],
)
def test_legal_transitions(state: S, trigger: T, cum: int, prior: S | None, expected: S) -> None:
    assert step(state, trigger, cum=cum, prior=prior) is expected


def test_fill_while_cancel_pending_stays_pending_until_complete() -> None:
    assert step(S.PENDING_CANCEL, T.FILL, cum=60) is S.PENDING_CANCEL
    assert step(S.PENDING_CANCEL, T.FILL, cum=100) is S.FILLED


def test_cancel_reject_returns_to_prior_state_rederived_from_fills() -> None:
    assert step(S.PENDING_CANCEL, T.CANCEL_REJECTED, cum=0, prior=S.NEW) is S.NEW
    # a partial fill raced the cancel: the prior NEW becomes PARTIALLY_FILLED
    assert step(S.PENDING_CANCEL, T.CANCEL_REJECTED, cum=30, prior=S.NEW) is S.PARTIALLY_FILLED


def test_replace_reject_returns_to_prior_state() -> None:
    assert step(S.PENDING_REPLACE, T.REPLACE_REJECTED, cum=10, prior=S.PARTIALLY_FILLED) is S.PARTIALLY_FILLED


def test_too_late_to_cancel_after_fill_is_legal_and_changes_nothing() -> None:
    assert step(S.FILLED, T.CANCEL_REJECTED, cum=100) is S.FILLED


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (S.FILLED, T.FILL),
        (S.CANCELED, T.FILL),
        (S.REJECTED, T.ACCEPTED),
        (S.NEW, T.ACCEPTED),
        (S.NEW, T.REPLACED),
        (S.NEW, T.CANCEL_REJECTED),
        (S.EXPIRED, T.CANCELED),
        (S.PENDING_NEW, T.REPLACED),
        (S.CANCELED, T.CANCEL_REQUESTED),
    ],
)
def test_illegal_transitions_raise_with_context(state: S, trigger: T) -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        step(state, trigger)
    assert caught.value.order_id == "C1"
    assert caught.value.state is state
    assert caught.value.trigger is trigger
    assert state.name in str(caught.value)


def test_terminal_states_accept_nothing_but_late_rejects() -> None:
    for (state, trigger), _ in ORDER_STATE_TABLE.items():
        if state.is_terminal:
            assert trigger in (T.CANCEL_REJECTED, T.REPLACE_REJECTED)


def test_cancel_reject_after_the_venue_rejected_the_order_is_harmless() -> None:
    assert step(S.REJECTED, T.CANCEL_REJECTED) is S.REJECTED
