"""Run a slow pure function (reading a journal, building a report) off the GUI thread; its result or error
comes back on the GUI thread through a signal, so the engine's loop never waits for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str)
    progressed = Signal(int, int)


class _Job(QRunnable):
    def __init__(self, work: Callable[[Callable[[int, int], None]], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work(self._relay.progressed.emit)
        except Exception as error:  # shown to the trader, not raised in a pool thread
            self._relay.failed.emit(f"{type(error).__name__}: {error}" if not isinstance(error, ValueError)
                                    else str(error))
        else:
            self._relay.done.emit(result)


def run_in_background(
    work: Callable[[Callable[[int, int], None]], Any], on_done: Callable[[Any], None],
    on_error: Callable[[str], None], on_progress: Callable[[int, int], None] | None = None,
    parent: QObject | None = None,
) -> QObject:
    """Call `work(progress)` on a pool thread; `on_done(result)` / `on_error(message)` / `on_progress(done,
    total)` run on the GUI thread. Returns the relay, a child of `parent` until it has answered."""
    relay = _Relay(parent)
    relay.done.connect(on_done)
    relay.failed.connect(on_error)
    relay.done.connect(relay.deleteLater)  # the parent keeps it alive until then
    relay.failed.connect(relay.deleteLater)
    if on_progress is not None:
        relay.progressed.connect(on_progress)
    QThreadPool.globalInstance().start(_Job(work, relay))
    return relay
