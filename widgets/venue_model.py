"""The venue panel's table: one column per venue, one row per figure (connection, FIX sequence numbers, the
scorecard), so four venues fit a narrow dock. Changes are held until `flush` (the panel's timer): one
`dataChanged` per tick however many status changes and refreshes arrived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from widgets import formatting as fmt
from widgets import theme
from widgets.columns import CENTER, LEFT, RIGHT

NONE = "—"
"""Shown where there is nothing to show (an in-process venue's sequence numbers, a venue never tried)."""


class Score(Protocol):
    """A venue's scorecard line as the engine's `VenueScore` carries it."""

    @property
    def orders(self) -> float: ...
    @property
    def fill_rate(self) -> float | None: ...
    @property
    def fill_seconds(self) -> float | None: ...
    @property
    def fees_paid(self) -> Decimal: ...
    @property
    def rebates_earned(self) -> Decimal: ...
    @property
    def reject_rate(self) -> float | None: ...
    @property
    def markout_bps(self) -> tuple[float | None, float | None, float | None]: ...
    @property
    def net_fee_per_share(self) -> Decimal | None: ...


@dataclass(slots=True)
class VenueState:
    """What the panel knows of one venue (the model is its only writer)."""

    connected: bool | None = None
    degraded: bool = False  # connected but silent: a TestRequest is out, no new orders routed there
    detail: str = ""
    since_ns: int | None = None
    sequence: tuple[int, int] | None = None
    dark: bool = False
    score: Score | None = None


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f} %"


def _bps(value: float | None) -> str:
    return NONE if value is None else f"{value:+.2f}"


def _markout(horizon: int) -> Callable[[VenueState], str]:
    return lambda s: _bps(s.score.markout_bps[horizon]) if s.score else NONE


def _state(s: VenueState) -> str:
    return NONE if s.connected is None else "DOWN" if not s.connected else "degraded" if s.degraded else "up"


FIGURES: tuple[tuple[str, str, Callable[[VenueState], str]], ...] = (
    ("Kind", "Lit: displays its book; dark: a midpoint pool with hidden liquidity",
     lambda s: "dark" if s.dark else "lit"),
    ("State", "Connection as the venue last reported it (hover for its words)", _state),
    ("Since", "Market time of the last status change seen", lambda s: fmt.time_of_day(s.since_ns)[:8]
     if s.since_ns is not None else NONE),
    ("Seq out / in", "FIX: next MsgSeqNum we send / next we expect (— : an in-process venue)",
     lambda s: f"{s.sequence[0]:,} / {s.sequence[1]:,}" if s.sequence else NONE),
    ("Orders", "Children sent (history weighted by age, plus today)",
     lambda s: f"{s.score.orders:,.0f}" if s.score else NONE),
    ("Fill rate", "Share of the quantity sent that filled", lambda s: _percent(s.score.fill_rate) if s.score else NONE),
    ("Time to fill", "Mean time from sending to the first fill",
     lambda s: f"{s.score.fill_seconds:.1f} s" if s.score and s.score.fill_seconds is not None else NONE),
    ("Fees paid", "Fees charged on our fills", lambda s: f"{s.score.fees_paid:,.2f}" if s.score else NONE),
    ("Rebates", "Rebates earned on our fills", lambda s: f"{s.score.rebates_earned:,.2f}" if s.score else NONE),
    ("Net fee / sh", "Fees minus rebates per filled share (negative: the venue pays us)",
     lambda s: f"{s.score.net_fee_per_share:.4f}" if s.score and s.score.net_fee_per_share is not None else NONE),
    ("Reject rate", "Share of our children the venue rejected",
     lambda s: _percent(s.score.reject_rate) if s.score else NONE),
    ("Markout +1 s", "bps, mid 1 s after our fills against the fill price; negative = adverse selection", _markout(0)),
    ("Markout +5 s", "bps, mid 5 s after our fills against the fill price; negative = adverse selection", _markout(1)),
    ("Markout +60 s", "bps, mid 60 s after our fills against the fill price; negative = adverse selection",
     _markout(2)),
)
STATE_ROW = 1
MARKOUT_ROWS = (11, 12, 13)


class VenueModel(QAbstractTableModel):
    """Figures down, venues across."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._venues: list[str] = []
        self._states: dict[str, VenueState] = {}
        self._dirty = False

    # --- changes (shown at the next flush) -------------------------------------------------------------

    def set_venues(self, venues: Iterable[str], dark: Iterable[str] = ()) -> None:
        """Venues in their column order (new ones are appended); dark ones say so (the Kind row)."""
        dark = set(dark)
        for venue in venues:
            self._state(venue).dark = venue in dark
        self._dirty = True

    def set_status(self, venue: str, connected: bool, detail: str = "", ts_ns: int | None = None, *,
                   degraded: bool = False) -> None:
        state = self._state(venue)
        state.connected, state.detail, state.degraded = connected, detail, degraded
        if ts_ns is not None:
            state.since_ns = ts_ns
        self._dirty = True

    def set_sequence(self, venue: str, sequence: tuple[int, int] | None) -> None:
        state = self._state(venue)
        if state.sequence != sequence:
            state.sequence = sequence
            self._dirty = True

    def set_scores(self, scores: Mapping[str, Score]) -> None:
        """Every venue's scorecard line (a venue missing has none yet)."""
        for venue in scores:
            self._state(venue)  # a venue seen for the first time gets its column
        for venue, state in self._states.items():
            state.score = scores.get(venue)
        self._dirty = True

    def flush(self) -> bool:
        """Repaint what changed since the last flush; False when nothing had."""
        if not self._dirty or not self._venues:
            return False
        self._dirty = False
        self.dataChanged.emit(self.index(0, 0), self.index(len(FIGURES) - 1, len(self._venues) - 1))
        return True

    def venues(self) -> list[str]:
        return list(self._venues)

    def text(self, figure: str, venue: str) -> str:
        """The shown text of a figure for a venue (tests, tooltips)."""
        row = next(i for i, (name, _, _) in enumerate(FIGURES) if name == figure)
        return str(self.data(self.index(row, self._venues.index(venue))))

    # --- Qt ------------------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIGURES)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._venues)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return FIGURES[section][0]
            if role == Qt.ItemDataRole.ToolTipRole:
                return FIGURES[section][1]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT
            return None
        venue = self._venues[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return venue
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, state = index.row(), self._states[self._venues[index.column()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return FIGURES[row][2](state)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, state)
        if role == Qt.ItemDataRole.ToolTipRole and row == STATE_ROW:
            return state.detail or None
        return None

    def _colour(self, row: int, state: VenueState) -> QColor | None:
        if row == STATE_ROW and state.connected is not None:
            return theme.ERROR if not state.connected else theme.WARN if state.degraded else theme.OK
        if row in MARKOUT_ROWS and state.score is not None:
            value = state.score.markout_bps[MARKOUT_ROWS.index(row)]
            return None if not value else theme.OK if value > 0 else theme.ERROR
        return None

    def _state(self, venue: str) -> VenueState:
        state = self._states.get(venue)
        if state is None:
            column = len(self._venues)
            self.beginInsertColumns(QModelIndex(), column, column)
            state = self._states[venue] = VenueState()
            self._venues.append(venue)
            self.endInsertColumns()
        return state
