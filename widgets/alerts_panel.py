"""The alerts / messages panel: every reject, risk block, refused command, restart notice and venue event,
newest first, filtered by severity and source, acknowledged one by one or all at once.

The panel only shows an `AlertsModel` (widgets/alerts_model.py); whoever has something to say posts
to the model. The status bar shows the newest unacknowledged message and the count.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets.alerts_model import AlertFilter, AlertsModel

SEVERITY_FILTERS = (("All messages", "info"), ("Warnings and errors", "warning"), ("Errors", "error"))
ALL_SOURCES = "All sources"
_WIDTHS = {0: 66, 1: 74, 2: 110}  # time, severity, source; the text takes the rest


class AlertsPanel(QWidget):
    """Filters and acknowledge buttons above a table of alerts (a `QTableView` over `AlertFilter`)."""

    def __init__(self, model: AlertsModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsPanel")
        self.model = model or AlertsModel(parent=self)
        self.proxy = AlertFilter(self.model, self)

        self.severity = QComboBox(self)
        self.severity.setObjectName("alertsSeverity")
        for label, _ in SEVERITY_FILTERS:
            self.severity.addItem(label)
        self.severity.setToolTip("Show messages of this severity and above")
        self.source = QComboBox(self)
        self.source.setObjectName("alertsSource")
        self.source.addItem(ALL_SOURCES)
        self.source.setToolTip("Show messages from one source only")
        # sized for ~12 characters, not for the longest source seen: a long one must not widen the window
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(12)
        self.unacknowledged_only = QCheckBox("Unacked only", self)
        self.unacknowledged_only.setToolTip("Show only the messages nobody has acknowledged yet")
        self.acknowledge_selected_button = QPushButton("Ack selected", self)
        self.acknowledge_selected_button.setToolTip("Acknowledge the selected messages")
        self.acknowledge_all_button = QPushButton("Ack all", self)
        self.acknowledge_all_button.setToolTip("Acknowledge every message, shown or filtered out")

        self.table = QTableView(self)
        self.table.setObjectName("alertsTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setMinimumHeight(4 * 20 + 24)  # a header and four rows, however small the dock
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for widget in (self.severity, self.source, self.unacknowledged_only):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.acknowledge_selected_button)
        bar.addWidget(self.acknowledge_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self.severity.currentIndexChanged.connect(self._on_severity)
        self.source.currentTextChanged.connect(self._on_source)
        self.unacknowledged_only.toggled.connect(self.proxy.set_unacknowledged_only)
        self.acknowledge_selected_button.clicked.connect(self.acknowledge_selected)
        self.acknowledge_all_button.clicked.connect(self.model.acknowledge_all)
        self.model.summary_changed.connect(self._refresh_sources)

    def acknowledge_selected(self) -> int:
        """Acknowledge the selected rows (as filtered and sorted on screen)."""
        selection: QItemSelectionModel = self.table.selectionModel()
        rows = {self.proxy.mapToSource(index).row() for index in selection.selectedRows()}
        return self.model.acknowledge(sorted(rows))

    def visible_texts(self) -> list[str]:
        """The rows' texts as shown, top to bottom (tests, diagnostics)."""
        return [str(self.proxy.index(row, 3).data()) for row in range(self.proxy.rowCount())]

    def _on_severity(self, index: int) -> None:
        self.proxy.set_min_severity(SEVERITY_FILTERS[max(0, index)][1])

    def _on_source(self, text: str) -> None:
        self.proxy.set_source("" if text == ALL_SOURCES else text)

    def _refresh_sources(self) -> None:
        known = {self.source.itemText(i) for i in range(1, self.source.count())}
        for source in self.model.sources():
            if source not in known:
                self.source.addItem(source)
