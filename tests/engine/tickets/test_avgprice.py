"""Average price: exact integer rounding, the same as the Decimal quotient rounded half-even."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from engine.model import Instrument, Symbol
from engine.tickets.avgprice import average_price


@given(
    st.integers(0, 10**15),
    st.integers(1, 10**8),
    st.sampled_from(["0.01", "0.05", "0.0001", "1", "0.25", "0.010", "5"]),
)
def test_average_price_is_the_exact_quotient_rounded_half_even_four_places_past_the_tick(
    units: int, shares: int, tick: str
) -> None:
    instrument = Instrument(Symbol("X"), Decimal(tick), 1)
    with localcontext() as ctx:
        ctx.prec = 80  # wide enough to be exact before the one rounding
        exact = Decimal(units) * Decimal(tick) / 2 / shares
        expected = exact.quantize(Decimal(tick).scaleb(-4), rounding=ROUND_HALF_EVEN)
    got = average_price(instrument, units, shares)
    assert got == expected
    assert got is not None and got.as_tuple().exponent == expected.as_tuple().exponent


def test_half_way_rounds_to_even() -> None:
    instrument = Instrument(Symbol("X"), Decimal("0.01"), 1)
    # 1 unit = 0.005 over 2000 shares = 0.0000025: half way between 0.000002 and 0.000003 -> even
    assert average_price(instrument, 1, 2000) == Decimal("0.000002")
    assert average_price(instrument, 3, 2000) == Decimal("0.000008")  # 0.0000075 -> 0.000008
    assert average_price(instrument, 5, 0) is None
