"""Tiny LOBSTER-format files for tests: messages in, a consistent order book reconstructed from them.

Nothing here knows the shared sample files: tickers, days and level counts are whatever a test asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.marketdata.lobster import (
    EMPTY_ASK_PRICE,
    EMPTY_BID_PRICE,
    LobsterDay,
    discover_symbol_days,
    load_symbol_day,
)

NS = 1_000_000_000
OPEN_S = 34_200
CLOSE_S = 57_600


@dataclass(frozen=True, slots=True)
class Msg:
    """One message; `t` in seconds after midnight (float or an exact decimal string)."""

    t: float | str
    kind: int
    order_id: int
    size: int
    price: int
    direction: int


def seconds_text(t: float | str) -> str:
    return t if isinstance(t, str) else f"{t:.9f}"


def book_rows(messages: list[Msg], levels: int) -> list[list[int]]:
    """The order book after each message (types 1 add, 2/3/4 remove, 5 hidden: no change)."""
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    rows = []
    for m in messages:
        side = bids if m.direction == 1 else asks
        if m.kind == 1:
            side[m.price] = side.get(m.price, 0) + m.size
        elif m.kind in (2, 3, 4):
            left = side.get(m.price, 0) - m.size
            if left < 0:
                raise ValueError(f"message removes more than rests at {m.price}: {m}")
            if left:
                side[m.price] = left
            else:
                side.pop(m.price, None)
        ask_levels = sorted(asks.items())[:levels]
        bid_levels = sorted(bids.items(), reverse=True)[:levels]
        row = []
        for i in range(levels):
            ap, az = ask_levels[i] if i < len(ask_levels) else (EMPTY_ASK_PRICE, 0)
            bp, bz = bid_levels[i] if i < len(bid_levels) else (EMPTY_BID_PRICE, 0)
            row += [ap, az, bp, bz]
        rows.append(row)
    return rows


def write_symbol_day(
    directory: Path, ticker: str, day: str, levels: int, messages: list[Msg],
    start_ms: int = OPEN_S * 1000, end_ms: int = CLOSE_S * 1000,
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{ticker}_{day}_{start_ms}_{end_ms}"
    message_path = directory / f"{stem}_message_{levels}.csv"
    orderbook_path = directory / f"{stem}_orderbook_{levels}.csv"
    message_path.write_text(
        "".join(
            f"{seconds_text(m.t)},{m.kind},{m.order_id},{m.size},{m.price},{m.direction}\n" for m in messages
        )
    )
    orderbook_path.write_text("".join(",".join(map(str, row)) + "\n" for row in book_rows(messages, levels)))
    return message_path, orderbook_path


def make_day(directory: Path, messages: list[Msg], levels: int = 3, ticker: str = "XYZ",
             day: str = "2019-03-04") -> LobsterDay:
    """Write one symbol-day and load it back through discovery and the loader."""
    write_symbol_day(directory, ticker, day, levels, messages)
    (symbol_day,) = [sd for sd in discover_symbol_days(directory) if sd.ticker == ticker]
    return load_symbol_day(symbol_day)


def trades_day(times_s: list[float], sizes: list[int], price: int = 1_000_000) -> list[Msg]:
    """A minimal day: one resting sell per trade, executed at once (for volume curves)."""
    messages = []
    for i, (t, size) in enumerate(zip(times_s, sizes, strict=True)):
        messages.append(Msg(t, 1, 1000 + i, size, price, -1))
        messages.append(Msg(t, 4, 1000 + i, size, price, -1))
    return messages
