"""Basket import: CSV text or a spreadsheet paste (tab-separated) into validated basket rows.

Every row is validated; each problem is listed with its line number (1 = the header), column and
reason. Nothing is half-imported: the caller gets every good row and every error at once, shows the
preview, and submits the good rows in one atomic `TicketBook.add_tickets` call (or none).

Headers are matched case-insensitively, ignoring spaces, '_' and '-', with common aliases
(qty/quantity/shares, px/limit/price, ticker/symbol, ...). Required: account, symbol, side, quantity
(and algo unless a default is given). A blank limit (or MKT) is a market ticket; blank start/end mean
"from now" / "to the close". Times are exchange-local HH:MM[:SS] within the session.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from engine.model import MAX_QUANTITY, Instrument, Side, Symbol, TicketId, cut_text
from engine.tickets.model import URGENCIES, Ticket

NS_PER_S = 1_000_000_000
SESSION_OPEN_S = 9 * 3600 + 30 * 60
SESSION_CLOSE_S = 16 * 3600

_ALIASES = {
    "account": ("account", "acct", "acc", "portfolio", "fund"),
    "symbol": ("symbol", "sym", "ticker", "instrument", "security"),
    "side": ("side", "b/s", "buy/sell", "direction"),
    "quantity": ("quantity", "qty", "shares", "size", "order qty", "orderqty"),
    "limit": ("limit", "limit price", "limitprice", "px", "price", "lmt", "lmt px"),
    "algo": ("algo", "strategy", "algorithm"),
    "urgency": ("urgency", "urg", "aggression"),
    "start": ("start", "start time", "starttime", "from", "begin"),
    "end": ("end", "end time", "endtime", "to", "until"),
    "cross": ("cross", "allow cross", "allowcross", "crossing"),
}
_COLUMN_OF = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}
_SIDES = {"BUY": Side.BUY, "B": Side.BUY, "SELL": Side.SELL, "S": Side.SELL}
_YES = {"Y", "YES", "TRUE", "1"}
_NO = {"N", "NO", "FALSE", "0"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")
MAX_NUMBER_TEXT = 32
"""A quantity or limit cell longer than this is refused before it is read (bounded work on any file)."""


_Fail = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: physical line number (header = 1), the column, and what was wrong."""

    line_no: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line_no}, {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class BasketRow:
    """A validated basket line, ready to become a ticket (the engine assigns ids and arrival order)."""

    line_no: int
    account: str
    symbol: Symbol
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    urgency: str
    start_ns: int | None
    end_ns: int | None
    allow_cross: bool

    def to_ticket(self, ticket_id: TicketId, arrival_seq: int, source: str = "basket") -> Ticket:
        return Ticket(
            ticket_id,
            self.account,
            source,
            self.symbol,
            self.side,
            self.quantity,
            self.limit_price,
            self.algo,
            self.urgency,
            self.start_ns,
            self.end_ns,
            arrival_seq,
            self.allow_cross,
        )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Everything the preview needs: good rows, every error, and how the text was read."""

    rows: tuple[BasketRow, ...]
    errors: tuple[RowError, ...]
    delimiter: str
    ignored_columns: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def detect_delimiter(text: str) -> str:
    """Tab for a spreadsheet paste, ';' for a European CSV, else ','; decided on the header line."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "\t" in header:
        return "\t"
    if ";" in header and "," not in header:
        return ";"
    return ","


def parse_basket(
    text: str,
    instruments: Mapping[Symbol, Instrument],
    algos: Collection[str],
    *,
    default_algo: str | None = None,
    default_urgency: str = "MEDIUM",
    urgencies: Collection[str] = URGENCIES,
    day_start_ns: int = 0,
    session: tuple[int, int] = (SESSION_OPEN_S, SESSION_CLOSE_S),
) -> ImportResult:
    """Parse and validate a basket; `day_start_ns` is the trading day's midnight on the engine clock."""
    text = text.lstrip("\ufeff")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    previous_line = 0
    errors: list[RowError] = []
    rows: list[BasketRow] = []
    columns: dict[str, int] = {}
    ignored: list[str] = []
    known_algos = {a.upper() for a in algos}
    known_urgencies = {u.upper() for u in urgencies}
    checker: _RowChecker | None = None
    for cells in reader:
        line_no, previous_line = previous_line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header, header_line = cells, line_no
            columns, ignored, header_errors = _map_header(header, line_no, required_algo=default_algo is None)
            if header_errors:
                return ImportResult((), tuple(header_errors), delimiter, tuple(ignored))
            checker = _RowChecker(
                instruments, known_algos, known_urgencies, default_algo, default_urgency, day_start_ns, session
            )
            continue
        assert checker is not None
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            errors.append(RowError(line_no, "row", f"{len(cells)} cells but the header has {len(header)} columns"))
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
        row = checker.check(line_no, values, errors)
        if row is not None:
            rows.append(row)
    if header is None:
        errors.append(RowError(header_line, "header", "the basket is empty"))
    elif not rows and not errors:
        errors.append(RowError(header_line, "header", "the basket has a header but no rows"))
    return ImportResult(tuple(rows), tuple(errors), delimiter, tuple(ignored))


def _normalize(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _map_header(
    header: list[str], line_no: int, *, required_algo: bool
) -> tuple[dict[str, int], list[str], list[RowError]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    errors: list[RowError] = []
    for i, raw in enumerate(header):
        name = _normalize(raw)
        column = _COLUMN_OF.get(name) or _COLUMN_OF.get(name.replace(" ", ""))
        if column is None:
            if name:
                ignored.append(raw.strip())
        elif column in columns:
            where = f"columns {columns[column] + 1} and {i + 1}"
            errors.append(RowError(line_no, raw.strip(), f"column {column!r} appears twice ({where})"))
        else:
            columns[column] = i
    required = ["account", "symbol", "side", "quantity"] + (["algo"] if required_algo else [])
    for column in required:
        if column not in columns:
            errors.append(RowError(line_no, column, f"required column {column!r} is missing"))
    return columns, ignored, errors


class _RowChecker:
    """Validates one row's values; appends every problem it finds."""

    def __init__(
        self,
        instruments: Mapping[Symbol, Instrument],
        algos: set[str],
        urgencies: set[str],
        default_algo: str | None,
        default_urgency: str,
        day_start_ns: int,
        session: tuple[int, int],
    ) -> None:
        self.instruments = instruments
        self.algos = algos
        self.urgencies = urgencies
        self.default_algo = default_algo
        self.default_urgency = default_urgency
        self.day_start_ns = day_start_ns
        self.session = session

    def check(self, line_no: int, v: Mapping[str, str], errors: list[RowError]) -> BasketRow | None:
        before = len(errors)

        def fail(column: str, reason: str) -> None:
            errors.append(RowError(line_no, column, reason))

        account = v.get("account", "")
        if not account:
            fail("account", "account is empty")
        symbol = Symbol(v.get("symbol", "").upper())
        instrument = self.instruments.get(symbol)
        if not symbol:
            fail("symbol", "symbol is empty")
        elif instrument is None:
            fail("symbol", f"unknown symbol {symbol!r}")
        side = _SIDES.get(v.get("side", "").upper())
        if side is None:
            fail("side", f"side must be BUY, SELL, B or S, got {v.get('side', '')!r}")
        quantity = _quantity(v.get("quantity", ""), instrument, fail)
        limit = _limit(v.get("limit", ""), instrument, fail)
        algo = (v.get("algo", "") or self.default_algo or "").upper()
        if not algo:
            fail("algo", "algo is empty")
        elif algo not in self.algos:
            fail("algo", f"unknown algo {algo!r}; available: {', '.join(sorted(self.algos))}")
        urgency = (v.get("urgency", "") or self.default_urgency).upper()
        if urgency not in self.urgencies:
            fail("urgency", f"unknown urgency {urgency!r}; use {', '.join(sorted(self.urgencies))}")
        start = self._time(v.get("start", ""), "start", fail)
        end = self._time(v.get("end", ""), "end", fail)
        if start is not None and end is not None and end <= start:
            fail("end", f"end {v['end']} is not after start {v['start']}")
        cross = v.get("cross", "").upper()
        if cross and cross not in _YES | _NO:
            fail("cross", f"cross must be Y or N, got {v['cross']!r}")
        if len(errors) > before or side is None or quantity is None:
            return None
        return BasketRow(
            line_no,
            account,
            symbol,
            side,
            quantity,
            limit,
            algo,
            urgency,
            None if start is None else self.day_start_ns + start * NS_PER_S,
            None if end is None else self.day_start_ns + end * NS_PER_S,
            cross not in _NO,
        )

    def _time(self, text: str, column: str, fail: _Fail) -> int | None:
        """Seconds after midnight, within the session; None when blank."""
        if not text:
            return None
        match = _TIME.match(text)
        if match is None:
            fail(column, f"time must be HH:MM or HH:MM:SS, got {text!r}")
            return None
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            fail(column, f"{text!r} is not a time of day")
            return None
        at = hours * 3600 + minutes * 60 + seconds
        open_s, close_s = self.session
        if not open_s <= at <= close_s:
            fail(column, f"{text} is outside the session {_hhmm(open_s)}-{_hhmm(close_s)}")
            return None
        return at


def _quantity(text: str, instrument: Instrument | None, fail: _Fail) -> int | None:
    cleaned = text.replace(" ", "").replace("_", "")
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if len(cleaned) > MAX_NUMBER_TEXT:
        fail("quantity", f"quantity must be a number of at most {MAX_NUMBER_TEXT} characters, got {cut_text(text)!r}")
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        fail("quantity", f"quantity must be a whole number of shares, got {text!r}" if text else "quantity is empty")
        return None
    if value.is_finite() and value.adjusted() >= len(str(MAX_QUANTITY)):  # sized by its exponent: int() of
        fail("quantity", f"quantity must be positive, got {text!r}" if value <= 0 else  # 1E999999 took 29 s
             f"quantity must be at most {MAX_QUANTITY:,} shares, got {text!r}")
        return None
    if not value.is_finite() or value != value.to_integral_value():
        fail("quantity", f"quantity must be a whole number of shares, got {text!r}")
        return None
    quantity = int(value)
    if quantity <= 0:
        fail("quantity", f"quantity must be positive, got {text!r}")
        return None
    if instrument is not None and quantity % instrument.lot_size:
        fail("quantity", f"quantity {quantity:,} is not whole lots of {instrument.lot_size}")
        return None
    return quantity


def _limit(text: str, instrument: Instrument | None, fail: _Fail) -> Decimal | None:
    if not text or text.upper() in {"MKT", "MARKET"}:
        return None
    if len(text) > MAX_NUMBER_TEXT:
        fail("limit", f"limit must be a price of at most {MAX_NUMBER_TEXT} characters, got {cut_text(text)!r}")
        return None
    try:
        price = Decimal(text.lstrip("$").replace(",", ""))
    except InvalidOperation:
        fail("limit", f"limit must be a price, got {text!r}")
        return None
    if not price.is_finite() or price <= 0:
        fail("limit", f"limit must be a positive price, got {text!r}")
    elif instrument is not None and not instrument.is_on_tick(price):
        fail("limit", f"limit {text} is not on the {instrument.symbol} tick of {instrument.tick_size}")
    return price


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
