"""Ticket validation on its own (`engine/validation.py`), every check and every edge: the desk checks some of the
same things again behind it (engine/tickets/problems.py), so only a test of this layer alone shows each of its
checks matters. Each bad value is refused naming its field; each value at an edge is taken."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.algos.registry import ALGOS
from engine.model import Instrument, Side, Symbol
from engine.validation import Invalid, ValidTicket, check_quantity, unrecordable_quantity, validate_ticket

NOW = 1_000_000
AAPL = Instrument(Symbol("AAPL"), Decimal("0.01"), 1)


def validate(**changes: Any) -> ValidTicket | Invalid:
    terms: dict[str, Any] = dict(symbol="AAPL", side=Side.BUY, quantity=100, limit_price=None, algo="TWAP",
                                 start_ns=None, end_ns=NOW + 10, params={}, now_ns=NOW,
                                 instruments={AAPL.symbol: AAPL}, algos=ALGOS)
    terms.update(changes)
    return validate_ticket(**terms)


@pytest.mark.parametrize(("changes", "field", "said"), [
    ({"side": "BUY"}, "side", "side must be BUY or SELL, got 'BUY'"),
    ({"quantity": 100.0}, "quantity", "quantity must be a whole number of shares, got 100.0"),
    ({"quantity": True}, "quantity", "quantity must be a whole number of shares, got True"),
    ({"limit_price": 189.5}, "limit", "limit price must be a decimal number, got 189.5"),
    ({"limit_price": Decimal("NaN")}, "limit", "limit price must be a decimal number, got Decimal('NaN')"),
    ({"limit_price": Decimal("0.00")}, "limit", "limit price must be positive, got 0.00"),
    ({"limit_price": Decimal("-0.01")}, "limit", "limit price must be positive, got -0.01"),
    ({"start_ns": "09:30"}, "start", "start time must be integer nanoseconds, got '09:30'"),
    ({"start_ns": True}, "start", "start time must be integer nanoseconds, got True"),
    ({"end_ns": float(NOW + 10)}, "end", "end time must be integer nanoseconds, got 1000010.0"),
    ({"end_ns": NOW}, "end", "end time is already past"),
    ({"start_ns": NOW + 10}, "end", "end time must be after the start time"),
])
def test_each_bad_term_is_refused_naming_its_field(changes: dict[str, Any], field: str, said: str) -> None:
    assert validate(**changes) == Invalid(field, said)


def test_terms_at_their_edges_are_taken() -> None:
    at_edges = validate(limit_price=Decimal("0.01"), start_ns=NOW + 9, end_ns=NOW + 10)  # a tick; 1 ns of window
    assert isinstance(at_edges, ValidTicket)
    assert (at_edges.limit_price, at_edges.start_ns, at_edges.end_ns) == (Decimal("0.01"), NOW + 9, NOW + 10)
    assert isinstance(validate(end_ns=NOW + 1), ValidTicket)  # ends 1 ns from now


def test_a_quantity_may_come_down_to_exactly_what_is_filled_and_no_further() -> None:
    assert check_quantity(300, AAPL, at_least=300) == 300
    below = Invalid("quantity", "quantity 299 is below the 300 already filled")
    assert check_quantity(299, AAPL, at_least=300) == below


def test_a_quantity_of_31_digits_is_refused_before_it_is_journaled_and_30_digits_are_checked_as_usual() -> None:
    assert unrecordable_quantity(10**30) == ("quantity must be at most 1,000,000,000,000 shares, got a number of "
                                             "more than 30 digits")
    assert unrecordable_quantity(10**30 - 1) is None and unrecordable_quantity(-(10**30) + 1) is None
