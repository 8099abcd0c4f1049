"""The router's money rules.

`sweep`: never routes at a price past the limit (on any level, not only the first), never asks a venue
for more than it shows, keeps whole lots, and prices each venue's IOC at the worst level taken there
(never beyond the limit). `choose_passive_venue`: rests on the venue showing the best price on our side,
else on the first configured venue.

Books are built the way the engine sees them: per-venue `BookUpdated`s consolidated by `MarketView`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.events import BookUpdated
from engine.market import MarketView, VenueLevel
from engine.model import Side, Symbol, VenueId
from engine.router import RouteSlice, choose_passive_venue, sweep

SYM = Symbol("XYZ")
Book = dict[str, list[tuple[str, int]]]  # venue -> [(price, size)], that venue's own best first


def consolidated(book: Book, *, side_of_book: str) -> list[VenueLevel]:
    """All venues' levels on one side ("asks" or "bids"), best first, as `MarketView` gives them."""
    market = MarketView()
    for venue, levels in book.items():
        own = tuple((Decimal(p), s) for p, s in levels)
        market.on_book(BookUpdated(0, VenueId(venue), SYM, own if side_of_book == "bids" else (),
                                   own if side_of_book == "asks" else ()))
    return market.levels(SYM, asks=side_of_book == "asks")


def route(book: Book, side: Side, quantity: int, limit: str | None, lot: int = 1) -> dict[str, tuple[int, str]]:
    """Sweep `book` (the side we take: asks for a buy, bids for a sell): venue -> (quantity, IOC price)."""
    levels = consolidated(book, side_of_book="asks" if side is Side.BUY else "bids")
    slices = sweep(levels, side, quantity, None if limit is None else Decimal(limit), lot)
    assert len({s.venue for s in slices}) == len(slices), f"one IOC per venue: {slices}"
    return {s.venue: (s.quantity, str(s.price)) for s in slices}


# --- sweep: table cases ---------------------------------------------------------------------------------------

ASKS: Book = {
    "A": [("10.00", 100), ("10.02", 100), ("10.05", 100)],
    "B": [("10.01", 100), ("10.03", 100)],
    "C": [("10.02", 50), ("10.04", 100)],
}
BIDS: Book = {
    "A": [("9.99", 100), ("9.97", 100), ("9.94", 100)],
    "B": [("9.98", 100), ("9.96", 100)],
    "C": [("9.97", 50), ("9.95", 100)],
}


def test_buy_sweep_stops_at_the_limit_on_deeper_levels_across_venues() -> None:
    # asks best first: A 10.00, B 10.01, A 10.02, C 10.02, B 10.03, C 10.04, A 10.05
    assert route(ASKS, Side.BUY, 10_000, "10.02") == {"A": (200, "10.02"), "B": (100, "10.01"), "C": (50, "10.02")}
    assert route(ASKS, Side.BUY, 10_000, "10.03") == {"A": (200, "10.02"), "B": (200, "10.03"), "C": (50, "10.02")}
    assert route(ASKS, Side.BUY, 10_000, "10.015") == {"A": (100, "10.00"), "B": (100, "10.01")}
    assert route(ASKS, Side.BUY, 10_000, "10.005") == {"A": (100, "10.00")}


def test_sell_sweep_stops_at_the_limit_on_deeper_levels_across_venues() -> None:
    # bids best first: A 9.99, B 9.98, A 9.97, C 9.97, B 9.96, C 9.95, A 9.94
    assert route(BIDS, Side.SELL, 10_000, "9.97") == {"A": (200, "9.97"), "B": (100, "9.98"), "C": (50, "9.97")}
    assert route(BIDS, Side.SELL, 10_000, "9.96") == {"A": (200, "9.97"), "B": (200, "9.96"), "C": (50, "9.97")}
    assert route(BIDS, Side.SELL, 10_000, "9.975") == {"A": (100, "9.99"), "B": (100, "9.98")}
    assert route(BIDS, Side.SELL, 10_000, "9.985") == {"A": (100, "9.99")}


def test_sweep_with_the_limit_better_than_the_whole_book_sends_nothing() -> None:
    assert route(ASKS, Side.BUY, 500, "9.99") == {}
    assert route(BIDS, Side.SELL, 500, "10.00") == {}


def test_sweep_without_a_limit_takes_only_what_is_shown_best_first() -> None:
    assert route(ASKS, Side.BUY, 10_000, None) == {"A": (300, "10.05"), "B": (200, "10.03"), "C": (150, "10.04")}
    # 250: A 10.00 x100, B 10.01 x100, then A's 10.02 x100 (larger than C's at the same price) for 50
    assert route(ASKS, Side.BUY, 250, None) == {"A": (150, "10.02"), "B": (100, "10.01")}


def test_sweep_never_asks_a_venue_for_more_than_it_shows() -> None:
    book: Book = {"A": [("10.00", 30)], "B": [("10.00", 20), ("10.01", 5)]}
    assert route(book, Side.BUY, 1_000, "10.01") == {"A": (30, "10.00"), "B": (25, "10.01")}
    assert route(book, Side.BUY, 40, "10.01") == {"A": (30, "10.00"), "B": (10, "10.00")}


def test_sweep_keeps_whole_lots_at_every_level() -> None:
    book: Book = {"A": [("10.00", 250), ("10.01", 180)], "B": [("10.00", 99), ("10.02", 100)]}
    # A 10.00 x250 -> 200, B 10.00 x99 -> nothing, A 10.01 x180 -> 100, B 10.02 x100 -> 100
    assert route(book, Side.BUY, 1_000, "10.02", lot=100) == {"A": (300, "10.01"), "B": (100, "10.02")}
    assert route(book, Side.BUY, 300, "10.02", lot=100) == {"A": (300, "10.01")}


def test_each_venue_ioc_is_priced_at_the_worst_level_taken_there_not_its_first() -> None:
    book: Book = {"A": [("10.00", 100), ("10.01", 100), ("10.02", 100)], "B": [("10.015", 1)]}
    assert route(book, Side.BUY, 250, "10.05") == {"A": (249, "10.02"), "B": (1, "10.015")}
    bids: Book = {"A": [("10.00", 100), ("9.99", 100), ("9.98", 100)]}
    assert route(bids, Side.SELL, 250, "9.90") == {"A": (250, "9.98")}


def test_a_level_exactly_at_the_limit_is_taken() -> None:
    assert route({"A": [("10.00", 100), ("10.02", 100)]}, Side.BUY, 500, "10.02") == {"A": (200, "10.02")}
    assert route({"A": [("10.00", 100), ("9.98", 100)]}, Side.SELL, 500, "9.98") == {"A": (200, "9.98")}


# --- sweep: property over random books ------------------------------------------------------------------------

VENUES = ("A", "B", "C", "D")
TICK = Decimal("0.01")


@st.composite
def books(draw: st.DrawFn) -> Book:
    """1-4 venues, each with up to 5 distinct price levels (in ticks from 10.00), its own best first."""
    book: Book = {}
    for venue in draw(st.lists(st.sampled_from(VENUES), min_size=1, max_size=4, unique=True)):
        ticks = draw(st.lists(st.integers(0, 20), min_size=1, max_size=5, unique=True))
        sizes = draw(st.lists(st.integers(1, 700), min_size=len(ticks), max_size=len(ticks)))
        book[venue] = [(str(Decimal("10.00") + t * TICK), s) for t, s in zip(sorted(ticks), sizes, strict=True)]
    return book


def expected_worst_taken(levels: list[VenueLevel], side: Side, quantity: int, limit: Decimal | None,
                         lot: int) -> dict[VenueId, Decimal]:
    """Per venue, the worst price among the levels a best-first, whole-lot walk takes something from."""
    worst: dict[VenueId, Decimal] = {}
    left = quantity
    for level in levels:
        within = limit is None or (level.price <= limit if side is Side.BUY else level.price >= limit)
        if left <= 0 or not within:
            break
        take = min(left, level.size) // lot * lot
        if take:
            left -= take
            worst[level.venue] = level.price  # levels come best first: later is worse
    return worst


@settings(max_examples=300, deadline=None)
@given(
    book=books(), side=st.sampled_from(Side), lot=st.sampled_from([1, 10, 100]),
    lots=st.integers(1, 40), limit_ticks=st.none() | st.integers(-2, 22),
)
def test_sweep_over_any_book_respects_limit_display_lots_and_prices_at_the_worst_level_taken(
    book: Book, side: Side, lot: int, lots: int, limit_ticks: int | None
) -> None:
    if side is Side.SELL:  # a bid book: the venue's own best is its highest price
        book = {v: sorted(levels, key=lambda lvl: -Decimal(lvl[0])) for v, levels in book.items()}
    levels = consolidated(book, side_of_book="asks" if side is Side.BUY else "bids")
    quantity = lots * lot
    limit = None if limit_ticks is None else Decimal("10.00") + limit_ticks * TICK

    slices: list[RouteSlice] = sweep(levels, side, quantity, limit, lot)

    def no_worse(price: Decimal, than: Decimal) -> bool:
        return price <= than if side is Side.BUY else price >= than

    assert len({s.venue for s in slices}) == len(slices)
    assert sum(s.quantity for s in slices) <= quantity
    shown: dict[VenueId, list[VenueLevel]] = defaultdict(list)
    for level in levels:
        shown[level.venue].append(level)
    for s in slices:
        assert s.quantity > 0 and s.quantity % lot == 0, s
        if limit is not None:
            assert no_worse(s.price, limit), f"{s} is past the limit {limit}"
        assert s.price in {lvl.price for lvl in shown[s.venue]}, f"{s} is not a price {s.venue} shows"
        reachable = sum(lvl.size for lvl in shown[s.venue] if no_worse(lvl.price, s.price))
        assert s.quantity <= reachable, f"{s} asks for more than {s.venue} shows up to {s.price} ({reachable})"
    assert {s.venue: s.price for s in slices} == expected_worst_taken(levels, side, quantity, limit, lot)


# --- passive venue ----------------------------------------------------------------------------------------------


def test_passive_buy_rests_on_the_venue_with_the_highest_bid_even_when_it_is_not_first_configured() -> None:
    bids = consolidated({"A": [("9.98", 500)], "B": [("9.99", 100)], "C": [("9.97", 900)]}, side_of_book="bids")
    assert choose_passive_venue(bids, [VenueId("A"), VenueId("B"), VenueId("C")]) == "B"
    assert choose_passive_venue(bids, [VenueId("A"), VenueId("C")]) == "A"  # B not lit: next best


def test_passive_sell_rests_on_the_venue_with_the_lowest_ask_even_when_it_is_not_first_configured() -> None:
    asks = consolidated({"A": [("10.02", 500)], "B": [("10.03", 100)], "C": [("10.01", 10)]}, side_of_book="asks")
    assert choose_passive_venue(asks, [VenueId("A"), VenueId("B"), VenueId("C")]) == "C"


def test_passive_tie_on_price_goes_to_the_larger_size_then_the_venue_name() -> None:
    bids = consolidated({"A": [("9.99", 100)], "B": [("9.99", 300)], "C": [("9.99", 300)]}, side_of_book="bids")
    assert choose_passive_venue(bids, [VenueId("A"), VenueId("C"), VenueId("B")]) == "B"


def test_passive_ignores_venues_that_are_not_configured() -> None:
    bids = consolidated({"X": [("10.00", 100)], "B": [("9.99", 100)]}, side_of_book="bids")
    assert choose_passive_venue(bids, [VenueId("A"), VenueId("B")]) == "B"


@pytest.mark.parametrize("levels", [[], [VenueLevel(VenueId("X"), Decimal("10.00"), 100)]])
def test_passive_falls_back_to_the_first_configured_venue_when_none_shows_a_price(levels: list[VenueLevel]) -> None:
    assert choose_passive_venue(levels, [VenueId("B"), VenueId("A")]) == "B"


def test_passive_with_no_venues_has_nowhere_to_rest() -> None:
    assert choose_passive_venue([], []) is None
    assert choose_passive_venue([VenueLevel(VenueId("A"), Decimal("10.00"), 100)], []) is None


def test_a_passive_child_with_no_venue_to_rest_on_goes_nowhere_and_says_so() -> None:
    from engine.router import route_passive
    decision = route_passive([], [], 300, Decimal("100.00"))
    assert decision.slices == () and decision.note == "no venue to rest on"
