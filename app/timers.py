"""The app's periodic refreshes: a Qt timer owned by the object it refreshes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


def start_timer(owner: QObject, interval_ms: int, tick: Callable[[], None]) -> QTimer:
    """A running timer, child of `owner` (it stops with it), calling `tick` every `interval_ms`."""
    timer = QTimer(owner)
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    timer.start()
    return timer
