"""Which block a ticket joins: mandate rules, tables of cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model import Side
from engine.tickets import AggregationRules, CrossingPolicy, TicketBook, TicketJoined, WindowRule
from engine.tickets.aggregation import BlockMandate, joined_mandate, mandate_key

from .conftest import INSTRUMENTS, MSFT, TicketMaker

H = 3_600_000_000_000  # one hour in ns


def _blocks(book: TicketBook, tickets: list) -> list[str]:
    joined = []
    for ticket in tickets:
        result = book.add_ticket(ticket)
        assert isinstance(result, TicketJoined), result
        joined.append(result.block_id)
    return joined


# (description, rules, overrides of the second ticket, same block?)
CASES = [
    ("same mandate", AggregationRules(), {}, True),
    ("other side", AggregationRules(), {"side": Side.SELL}, False),
    ("other symbol", AggregationRules(), {"symbol": MSFT}, False),
    ("other algo", AggregationRules(), {"algo": "TWAP"}, False),
    ("other algo, algo not matched", AggregationRules(match_algo=False), {"algo": "TWAP"}, True),
    ("other urgency", AggregationRules(), {"urgency": "HIGH"}, False),
    ("other urgency, not matched", AggregationRules(match_urgency=False), {"urgency": "HIGH"}, True),
    ("other account, accounts pooled", AggregationRules(), {"account": "ACC2"}, True),
    ("other account, per account", AggregationRules(match_account=True), {"account": "ACC2"}, False),
    ("other source, per source", AggregationRules(match_source=True), {"source": "fix"}, False),
    ("limit vs market", AggregationRules(), {"limit": "10.00"}, False),
    ("limit vs market, any limit, no mixing", AggregationRules(limit_tolerance_ticks=None), {"limit": "10.00"}, False),
    (
        "limit vs market, any limit, mixing",
        AggregationRules(limit_tolerance_ticks=None, mix_market_and_limit=True),
        {"limit": "10.00"},
        True,
    ),
    ("other window, equal windows", AggregationRules(), {"start_ns": 10 * H, "end_ns": 12 * H}, False),
    (
        "other window, windows ignored",
        AggregationRules(window=WindowRule.IGNORE),
        {"start_ns": 10 * H, "end_ns": 12 * H},
        True,
    ),
    ("crossing off for this ticket", AggregationRules(), {"allow_cross": False}, False),
]


@pytest.mark.parametrize(("rules", "overrides", "same"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ticket_joins_a_block_only_with_a_compatible_mandate(
    make: TicketMaker, rules: AggregationRules, overrides: dict, same: bool
) -> None:
    book = TicketBook(INSTRUMENTS, rules)
    first, second = _blocks(book, [make(), make(**overrides)])
    assert (first == second) is same


@pytest.mark.parametrize(
    ("tolerance", "limits", "expected"),
    [
        (0, ["10.00", "10.00", "10.01"], [1, 1, 2]),
        (2, ["10.00", "10.02", "10.03"], [1, 1, 2]),  # 10.03 would stretch the block to 3 ticks
        (2, ["10.00", "10.02", "9.99"], [1, 1, 2]),
        (5, ["10.00", "10.02", "10.05"], [1, 1, 1]),
        (None, ["10.00", "12.00", "8.00"], [1, 1, 1]),
    ],
)
def test_limit_tolerance_bounds_the_spread_of_limits_in_a_block(
    make: TicketMaker, tolerance: int | None, limits: list[str], expected: list[int]
) -> None:
    book = TicketBook(INSTRUMENTS, AggregationRules(limit_tolerance_ticks=tolerance))
    blocks = _blocks(book, [make(limit=limit) for limit in limits])
    assert [int(b[1:]) for b in blocks] == expected


def test_a_block_works_the_most_restrictive_limit_of_its_tickets(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS, AggregationRules(limit_tolerance_ticks=5))
    buys = _blocks(book, [make(limit="10.00"), make(limit="10.03")])
    sells = _blocks(book, [make(Side.SELL, limit="10.00"), make(Side.SELL, limit="10.03")])
    assert book.block(buys[0]).limit_price == Decimal("10.00")  # type: ignore[union-attr]
    assert book.block(sells[0]).limit_price == Decimal("10.03")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("windows", "expected_blocks", "block_window"),
    [
        ([(10, 12), (11, 13)], [1, 1], (11, 12)),  # overlap: the block works the intersection
        ([(10, 12), (12, 13)], [1, 2], (10, 12)),  # touching is not overlapping
        ([(10, 12), (None, None)], [1, 1], (10, 12)),  # an open window overlaps anything
        ([(10, 14), (11, 12), (13, 14)], [1, 1, 2], (11, 12)),  # the third misses the intersection
    ],
)
def test_overlapping_windows_share_a_block_working_their_intersection(
    make: TicketMaker,
    windows: list[tuple[int | None, int | None]],
    expected_blocks: list[int],
    block_window: tuple[int, int],
) -> None:
    book = TicketBook(INSTRUMENTS, AggregationRules(window=WindowRule.OVERLAP))
    tickets = [make(start_ns=None if s is None else s * H, end_ns=None if e is None else e * H) for s, e in windows]
    blocks = _blocks(book, tickets)
    assert [int(b[1:]) for b in blocks] == expected_blocks
    view = book.block(blocks[0])
    assert view is not None and (view.start_ns, view.end_ns) == (block_window[0] * H, block_window[1] * H)


def test_joining_raises_the_block_quantity_by_the_ticket(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    first = book.add_ticket(make(quantity=500))
    second = book.add_ticket(make(quantity=300))
    assert isinstance(first, TicketJoined) and first.new_block and first.block_quantity == 500
    assert isinstance(second, TicketJoined) and not second.new_block
    assert (second.quantity_delta, second.block_quantity) == (300, 800)


def test_a_completed_block_takes_no_more_tickets(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    first = book.add_ticket(make(quantity=500))
    assert isinstance(first, TicketJoined)
    book.on_fill(first.block_id, 500, Decimal("10.00"))
    again = book.add_ticket(make(quantity=500))
    assert isinstance(again, TicketJoined) and again.new_block and again.block_id != first.block_id


def test_crossing_policy_keeps_disabled_sources_and_accounts_apart(make: TicketMaker) -> None:
    policy = CrossingPolicy(disabled_sources=frozenset({"fix"}), disabled_accounts=frozenset({"PENSION"}))
    book = TicketBook(INSTRUMENTS, crossing=policy)
    blocks = _blocks(book, [make(), make(source="fix"), make(account="PENSION"), make()])
    assert blocks[0] == blocks[3] != blocks[1]
    assert blocks[1] == blocks[2]  # both not crossable: they may still be worked together
    assert book.block(blocks[1]).crossable is False  # type: ignore[union-attr]


def test_fuzzy_rules_pick_the_oldest_compatible_block(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS, AggregationRules(limit_tolerance_ticks=2))
    blocks = _blocks(book, [make(limit="10.00"), make(limit="10.05"), make(limit="10.02"), make(limit="10.03")])
    assert [int(b[1:]) for b in blocks] == [1, 2, 1, 2]


def test_joined_mandate_is_pure_and_rejects_incompatible_limits() -> None:
    rules = AggregationRules(limit_tolerance_ticks=1)
    mandate = BlockMandate(1000, 1000, None, None)
    assert joined_mandate(mandate, 1001, None, None, rules) == BlockMandate(1000, 1001, None, None)
    assert joined_mandate(mandate, 1002, None, None, rules) is None
    assert joined_mandate(mandate, None, None, None, rules) is mandate


def test_mandate_key_ignores_what_the_rules_do_not_match(make: TicketMaker) -> None:
    rules = AggregationRules(match_algo=False)
    assert mandate_key(make(algo="VWAP"), rules, True) == mandate_key(make(algo="TWAP"), rules, True)
    assert mandate_key(make(), rules, True) != mandate_key(make(), rules, False)
