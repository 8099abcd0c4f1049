"""LOBSTER files: find replayable symbol-days in a folder and load them into numpy columns.

A symbol-day is a pair `{TICKER}_{YYYY-MM-DD}_{start_ms}_{end_ms}_{message|orderbook}_{LEVELS}.csv`;
files are found by that pattern only (any ticker, day or level count), never by fixed names.

Price representation: LOBSTER writes prices as integer USD x 10000 (5853300 = $585.33). We keep that
integer ("lobster price") in the columns; `lobster_price` turns it into an exact `Decimal` at the edge.
Displayed prices sit on the $0.01 tick (multiples of 100); hidden executions may print at sub-penny
midpoints (e.g. 5856150 = $585.615), which stay exact as 4-decimal `Decimal`s.

Times are nanoseconds since midnight (exchange-local), int64. The file writes decimal seconds with up
to 9 fractional digits; parsing as float64 and rounding `seconds * 1e9` is exact below 86,400 s
(the float error is < 0.02 ns), and the tests check it against an exact string parse.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

NS_PER_SECOND = 1_000_000_000
NS_PER_MS = 1_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
PRICE_SCALE = 10_000
"""LOBSTER price units per dollar."""
CENT = PRICE_SCALE // 100
"""One $0.01 tick in LOBSTER price units."""
EMPTY_ASK_PRICE = 9_999_999_999
EMPTY_BID_PRICE = -9_999_999_999

FILE_PATTERN = re.compile(
    r"^(?P<ticker>[A-Za-z0-9.\-]+)_(?P<day>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_"
    r"(?P<kind>message|orderbook)_(?P<levels>\d+)\.csv$"
)


class MessageType(IntEnum):
    """LOBSTER message types (column 2 of the message file)."""

    NEW = 1
    PARTIAL_CANCEL = 2
    DELETE = 3
    EXECUTE_VISIBLE = 4
    EXECUTE_HIDDEN = 5
    CROSS = 6
    HALT = 7


class LobsterFormatError(ValueError):
    """A LOBSTER file that does not follow the format; names the file and the 1-based line."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class SymbolDay:
    """One replayable symbol-day: the deepest complete message/orderbook pair found for it."""

    ticker: str
    day: date
    start_ms: int
    end_ms: int
    levels: int
    message_path: Path
    orderbook_path: Path
    lightest_message_path: Path
    """Message file of the shallowest pair: it still holds every execution, and loads fastest."""

    @property
    def key(self) -> str:
        """`AAPL_2012-06-21`: how the symbol-day is named in provenance strings and reports."""
        return f"{self.ticker}_{self.day.isoformat()}"

    @property
    def midnight_epoch_ns(self) -> int:
        """Epoch ns of the day's midnight (engine convention: exchange-local time encoded as UTC)."""
        return int(datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC).timestamp()) * NS_PER_SECOND

    @property
    def session_start_ns(self) -> int:
        """Start of the file's period, ns since midnight."""
        return self.start_ms * NS_PER_MS

    @property
    def session_end_ns(self) -> int:
        return self.end_ms * NS_PER_MS


def discover_symbol_days(directory: Path) -> list[SymbolDay]:
    """Every symbol-day with a complete message + orderbook pair under `directory` (recursively).

    When several level counts exist for one symbol-day the deepest is replayed. Sorted by (ticker, day).
    """
    pairs: dict[tuple[str, date, int, int, int], dict[str, Path]] = {}
    for path in sorted(Path(directory).rglob("*.csv")):
        match = FILE_PATTERN.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            day = date.fromisoformat(match["day"])
        except ValueError:
            continue
        key = (match["ticker"], day, int(match["start"]), int(match["end"]), int(match["levels"]))
        pairs.setdefault(key, {}).setdefault(match["kind"], path)  # first in sorted path order wins
    by_day: dict[tuple[str, date], list[tuple[int, int, int, Path, Path]]] = {}
    for (ticker, day, start, end, levels), files in pairs.items():
        if "message" in files and "orderbook" in files and levels > 0:
            by_day.setdefault((ticker, day), []).append(
                (levels, start, end, files["message"], files["orderbook"])
            )
    found = []
    for (ticker, day), options in sorted(by_day.items()):
        options.sort(key=lambda o: (o[0], o[2] - o[1]))
        levels, start, end, message_path, orderbook_path = options[-1]
        found.append(
            SymbolDay(ticker, day, start, end, levels, message_path, orderbook_path, options[0][3])
        )
    return found


@dataclass(frozen=True, slots=True, eq=False)
class LobsterDay:
    """A loaded symbol-day as columns. Book row k is the book right after message k.

    Prices are LOBSTER integers (USD x 10000); empty levels show the sentinel prices with size 0.
    """

    symbol_day: SymbolDay
    time_ns: IntArray
    event_type: IntArray
    order_id: IntArray
    size: IntArray
    price: IntArray
    direction: IntArray
    ask_price: IntArray
    ask_size: IntArray
    bid_price: IntArray
    bid_size: IntArray
    """Book columns have shape (rows, levels)."""

    @property
    def rows(self) -> int:
        return int(self.time_ns.shape[0])

    @property
    def levels(self) -> int:
        return int(self.ask_price.shape[1])

    @property
    def ticker(self) -> str:
        return self.symbol_day.ticker


def lobster_price(price: int) -> Decimal:
    """Exact dollars for a LOBSTER integer price: 2 decimals on the cent grid, else 4."""
    if price % CENT == 0:
        return Decimal(price // CENT).scaleb(-2)
    return Decimal(price).scaleb(-4)


def load_symbol_day(symbol_day: SymbolDay) -> LobsterDay:
    """Load the message and order book files of `symbol_day` (typed errors for malformed rows)."""
    time_ns, event_type, order_id, size, price, direction = load_messages(symbol_day.message_path)
    book = _load_int_table(symbol_day.orderbook_path, 4 * symbol_day.levels)
    if book.shape[0] != time_ns.shape[0]:
        raise LobsterFormatError(
            symbol_day.orderbook_path,
            None,
            f"{book.shape[0]} order book rows for {time_ns.shape[0]} messages in {symbol_day.message_path.name}",
        )
    _check_book(symbol_day.orderbook_path, book)
    return LobsterDay(
        symbol_day=symbol_day,
        time_ns=time_ns,
        event_type=event_type,
        order_id=order_id,
        size=size,
        price=price,
        direction=direction,
        ask_price=np.ascontiguousarray(book[:, 0::4]),
        ask_size=np.ascontiguousarray(book[:, 1::4]),
        bid_price=np.ascontiguousarray(book[:, 2::4]),
        bid_size=np.ascontiguousarray(book[:, 3::4]),
    )


def load_messages(path: Path) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Columns of a message file: time_ns, type, order id, size, price, direction (all int64)."""
    seconds = _load_table(path, 6, np.float64, usecols=(0,))
    rest = _load_int_table(path, 6, usecols=(1, 2, 3, 4, 5))
    if seconds.shape[0] != rest.shape[0]:  # pragma: no cover - both read the same lines
        raise LobsterFormatError(path, None, "inconsistent row count")
    time_ns = np.rint(seconds[:, 0] * NS_PER_SECOND).astype(np.int64)
    event_type, order_id, size, price, direction = (np.ascontiguousarray(rest[:, i]) for i in range(5))
    _check_messages(path, time_ns, event_type, size, price, direction)
    return time_ns, event_type, order_id, size, price, direction


def _load_int_table(path: Path, columns: int, usecols: tuple[int, ...] | None = None) -> IntArray:
    return _load_table(path, columns, np.int64, usecols).astype(np.int64, copy=False)


def _load_table(
    path: Path, columns: int, dtype: type[np.generic], usecols: tuple[int, ...] | None = None
) -> npt.NDArray[np.generic]:
    try:
        table: npt.NDArray[np.generic] = np.loadtxt(
            path, delimiter=",", dtype=dtype, usecols=usecols, ndmin=2, encoding="ascii"
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise _locate_bad_line(path, columns) or LobsterFormatError(path, None, str(exc)) from exc
    expected = len(usecols) if usecols is not None else columns
    if table.shape[0] == 0:
        raise LobsterFormatError(path, None, "file holds no rows")
    if table.shape[1] != expected:
        raise LobsterFormatError(path, 1, f"expected {columns} columns, found {table.shape[1]}")
    return table


def _locate_bad_line(path: Path, columns: int) -> LobsterFormatError | None:
    """Slow path after a fast parse failed: find the first line that breaks the format."""
    try:
        with path.open(newline="", encoding="ascii") as handle:
            for line_no, row in enumerate(csv.reader(handle), start=1):
                if not row:
                    continue
                if len(row) != columns:
                    return LobsterFormatError(path, line_no, f"expected {columns} columns, found {len(row)}")
                for column, cell in enumerate(row, start=1):
                    if not _is_number(cell, allow_fraction=column == 1 and columns == 6):
                        return LobsterFormatError(path, line_no, f"column {column}: {cell!r} is not a number")
    except UnicodeDecodeError as exc:
        return LobsterFormatError(path, None, f"not ASCII text ({exc.reason} at byte {exc.start})")
    return None


_INTEGER = re.compile(r"^\s*-?\d+\s*$")
_DECIMAL = re.compile(r"^\s*\d+(\.\d{1,9})?\s*$")


def _is_number(cell: str, allow_fraction: bool) -> bool:
    return bool((_DECIMAL if allow_fraction else _INTEGER).match(cell))


def _first_line(mask: npt.NDArray[np.bool_]) -> int | None:
    bad = np.flatnonzero(mask)
    return int(bad[0]) + 1 if bad.size else None


def _check_messages(
    path: Path, time_ns: IntArray, event_type: IntArray, size: IntArray, price: IntArray, direction: IntArray
) -> None:
    checks: Iterable[tuple[npt.NDArray[np.bool_], str]] = (
        ((event_type < 1) | (event_type > 7), "event type must be 1..7"),
        ((direction != 1) & (direction != -1), "direction must be 1 or -1"),
        ((time_ns < 0) | (time_ns >= NS_PER_DAY), "time must be within the day"),
        (np.concatenate(([False], np.diff(time_ns) < 0)), "time goes backwards"),
        ((event_type != MessageType.HALT) & (size <= 0), "size must be positive"),
        ((event_type != MessageType.HALT) & (price <= 0), "price must be positive"),
    )
    for mask, reason in checks:
        line = _first_line(mask)
        if line is not None:
            raise LobsterFormatError(path, line, f"{reason} (type {event_type[line - 1]})")


def _check_book(path: Path, book: IntArray) -> None:
    sizes = book[:, 1::2]
    line = _first_line(np.asarray((sizes < 0).any(axis=1), dtype=np.bool_))
    if line is not None:
        raise LobsterFormatError(path, line, "negative displayed size")
