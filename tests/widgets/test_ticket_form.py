"""Local ticket validation: each bad field gets a message naming what is wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widgets.ticket_form import (
    TicketForm,
    TicketInput,
    field_name,
    parse_limit,
    parse_quantity,
    validate_ticket,
)

SYMBOLS = ("AAPL", "MSFT")
ALGOS = ("VWAP", "TWAP")


def entry(**changes: object) -> TicketInput:
    fields: dict[str, object] = {
        "symbol": "aapl",
        "side": "BUY",
        "quantity": "10,000",
        "limit": "",
        "algo": "VWAP",
        "start_seconds": None,
        "end_seconds": 16 * 3600,
    }
    fields.update(changes)
    return TicketInput(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "Quantity must be a whole number of shares, got 'abc'"),
        ("0", "Quantity must be positive, got 0"),
        ("-5", "Quantity must be positive, got -5"),
        ("1.5", "Quantity must be a whole number of shares, got '1.5'"),
        ("", "Quantity is required"),
        ("nan", "Quantity must be a whole number of shares, got 'nan'"),
        ("2000000000", "Quantity 2,000,000,000 is above the ticket maximum of 1,000,000,000"),
    ],
)
def test_bad_quantities_are_refused_with_the_reason(text: str, message: str) -> None:
    assert parse_quantity(text) == message


@pytest.mark.parametrize(("text", "message"), [
    ("1E999999999k", "Quantity 1E999999999k is above the ticket maximum of 1,000,000,000"),  # raised Overflow
    ("1E+99999999999999999", "Quantity 1E+99999999999999999 is above the ticket maximum of 1,000,000,000"),
    ("1E999999", "Quantity 1E999999 is above the ticket maximum of 1,000,000,000"),  # raised ValueError
    ("9" * 5000, "Quantity must be a number of at most 32 characters, got '" + "9" * 37 + "...'"),
    ("1E-999999999", "Quantity must be a whole number of shares, got '1E-999999999'"),  # said 'positive'
    ("1E-30k", "Quantity must be a whole number of shares, got '1E-30k'"),
    ("1e5m", "Quantity 1e5m is above the ticket maximum of 1,000,000,000"),
])
def test_hostile_quantities_are_refused_with_the_reason_in_bounded_work(text: str, message: str) -> None:
    assert parse_quantity(text) == message


@pytest.mark.parametrize(("text", "shares"), [("0.5k", 500), ("1E9", 1_000_000_000), ("1e3k", 1_000_000)])
def test_exponents_and_fractions_of_a_suffix_that_make_whole_shares_are_read(text: str, shares: int) -> None:
    assert parse_quantity(text) == shares


def test_a_limit_pasted_longer_than_a_price_is_refused_unread() -> None:
    assert parse_limit("1" * 100_000) == ("Limit price must be a price of at most 32 characters, got '"
                                          + "1" * 37 + "...'")


@pytest.mark.parametrize(("text", "shares"), [("500", 500), ("1,500", 1_500), ("2k", 2_000), ("1.5M", 1_500_000)])
def test_quantities_accept_separators_and_k_m_suffixes(text: str, shares: int) -> None:
    assert parse_quantity(text) == shares


@given(st.integers(1, 1_000_000_000))
def test_any_positive_whole_quantity_round_trips_with_separators(shares: int) -> None:
    assert parse_quantity(f"{shares:,}") == shares


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("", None),
        ("101.25", Decimal("101.25")),
        ("x", "Limit price must be a number, got 'x'"),
        ("0", "Limit price must be positive, got 0"),
        ("-1.5", "Limit price must be positive, got -1.5"),
        ("inf", "Limit price must be a finite number, got 'inf'"),
    ],
)
def test_limit_is_blank_for_none_or_a_positive_number(text: str, result: object) -> None:
    assert parse_limit(text) == result


def test_a_valid_ticket_becomes_a_form_with_exact_types() -> None:
    form = validate_ticket(entry(limit="101.5", start_seconds=34_200), SYMBOLS, ALGOS)
    assert form == TicketForm("AAPL", "BUY", 10_000, Decimal("101.5"), "VWAP", 34_200, 57_600)


def test_end_before_start_is_refused_naming_both_times() -> None:
    errors = validate_ticket(entry(start_seconds=11 * 3600, end_seconds=10 * 3600), SYMBOLS, ALGOS)
    assert isinstance(errors, tuple)
    assert [(e.field, e.message) for e in errors] == [("end_seconds", "End 10:00:00 must be after start 11:00:00")]


def test_end_already_past_is_refused_when_starting_now() -> None:
    errors = validate_ticket(entry(end_seconds=10 * 3600), SYMBOLS, ALGOS, now_seconds=11 * 3600)
    assert isinstance(errors, tuple)
    assert errors[0].message == "End 10:00:00 has passed (market time 11:00:00)"


def test_every_bad_field_is_reported_at_once() -> None:
    errors = validate_ticket(entry(symbol="ZZZ", side="HOLD", quantity="abc", limit="x", algo="MAGIC"), SYMBOLS, ALGOS)
    assert isinstance(errors, tuple)
    assert [e.field for e in errors] == ["symbol", "side", "quantity", "limit_price", "algo"]
    assert errors[0].message == "Unknown symbol 'ZZZ'"
    assert errors[4].message == "Unknown algo 'MAGIC': choose one of VWAP, TWAP"


def test_engine_field_names_map_onto_ticket_fields() -> None:
    assert field_name("limit") == "limit_price"
    assert field_name("Quantity") == "quantity"
    assert field_name("end_ns") == "end_seconds"
    assert field_name("venue") is None


def test_account_and_urgency_default_and_are_validated() -> None:
    form = validate_ticket(entry(), SYMBOLS, ALGOS)
    assert isinstance(form, TicketForm)
    assert (form.account, form.urgency, form.params) == ("DESK", "MEDIUM", ())
    errors = validate_ticket(entry(account="", urgency="asap"), SYMBOLS, ALGOS)
    assert isinstance(errors, tuple)
    assert [(e.field, e.message) for e in errors] == [
        ("account", "Account is required"),
        ("urgency", "Urgency must be one of LOW, MEDIUM, HIGH, got 'asap'"),
    ]
    bad = validate_ticket(entry(account="FUND;DROP"), SYMBOLS, ALGOS)
    assert isinstance(bad, tuple)
    assert bad[0].message == "Account 'FUND;DROP' may only hold letters, digits, space and . _ - / :"
    high = validate_ticket(entry(account=" FUND-A ", urgency="high"), SYMBOLS, ALGOS)
    assert isinstance(high, TicketForm) and (high.account, high.urgency) == ("FUND-A", "HIGH")


def test_forms_built_the_old_way_still_work() -> None:
    form = TicketForm("AAPL", "BUY", 100, None, "VWAP", None, 57_600)
    assert (form.account, form.urgency, form.params) == ("DESK", "MEDIUM", ())
    assert field_name("params") == "params"
