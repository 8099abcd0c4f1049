"""The alerts panel wired to the engine, across restarts.

Live: every event `app/alerts.py` deems worth an alert is posted to the panel; an event that ends a topic
(trading re-enabled) resolves the alerts about it. Acknowledgements go to the engine, which journals them
(`Engine.acknowledge_alerts`). After a restart the panel is filled again from the journal: the newest
`RECALLED` alerting events, acknowledgements and resolutions of its last `RECALL_SPAN` records, in journal
order, through the same code as live events, so what the trader had acknowledged shows acknowledged and
what was not still counts. Alerts the app posts itself (a basket's one-line result, the restart notice) are
not journaled and do not come back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from app.alerts import ALERTING, RESOLVES, alert_for
from engine import events as ev
from engine.engine import Engine
from widgets.alerts_model import DEFAULT_CAPACITY, AlertsModel

RECALLED = DEFAULT_CAPACITY
"""At most this many journal records are read back at start (what the panel can hold)."""
_RECALL_TYPES = (*ALERTING, *RESOLVES, ev.AlertsAcknowledged)


class AlertsView(QObject):
    """Feeds `model` from the engine's events (recalled, then live) and journals the trader's acknowledgements."""

    def __init__(self, engine: Engine, model: AlertsModel, venue_of: Callable[[str], str],
                 user: str = "trader") -> None:
        super().__init__(model)
        self.engine = engine
        self.model = model
        self.user = user
        self._venue_of = venue_of
        model.set_clock(engine.clock.now_ns)
        self.recall()
        model.acknowledged.connect(self._journal_acknowledgement)

    def recall(self) -> int:
        """Post the journal's recent alerts (and apply its acknowledgements) as if they had just happened."""
        records = self.engine.recent_events(_RECALL_TYPES, RECALLED)
        for record in records:
            self.on_event(record)
        self.model.flush()
        return len(records)

    def on_event(self, event: ev.Event) -> None:
        kind = type(event)
        model = self.model
        topic = RESOLVES.get(kind)
        if topic is not None:
            model.resolve(topic)  # e.g. trading re-enabled: what the kill caused is over
        if kind is ev.AlertsAcknowledged:
            assert isinstance(event, ev.AlertsAcknowledged)
            model.apply_acknowledgement(event.keys, event.through_ns)
            return
        if kind not in ALERTING:
            return  # fills, acks, progress: most events, passed in one set lookup
        if isinstance(event, ev.TicketRejected) and event.source == "basket":
            return  # one line for the whole basket (the bridge's show_basket_result), not one per row
        spec = alert_for(event, self._venue_of)
        if spec is not None:
            model.post(spec.severity, spec.source, spec.text, ts_ns=event.ts_ns, parent_id=spec.parent_id,
                       topic=spec.topic)

    def _journal_acknowledgement(self, keys: tuple[str, ...], through_ns: int) -> None:
        self.engine.acknowledge_alerts(keys, through_ns, self.user)
