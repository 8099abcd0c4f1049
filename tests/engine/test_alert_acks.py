"""Acknowledging alerts in the engine: journaled as `AlertsAcknowledged` (and published), bounded, refused
naming what was wrong; `recent_events` reads the newest of some types back in journal order."""

from __future__ import annotations

from pathlib import Path

from engine import events as ev
from engine.alert_acks import MAX_KEY, MAX_KEYS
from engine.clock import VirtualClock
from engine.engine import Engine
from engine.journal import Journal


def journaled(engine: Engine) -> list[ev.AlertsAcknowledged]:
    return [r for r in engine.journal.replay() if isinstance(r, ev.AlertsAcknowledged)]


def test_an_acknowledgement_is_journaled_and_published(engine: Engine, clock: VirtualClock) -> None:
    seen: list[ev.Event] = []
    engine.subscribe(seen.append)
    result = engine.acknowledge_alerts(["123-0badf00d", "124-00c0ffee"], by="desk-2")
    assert result.ok, result.reason
    expected = ev.AlertsAcknowledged(clock.now_ns(), "desk-2", 0, ("123-0badf00d", "124-00c0ffee"))
    assert journaled(engine) == [expected]
    assert expected in seen
    assert engine.acknowledge_alerts([], through_ns=clock.now_ns()).ok
    assert journaled(engine)[-1].through_ns == clock.now_ns() and journaled(engine)[-1].by == "trader"


def test_hostile_acknowledgements_are_refused_naming_what_was_wrong(engine: Engine) -> None:
    cases = {
        "10,001 alerts in one acknowledgement (at most 10,000)": dict(keys=["k"] * (MAX_KEYS + 1)),
        "is not a key": dict(keys=["k" * (MAX_KEY + 1)]),
        "'' is not a key": dict(keys=[""]),
        "through_ns -1 is not a time": dict(keys=[], through_ns=-1),
        "through_ns True is not a time": dict(keys=["k"], through_ns=True),
        "nothing to acknowledge": dict(keys=[]),
        "' ' is not a user name": dict(keys=["k"], by=" "),
    }
    for expected, kwargs in cases.items():
        result = engine.acknowledge_alerts(**kwargs)  # type: ignore[arg-type]
        assert not result.ok and expected in result.reason, (kwargs, result.reason)
    assert journaled(engine) == []
    refusals = [r for r in engine.journal.replay() if isinstance(r, ev.CommandRejected)]
    assert [r.command for r in refusals] == ["AcknowledgeAlerts"] * len(cases)


def test_recent_events_are_the_newest_of_those_types_oldest_first(engine: Engine, clock: VirtualClock) -> None:
    for n in range(5):
        engine.alert("warning", "test", f"alert {n}")
        engine.acknowledge_alerts([f"key-{n}"])
        clock.advance(1)
    recent = engine.recent_events([ev.AlertRaised], 3)
    assert [r.text for r in recent if isinstance(r, ev.AlertRaised)] == ["alert 2", "alert 3", "alert 4"]
    mixed = engine.recent_events([ev.AlertRaised, ev.AlertsAcknowledged], 3)
    assert [type(r).__name__ for r in mixed] == ["AlertsAcknowledged", "AlertRaised", "AlertsAcknowledged"]
    assert engine.recent_events([ev.KillReleased], 10) == []


def test_acknowledgements_outlive_the_engine(engine: Engine, journal_path: Path) -> None:
    assert engine.acknowledge_alerts(["1-00000001"]).ok
    engine.close()
    assert [r.keys for r in Journal(journal_path).replay() if isinstance(r, ev.AlertsAcknowledged)] == [
        ("1-00000001",)]


def test_journal_reads_asked_for_nothing_read_nothing(engine: Engine, clock: VirtualClock) -> None:
    for n in range(5):
        engine.alert("warning", "test", f"alert {n}")
        clock.advance(1)
    journal, types = engine.journal, ["AlertRaised"]
    assert len(journal.latest(types, 10, 1_000)) == 5
    for limit in (0, -1):  # SQLite's LIMIT -1 means no limit at all: every record of the day
        assert journal.latest(types, limit, 1_000) == []
        assert journal.recent(0, types, limit) == []
        assert journal.after(0, types, limit) == []
    assert journal.latest([], 10, 1_000) == journal.recent(0, [], 10) == journal.after(0, [], 10) == []
