"""What the gateway remembers per OMS order: its ticket, its ClOrdID chain and what was reported.

`OmsOrderStore` keeps that in SQLite (sqlite-utils schema, WAL) in the same `Ledger` as the journal and
the FIX session store: an order's reported CumQty commits in the same transaction as the
ExecutionReport that reported it and the engine events that caused it, so a restart can neither
lose nor repeat a report. The ClOrdID chain of a replaced order and the ExecID counter survive too.
Rows carry the trading day they were made on; another day's rows are not loaded (ClOrdIDs are
unique per session and day, and the engine's ticket ids start over with each day's journal).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

import sqlite_utils

from engine.fix.config import SessionId
from engine.ledger import Ledger, ledger_for
from engine.model import OrdStatus, ParentId, Side, TicketId

_ORDER_COLUMNS = (
    "ticket_id", "session_id", "day", "first_cl_ord_id", "cl_ord_id", "account", "symbol", "side", "ord_type",
    "price", "time_in_force", "order_qty", "cum_qty", "avg_px", "exec_seq", "status", "parent_id", "expire_ns",
    "pending_change",
)


_INT_COLUMNS = ("order_qty", "cum_qty", "exec_seq", "expire_ns")
_NO_PARENT = ParentId("")


@dataclass(slots=True)
class OmsOrder:
    """One OMS order (one engine ticket) as its client sees it; the gateway is its only writer."""

    ticket_id: TicketId
    session_id: SessionId
    day: str  # YYYYMMDD of the engine clock at entry
    first_cl_ord_id: str
    cl_ord_id: str  # the latest accepted one (changes on replace)
    account: str
    symbol: str
    side: Side
    ord_type: str
    price: Decimal | None
    time_in_force: str
    order_qty: int
    cum_qty: int = 0  # sum of the LastQty reported so far
    avg_px: Decimal | None = None
    exec_seq: int = 0
    status: OrdStatus = OrdStatus.PENDING_NEW
    parent_id: ParentId = _NO_PARENT
    expire_ns: int | None = None  # ExpireTime (126) as the order stands: the client's, or the desk's change
    pending_change: str = ""  # a cancel/replace accepted but waiting for the venues: PendingChange.encode()

    @property
    def done(self) -> bool:
        return self.status.is_terminal

    @property
    def leaves_qty(self) -> int:
        return 0 if self.done else max(self.order_qty - self.cum_qty, 0)

    def next_exec_id(self) -> str:
        self.exec_seq += 1
        return f"{self.day}-{self.ticket_id}-{self.exec_seq}"

    def working_status(self) -> OrdStatus:
        """New / partially filled / filled from the quantities (FIX 4.4 OrdStatus after a replace)."""
        if self.cum_qty >= self.order_qty:
            return OrdStatus.FILLED
        return OrdStatus.PARTIALLY_FILLED if self.cum_qty else OrdStatus.NEW


assert tuple(f.name for f in fields(OmsOrder)) == _ORDER_COLUMNS


class OmsOrderStore:
    """SQLite persistence of OMS orders and of every ClOrdID seen per session (rejected ones too)."""

    def __init__(self, path: str | Path | Ledger, *, synchronous: str = "NORMAL") -> None:
        self.ledger = ledger_for(path, synchronous=synchronous)
        self._conn = self.ledger.conn
        db = sqlite_utils.Database(self._conn)
        tables = set(db.table_names())
        if "oms_orders" not in tables:
            db["oms_orders"].create(  # type: ignore[union-attr]
                {name: (int if name in _INT_COLUMNS else str) for name in _ORDER_COLUMNS}, pk="ticket_id",
            )
        else:  # a store from before these columns
            columns = db["oms_orders"].columns_dict
            if "expire_ns" not in columns:
                db["oms_orders"].add_column("expire_ns", int)  # type: ignore[union-attr]
            if "pending_change" not in columns:
                db["oms_orders"].add_column("pending_change", str)  # type: ignore[union-attr]
        if "oms_cl_ord_ids" not in tables:
            db["oms_cl_ord_ids"].create(  # type: ignore[union-attr]
                {"session_id": str, "cl_ord_id": str, "ticket_id": str, "day": str}, pk=("session_id", "cl_ord_id")
            )
        self._orders: dict[TicketId, OmsOrder] = {}
        self._cl_ord_ids: list[tuple[str, str, str, str]] = []
        self._forgotten: list[TicketId] = []
        self.ledger.join(self)

    def load(self, day: str) -> tuple[list[OmsOrder], dict[tuple[SessionId, str], TicketId | None]]:
        """The day's orders and ClOrdIDs (None: a ClOrdID whose order was rejected)."""
        rows = self._conn.execute(
            f"SELECT {', '.join(_ORDER_COLUMNS)} FROM oms_orders WHERE day = ? ORDER BY ticket_id", (day,)
        ).fetchall()
        orders = [_order(row) for row in rows]
        ids = self._conn.execute(
            "SELECT session_id, cl_ord_id, ticket_id FROM oms_cl_ord_ids WHERE day = ?", (day,)
        ).fetchall()
        return orders, {(SessionId(s), c): (TicketId(t) if t else None) for s, c, t in ids}

    def save(self, order: OmsOrder) -> None:
        """Write the order's current state at the next commit."""
        self._orders[order.ticket_id] = order

    def add_cl_ord_id(self, session_id: SessionId, cl_ord_id: str, ticket_id: TicketId | None, day: str) -> None:
        self._cl_ord_ids.append((session_id, cl_ord_id, ticket_id or "", day))

    def forget(self, ticket_id: TicketId) -> None:
        """Drop an order that no longer matches the engine (another day's journal), at the next commit."""
        self._orders.pop(ticket_id, None)
        self._forgotten.append(ticket_id)

    # LedgerWriter
    def has_pending(self) -> bool:
        return bool(self._orders or self._cl_ord_ids or self._forgotten)

    def write_pending(self, conn: sqlite3.Connection) -> None:
        for ticket_id in self._forgotten:
            conn.execute("DELETE FROM oms_orders WHERE ticket_id = ?", (ticket_id,))
            conn.execute("DELETE FROM oms_cl_ord_ids WHERE ticket_id = ?", (ticket_id,))
        if self._cl_ord_ids:
            conn.executemany("INSERT OR REPLACE INTO oms_cl_ord_ids (session_id, cl_ord_id, ticket_id, day) "
                             "VALUES (?, ?, ?, ?)", self._cl_ord_ids)
        if self._orders:
            conn.executemany(
                f"INSERT OR REPLACE INTO oms_orders ({', '.join(_ORDER_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_ORDER_COLUMNS))})",
                [_row(order) for order in self._orders.values()],
            )

    def clear_pending(self) -> None:
        self._orders.clear()
        self._cl_ord_ids.clear()
        self._forgotten.clear()

    def commit(self) -> None:
        """Commit the ledger (this store's rows with the rest of the turn)."""
        self.ledger.commit()

    def close(self) -> None:
        self.ledger.leave(self)


_VALUES = attrgetter(*_ORDER_COLUMNS)
_SIDE, _STATUS = _ORDER_COLUMNS.index("side"), _ORDER_COLUMNS.index("status")
_PRICE, _AVG_PX = _ORDER_COLUMNS.index("price"), _ORDER_COLUMNS.index("avg_px")


def _row(order: OmsOrder) -> tuple[object, ...]:
    """The order's columns (its fields are flat values: no generic deep copy, which was most of a commit)."""
    values = list(_VALUES(order))
    values[_SIDE] = order.side.value
    values[_STATUS] = order.status.value
    for index in (_PRICE, _AVG_PX):
        values[index] = None if values[index] is None else str(values[index])
    return tuple(values)


def _order(row: tuple[object, ...]) -> OmsOrder:
    values = dict(zip(_ORDER_COLUMNS, row, strict=True))
    return OmsOrder(
        TicketId(str(values["ticket_id"])), SessionId(str(values["session_id"])), str(values["day"]),
        str(values["first_cl_ord_id"]), str(values["cl_ord_id"]), str(values["account"]), str(values["symbol"]),
        Side(values["side"]), str(values["ord_type"]), _decimal(values["price"]), str(values["time_in_force"]),
        int(str(values["order_qty"])), int(str(values["cum_qty"])), _decimal(values["avg_px"]),
        int(str(values["exec_seq"])), OrdStatus(values["status"]), ParentId(str(values["parent_id"] or "")),
        None if values["expire_ns"] is None else int(str(values["expire_ns"])), str(values["pending_change"] or ""),
    )


@dataclass(frozen=True, slots=True)
class PendingChange:
    """An OMS cancel/replace the engine accepted but applies later (its ticket's shares were out at venues)."""

    cl_ord_id: str
    orig_cl_ord_id: str
    cancel: bool

    def encode(self) -> str:
        return "\x1f".join(("C" if self.cancel else "R", self.cl_ord_id, self.orig_cl_ord_id))

    @staticmethod
    def decode(text: str) -> PendingChange | None:
        parts = text.split("\x1f")
        return PendingChange(parts[1], parts[2], parts[0] == "C") if len(parts) == 3 else None


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))
