"""The desk's messages and alerts: one bounded, coalesced table model every source posts to.

Anything the trader must see — a reject, a risk block, a refused command, a restart notice, a venue
going down, an engine alert — is `post`ed here (by app/, or by a widget about its own business). Posts
are queued and inserted in one batch per timer tick, so a burst of a thousand rejects is one repaint.
An alert stays until acknowledged (one by one, all, or every alert of a `topic` when what it was about
is over: re-enabling trading resolves the kill switch's alerts). The status bar shows the newest
unacknowledged message and how many warnings and errors wait (`summary_changed`).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from widgets import theme
from widgets.formatting import time_of_day

SEVERITIES = ("info", "warning", "error")
"""In rising order; an unknown severity is shown as a warning (never dropped)."""
COLUMNS = ("Time", "Severity", "Source", "Text")
DEFAULT_CAPACITY = 5_000
DEFAULT_FLUSH_HZ = 10.0
MAX_TEXT = 2_000
"""Longer texts (a venue's reject reason, a FIX Text) are cut here: bounded work for the view."""
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
_COLOURS: dict[str, QColor] = {"info": theme.color("text"), "warning": theme.WARN, "error": theme.ERROR}


@dataclass(frozen=True, slots=True)
class Alert:
    """One message: market time (exchange-local ns), severity, where it came from, what it says."""

    seq: int
    ts_ns: int
    severity: str
    source: str
    text: str
    parent_id: str = ""
    topic: str = ""
    """What it is about, for `resolve` (e.g. "kill"); "" for nothing in particular."""

    @property
    def key(self) -> str:
        """Names this alert across a restart (time and a checksum of what it says): what an acknowledgement
        journals, and what the same alert recalled from the journal is found by."""
        return f"{self.ts_ns}-{zlib.crc32(f'{self.severity}|{self.source}|{self.text}'.encode()):08x}"

    @property
    def is_alert(self) -> bool:
        """Warnings and errors are alerts (counted until acknowledged); info is a message."""
        return self.severity != "info"


class _Entry:
    __slots__ = ("acknowledged", "alert")

    def __init__(self, alert: Alert) -> None:
        self.alert = alert
        self.acknowledged = False


class AlertsModel(QAbstractTableModel):
    """Alerts oldest first (views sort newest first through `AlertFilter`), at most `capacity`."""

    summary_changed = Signal()
    """After a flush or an acknowledgement: `latest_unacknowledged()` or `unacknowledged` may differ."""
    acknowledged = Signal(object, object)  # (keys, ns): a Qt int is 32 bits
    """The trader acknowledged alerts (`acknowledge`, `acknowledge_all`): their keys (a tuple) and a time
    (every alert raised at or before it; 0 for none). Not for `resolve` or `apply_acknowledgement`."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        flush_hz: float = DEFAULT_FLUSH_HZ,
        now_ns: Callable[[], int] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._capacity = max(1, capacity)
        self._rows: list[_Entry] = []
        self._pending: list[_Entry] = []
        self._seq = 0
        self._now_ns = now_ns or time.time_ns
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(1000 / flush_hz)))
        self._timer.timeout.connect(self.flush)

    # --- posting -----------------------------------------------------------------------------------

    def set_clock(self, now_ns: Callable[[], int]) -> None:
        """Where `post` reads the time when none is given (the app passes the market clock)."""
        self._now_ns = now_ns

    def post(self, severity: str, source: str, text: str, *, ts_ns: int | None = None, parent_id: str = "",
             topic: str = "") -> Alert:
        """Queue a message; it appears at the next flush (at most `flush_hz` times a second)."""
        level = severity.lower() if severity.lower() in SEVERITIES else "warning"
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        self._seq += 1
        alert = Alert(self._seq, self._now_ns() if ts_ns is None else ts_ns, level, source[:80], text,
                      parent_id[:40], topic)
        self._pending.append(_Entry(alert))
        if not self._timer.isActive():
            self._timer.start()
        return alert

    def flush(self) -> None:
        """Insert what was posted since the last flush (one batch) and drop the oldest beyond capacity."""
        self._timer.stop()
        if not self._pending:
            return
        batch, self._pending = self._pending[-self._capacity:], []
        overflow = len(self._rows) + len(batch) - self._capacity
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, min(overflow, len(self._rows)) - 1)
            del self._rows[: min(overflow, len(self._rows))]
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(batch) - 1)
        self._rows.extend(batch)
        self.endInsertRows()
        self.summary_changed.emit()

    # --- acknowledging -----------------------------------------------------------------------------

    def acknowledge(self, rows: Iterable[int]) -> int:
        """Acknowledge these model rows; returns how many were not acknowledged before."""
        entries = [self._rows[row] for row in rows if 0 <= row < len(self._rows)]
        keys = tuple(dict.fromkeys(e.alert.key for e in entries if not e.acknowledged))
        changed = self._acknowledge(entries)
        if changed:
            self.acknowledged.emit(keys, 0)
        return changed

    def acknowledge_all(self) -> int:
        """Acknowledge everything posted so far (shown or not yet shown)."""
        entries = [*self._rows, *self._pending]
        changed = self._acknowledge(entries)
        if changed:
            self.acknowledged.emit((), max(e.alert.ts_ns for e in entries))
        return changed

    def apply_acknowledgement(self, keys: Iterable[str], through_ns: int = 0) -> int:
        """Acknowledge the alerts with these keys and every alert raised at or before `through_ns` (an
        acknowledgement read back from the journal, or made elsewhere); returns how many changed."""
        wanted = set(keys)
        return self._acknowledge(e for e in [*self._rows, *self._pending]
                                 if (through_ns > 0 and e.alert.ts_ns <= through_ns) or e.alert.key in wanted)

    def resolve(self, topic: str) -> int:
        """Acknowledge every alert about `topic` (also those not yet shown): its cause is over."""
        return self._acknowledge(e for e in [*self._rows, *self._pending] if topic and e.alert.topic == topic)

    def _acknowledge(self, entries: Iterable[_Entry]) -> int:
        changed = 0
        for entry in entries:
            if not entry.acknowledged:
                entry.acknowledged = True
                changed += 1
        if changed and self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))
            self.summary_changed.emit()
        return changed

    # --- reading -----------------------------------------------------------------------------------

    @property
    def unacknowledged(self) -> int:
        """Warnings and errors shown and not yet acknowledged."""
        return sum(1 for e in self._rows if e.alert.is_alert and not e.acknowledged)

    def latest_unacknowledged(self) -> Alert | None:
        """What the status bar shows: the newest unacknowledged warning or error, else the newest
        unacknowledged message (info); None when everything is acknowledged."""
        newest_info: Alert | None = None
        for entry in reversed(self._rows):
            if entry.acknowledged:
                continue
            if entry.alert.is_alert:
                return entry.alert
            newest_info = newest_info or entry.alert
        return newest_info

    def alert_at(self, row: int) -> Alert:
        return self._rows[row].alert

    def is_acknowledged(self, row: int) -> bool:
        return self._rows[row].acknowledged

    def alerts(self) -> list[Alert]:
        """Every shown alert, oldest first (tests, export)."""
        return [e.alert for e in self._rows]

    def sources(self) -> list[str]:
        return sorted({e.alert.source for e in self._rows})

    # --- QAbstractTableModel -----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        alert, column = entry.alert, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (time_of_day(alert.ts_ns)[:8], alert.severity.upper(), alert.source, alert.text)[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.MUTED if entry.acknowledged else _COLOURS[alert.severity]
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "acknowledged" if entry.acknowledged else "not acknowledged"
            about = f" · {alert.parent_id}" if alert.parent_id else ""
            return f"{alert.severity} from {alert.source}{about} ({state})\n{alert.text}"
        if role == SORT_ROLE:
            return alert.seq
        return None


class AlertFilter(QSortFilterProxyModel):
    """Newest first; by minimum severity, by source, and optionally only what is not acknowledged."""

    def __init__(self, model: AlertsModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._alerts = model
        self._min_level = 0
        self._source = ""
        self._unacknowledged_only = False
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.sort(0, Qt.SortOrder.DescendingOrder)

    def set_min_severity(self, severity: str) -> None:
        self.beginFilterChange()
        self._min_level = SEVERITIES.index(severity) if severity in SEVERITIES else 0
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_source(self, source: str) -> None:
        """Only this source ("" for every source)."""
        self.beginFilterChange()
        self._source = source
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_unacknowledged_only(self, only: bool) -> None:
        self.beginFilterChange()
        self._unacknowledged_only = only
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        alert = self._alerts.alert_at(source_row)
        if SEVERITIES.index(alert.severity) < self._min_level:
            return False
        if self._source and alert.source != self._source:
            return False
        return not (self._unacknowledged_only and self._alerts.is_acknowledged(source_row))
