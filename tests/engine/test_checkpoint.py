"""Checkpoints: restore + tail replay gives exactly the state of a full replay; untrusted ones are refused."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from bench.restart import Session, write_session
from engine import checkpoint as ck
from engine import checkpoint_codec, native
from engine import tickets as tickets_package
from engine.desk import TicketDesk
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Instrument, Symbol
from engine.recovery import apply_records, replay_into
from engine.store import OrderStore
from engine.tickets import IMPLEMENTATION, TicketBook
from engine.venues.sim.market import default_instruments
from tests.engine.checkpoint_build import fingerprint, fresh_state, write_at

TICKET_MODULES = native.group_of("engine.tickets").modules

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Session]:
    """A real engine session on the simulated market: tickets joining blocks, crosses, fills, cancels."""
    path = tmp_path_factory.mktemp("checkpoint") / "session.db"
    return path, write_session(path, 2_000, seed=5)


@pytest.fixture
def journal_copy(session: tuple[Path, Session], tmp_path: Path) -> Path:
    target = tmp_path / "journal.db"
    shutil.copy(session[0], target)
    return target


def state(store: OrderStore, desk: TicketDesk) -> dict[str, Any]:
    """Every view a reader can get, field by field (frozen dataclasses compare by field)."""
    parents = store.parents()
    return {
        "parents": parents,
        "children": store.children(),
        "fills": store.fills(),
        "tickets": desk.rows(),
        "live_parents": store.live_parent_ids(),
        "live_children": store.live_child_ids(),
        "kill": (store.kill_engaged, store.kill_reason),
        "blocks": [desk.block_view(p.parent_id) for p in parents],
        "parent_tickets": [desk.ticket_ids(p.parent_id) for p in parents],
        "closed": [desk.is_closed(p.parent_id) for p in parents],
        "open_blocks": desk.book.block_ids(open_only=True),
        "ticket_fills": [desk.book.ticket_fills(t) for t in desk.ticket_ids()],
        "next_ids": (desk.next_ticket, desk.next_arrival),
    }


def full_replay(path: Path) -> tuple[dict[str, Any], Any]:
    store, desk = fresh_state()
    journal = Journal(path)
    report = replay_into(store, journal, desk)
    journal.close()
    return state(store, desk), report


def positions(session: Session, count: int) -> list[int]:
    """Points where the engine was between turns, spread over the session."""
    inner = [b for b in session.boundaries if 0 < b < session.boundaries[-1]]  # the last: all done
    return [inner[i * (len(inner) - 1) // (count - 1)] for i in range(count)]


def test_the_session_has_what_recovery_must_rebuild(session: tuple[Path, Session]) -> None:
    conn = sqlite3.connect(session[0])
    types = Counter(dict(conn.execute("SELECT type, COUNT(*) FROM journal GROUP BY type")))
    joined_existing = conn.execute("SELECT COUNT(*) FROM journal WHERE type = 'TicketJoined' "
                                   "AND payload LIKE '%\"new_parent\":false%'").fetchone()[0]
    conn.close()
    for kind in ("TicketAccepted", "TicketsCrossed", "ChildFilled", "TicketsAllocated", "ChildCanceled",
                 "TicketAmended", "BlockReconciled"):
        assert types[kind] > 0, kind
    assert joined_existing > 0  # blocks of several tickets (allocation epochs)


def test_checkpoint_plus_tail_equals_full_replay_at_every_position(session: tuple[Path, Session]) -> None:
    path, day = session
    expected, report = full_replay(path)
    store, desk = fresh_state()
    journal = Journal(path)
    counters, done = ck.Counters(), 0
    for seq in positions(day, 6):
        counters, _ = apply_records(store, desk, islice(journal.replay(done), seq - done), counters)
        done = seq
        blob = ck.snapshot(store, desk, counters)
        assert state(store, desk) != expected  # a real midpoint: the tail still changes things
        restored_store, restored_desk = fresh_state()
        assert ck.restore(blob, restored_store, restored_desk, freeze=False) == counters
        assert state(restored_store, restored_desk) == state(store, desk)
        final, applied = apply_records(restored_store, restored_desk, journal.replay(seq), counters)
        assert applied == day.records - seq
        assert state(restored_store, restored_desk) == expected
        assert (final.records, final.events, final.last_parent + 1, final.last_child + 1) == (
            report.records, report.events, report.next_parent, report.next_child)
    journal.close()


def test_recovery_restores_the_newest_checkpoint_and_replays_only_the_records_after_it(
    session: tuple[Path, Session], journal_copy: Path
) -> None:
    expected, report = full_replay(journal_copy)
    first, second = positions(session[1], 4)[1:3]
    write_at(journal_copy, first)
    write_at(journal_copy, second)
    store, desk = fresh_state()
    outcome = ck.recover_with_checkpoint(journal_copy, store, desk, freeze=False)
    assert (outcome.checkpoint_seq, outcome.tail_records, outcome.refused) == (second, report.records - second, ())
    assert outcome.report == replace(report, from_checkpoint=True)
    assert state(store, desk) == expected


def test_a_checkpoint_written_by_the_other_build_restores_to_the_same_state(
    session: tuple[Path, Session], tmp_path: Path
) -> None:
    """Compiled (mypyc) and source builds read each other's checkpoints; run in a subprocess."""
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if IMPLEMENTATION.compiled:
        env[native.PURE_ENV] = "1"
    elif not native.choose(Path(tickets_package.__file__).parent, TICKET_MODULES, env).compiled:
        pytest.skip("only one build here: the ticket book is not compiled")
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(session[0], ours)
    shutil.copy(session[0], theirs)
    seq = positions(session[1], 3)[1]
    write_at(ours, seq)
    out = subprocess.run([sys.executable, "-m", "tests.engine.checkpoint_build", str(ours), str(theirs), str(seq)],
                         capture_output=True, text=True, timeout=60, cwd=REPO, env=env, check=True)
    other = json.loads(out.stdout)
    store, desk = fresh_state()
    journal = Journal(ours)
    replay_into(store, journal, desk)
    journal.close()
    assert other["compiled"] != IMPLEMENTATION.compiled
    assert (other["checkpoint_seq"], other["refused"]) == (seq, [])  # it restored ours
    assert other["fingerprint"] == fingerprint(store, desk)
    restored_store, restored_desk = fresh_state()
    outcome = ck.recover_with_checkpoint(theirs, restored_store, restored_desk, freeze=False)
    assert (outcome.checkpoint_seq, outcome.refused) == (seq, ())  # we restored theirs
    assert state(restored_store, restored_desk) == state(store, desk)


def _tamper(path: Path, sql: str, *args: Any) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(("tampering", "reason"), [
    ("UPDATE checkpoints SET digest = 'other'", "other code"),
    ("UPDATE checkpoints SET format = 0", "format 0"),
    ("UPDATE checkpoints SET blob = substr(blob, 1, length(blob) / 2)", "unreadable"),
])
def test_an_untrusted_checkpoint_is_refused_and_the_whole_journal_replayed(
    session: tuple[Path, Session], journal_copy: Path, tampering: str, reason: str
) -> None:
    expected, report = full_replay(journal_copy)
    write_at(journal_copy, positions(session[1], 3)[1])
    _tamper(journal_copy, tampering)
    store, desk = fresh_state()
    outcome = ck.recover_with_checkpoint(journal_copy, store, desk, freeze=False)
    assert outcome.checkpoint_seq is None and outcome.tail_records == report.records
    assert len(outcome.refused) == 1 and reason in outcome.refused[0]
    assert outcome.report == report
    assert state(store, desk) == expected


def test_a_checkpoint_from_other_code_is_refused_even_when_its_row_claims_ours(
    session: tuple[Path, Session], journal_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint_codec, "_DIGEST", "0" * 64)
    write_at(journal_copy, positions(session[1], 3)[1])
    monkeypatch.undo()
    _tamper(journal_copy, "UPDATE checkpoints SET digest = ?", ck.code_digest())
    store, desk = fresh_state()
    refused: list[str] = []
    assert ck.load_latest(sqlite3.connect(journal_copy), store, desk, refused) is None
    assert "other code" in refused[0]
    assert store.parents() == [] and desk.ticket_ids() == []  # nothing half-restored


def test_a_checkpoint_taken_under_another_configuration_is_refused(
    session: tuple[Path, Session], journal_copy: Path
) -> None:
    write_at(journal_copy, positions(session[1], 3)[1])
    instruments = {**default_instruments(), Symbol("IBM"): Instrument(Symbol("IBM"), Decimal("0.01"), 1)}
    store, desk = OrderStore(), TicketDesk(instruments)
    refused: list[str] = []
    assert ck.load_latest(sqlite3.connect(journal_copy), store, desk, refused) is None
    assert "another configuration" in refused[0]


def test_recovery_falls_back_to_an_older_checkpoint_when_the_newest_is_refused(
    session: tuple[Path, Session], journal_copy: Path
) -> None:
    expected, report = full_replay(journal_copy)
    first, second = positions(session[1], 4)[1:3]
    write_at(journal_copy, first)
    write_at(journal_copy, second)
    _tamper(journal_copy, "UPDATE checkpoints SET digest = 'other' WHERE seq = ?", second)
    store, desk = fresh_state()
    outcome = ck.recover_with_checkpoint(journal_copy, store, desk, freeze=False)
    assert (outcome.checkpoint_seq, outcome.tail_records) == (first, report.records - first)
    assert len(outcome.refused) == 1 and f"seq {second}" in outcome.refused[0]
    assert state(store, desk) == expected


def test_a_live_checkpoint_is_refused_unless_the_state_is_the_journal_up_to_its_last_record(
    session: tuple[Path, Session], journal_copy: Path
) -> None:
    seq = positions(session[1], 3)[1]
    store, desk = fresh_state()
    journal = Journal(journal_copy)
    counters, _ = apply_records(store, desk, islice(journal.replay(), seq), ck.Counters())
    journal.close()
    conn = sqlite3.connect(journal_copy, isolation_level=None)
    with pytest.raises(ck.CheckpointError, match="not between turns"):
        ck.write_checkpoint(conn, seq, store, desk, counters)
    assert conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == 0
    conn.close()


def test_only_the_newest_checkpoints_are_kept(session: tuple[Path, Session], journal_copy: Path) -> None:
    for seq in positions(session[1], 4):
        write_at(journal_copy, seq)
    conn = sqlite3.connect(journal_copy)
    kept = [row[0] for row in conn.execute("SELECT seq FROM checkpoints ORDER BY seq")]
    conn.close()
    assert kept == positions(session[1], 4)[-ck.KEEP:]


def test_recovery_without_checkpoints_is_the_full_replay(journal_copy: Path) -> None:
    expected, report = full_replay(journal_copy)
    store, desk = fresh_state()
    outcome = ck.recover_with_checkpoint(journal_copy, store, desk)
    assert (outcome.checkpoint_seq, outcome.refused, outcome.report) == (None, (), report)
    assert state(store, desk) == expected


@pytest.mark.parametrize(("records", "seconds", "due"), [
    (0, 3600, False),  # nothing new: no checkpoint however long ago
    (1, 59, False),
    (4_999, 59, False),
    (5_000, 0, True),  # enough records
    (1, 60, True),  # enough journal time
])
def test_the_policy_checkpoints_every_n_records_or_t_seconds(records: int, seconds: int, due: bool) -> None:
    assert ck.CheckpointPolicy().due(records, seconds * 1_000_000_000) is due


# TicketBook attributes its constructor derives from the configuration: the only ones a checkpoint may leave
# out (the restoring book has its own). Every other attribute is state and must be exported.
_BOOK_CONFIGURATION = {
    "_instruments", "_rules", "_crossing", "_crossing_everywhere", "_block_prefix", "_cross_prefix", "_simple",
    "_key", "_inline_key", "_exact_only",
}


def test_the_ticket_book_exports_every_attribute_that_is_not_configuration() -> None:
    """A new attribute of the book (compiled or not) that `export_state` forgets fails here."""
    book = TicketBook(default_instruments())
    names = getattr(type(book), "__mypyc_attrs__", None) or vars(book)
    state = {name for name in names if name not in ("__dict__", "__weakref__")} - _BOOK_CONFIGURATION
    assert {"_" + name for name in book.export_state()} == state


def test_a_state_of_other_fields_is_refused_and_changes_nothing() -> None:
    desk = TicketDesk(default_instruments())
    exported = desk.export_state()
    with pytest.raises(KeyError, match="unknown"):
        desk.import_state({**exported, "unknown": 1})
    book_state = dict(desk.book.export_state())
    book_state.pop("crosses")
    with pytest.raises(KeyError):
        desk.import_state({**exported, "book": book_state})
    with pytest.raises(TypeError, match="without a ticket book state"):
        desk.import_state({**exported, "book": [("blocks", {})]})
    store = OrderStore()
    with pytest.raises(KeyError, match="unknown"):
        store.import_state({**store.export_state(), "unknown": 1})


def test_checkpoints_taken_by_a_live_engine_between_turns_recover_its_state(tmp_path: Path) -> None:
    """The engine's own store and desk, checkpointed between turns while it trades, then recovered."""
    path = tmp_path / "live.db"
    taken: list[int] = []
    live: dict[int, dict[str, Any]] = {}

    def checkpoint(engine: Engine) -> None:
        seq = engine.journal.last_seq()
        if seq - (taken[-1] if taken else 0) < 400:
            return
        conn = engine.journal.ledger.conn
        events = conn.execute("SELECT COUNT(*) FROM journal WHERE kind = 'event'").fetchone()[0]
        ck.write_checkpoint(conn, seq, engine.store, engine.desk, ck.counters_at(seq, engine.store, events),
                            keep=100)
        taken.append(seq)
        live[seq] = state(engine.store, engine.desk)

    day = write_session(path, 1_500, seed=11, between_turns=checkpoint)
    expected, report = full_replay(path)
    assert len(taken) >= 3
    conn = sqlite3.connect(path)
    for seq, blob in conn.execute("SELECT seq, blob FROM checkpoints"):  # each holds what the engine held
        store, desk = fresh_state()
        ck.restore(blob, store, desk, freeze=False)
        assert state(store, desk) == live[seq]
    conn.close()
    for seq in reversed(taken):  # newest first; then drop it to recover from the one before
        store, desk = fresh_state()
        outcome = ck.recover_with_checkpoint(path, store, desk, freeze=False)
        assert (outcome.checkpoint_seq, outcome.refused, outcome.tail_records) == (seq, (), day.records - seq)
        assert outcome.report == replace(report, from_checkpoint=True)
        assert state(store, desk) == expected
        _tamper(path, "DELETE FROM checkpoints WHERE seq = ?", seq)


def test_a_checkpoint_is_never_restored_over_a_state_already_there(journal_copy: Path) -> None:
    store, desk = fresh_state()
    journal = Journal(journal_copy)
    replay_into(store, journal, desk)
    journal.close()
    blob = checkpoint_codec.snapshot(store, desk, ck.Counters())
    before = state(store, desk)
    with pytest.raises(checkpoint_codec.CheckpointError, match="empty store and desk"):
        checkpoint_codec.restore(blob, store, desk, freeze=False)  # it would add every order a second time
    assert state(store, desk) == before


@pytest.mark.parametrize("header", [["not", "a", "header"], None, {"format": -1}])
def test_a_checkpoint_whose_header_is_not_ours_is_refused_not_raised(header: Any) -> None:
    store, desk = fresh_state()
    blob = pickle.dumps(header) + pickle.dumps(None)
    with pytest.raises(checkpoint_codec.Refused, match="format"):
        checkpoint_codec.restore(blob, store, desk, freeze=False)
    assert store.parents() == [] and desk.ticket_ids() == []
