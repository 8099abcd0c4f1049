"""SessionStore: sequence numbers and sent messages survive a reopen; nothing lands before commit."""

from __future__ import annotations

from engine.fix.config import SessionId
from engine.fix.store import SeqNums, SessionStore, StoredMessage

SID = SessionId("FIX.4.4:EMS->OMS1")
OTHER = SessionId("FIX.4.4:EMS->OMS2")


def test_unknown_session_starts_at_one_one(tmp_path):
    store = SessionStore(tmp_path / "fix.db")
    assert store.seq_nums(SID) == SeqNums(1, 1)


def test_sequence_numbers_and_messages_survive_reopen(tmp_path):
    path = tmp_path / "fix.db"
    store = SessionStore(path)
    store.set_next_sender(SID, 5)
    store.set_next_target(SID, 9)
    store.save_outbound(SID, 3, "8", "20240102-09:30:00.000", b"17=E1\x01")
    store.save_outbound(SID, 4, "8", "20240102-09:30:01.000", b"17=E2\x01")
    store.set_next_target(OTHER, 2)
    store.commit()
    store.close()

    reopened = SessionStore(path)
    assert reopened.seq_nums(SID) == SeqNums(5, 9)
    assert reopened.seq_nums(OTHER) == SeqNums(1, 2)
    assert reopened.outbound(SID, 1, 10) == [
        StoredMessage(3, "8", "20240102-09:30:00.000", b"17=E1\x01"),
        StoredMessage(4, "8", "20240102-09:30:01.000", b"17=E2\x01"),
    ]
    assert reopened.outbound(SID, 4, 4)[0].seq_num == 4
    assert reopened.outbound(OTHER, 1, 10) == []


def test_writes_are_grouped_until_commit(tmp_path):
    path = tmp_path / "fix.db"
    store = SessionStore(path)
    store.set_next_sender(SID, 7)
    store.save_outbound(SID, 6, "8", "t", b"x")
    assert store.has_pending()
    peek = SessionStore(path)
    assert peek.seq_nums(SID) == SeqNums(1, 1)
    store.commit()
    assert not store.has_pending() and store.commits == 1
    assert SessionStore(path).seq_nums(SID) == SeqNums(7, 1)


def test_outbound_read_sees_messages_not_yet_committed(tmp_path):
    store = SessionStore(tmp_path / "fix.db")
    store.save_outbound(SID, 1, "8", "t", b"x")
    assert [m.seq_num for m in store.outbound(SID, 1, 1)] == [1]


def test_reset_forgets_messages_and_restarts_numbers_for_that_session_only(tmp_path):
    path = tmp_path / "fix.db"
    store = SessionStore(path)
    store.set_next_sender(SID, 4)
    store.save_outbound(SID, 3, "8", "t", b"x")
    store.save_outbound(OTHER, 3, "8", "t", b"y")
    store.set_next_sender(OTHER, 4)
    store.commit()
    store.reset(SID)
    store.close()
    reopened = SessionStore(path)
    assert reopened.seq_nums(SID) == SeqNums(1, 1)
    assert reopened.outbound(SID, 1, 10) == []
    assert reopened.seq_nums(OTHER) == SeqNums(4, 1)
    assert len(reopened.outbound(OTHER, 1, 10)) == 1


def test_answering_a_resend_sees_staged_messages_without_committing_half_a_turn(tmp_path):
    path = tmp_path / "fix.db"
    store = SessionStore(path)
    store.save_outbound(SID, 1, "8", "t1", b"first")
    store.set_next_sender(SID, 2)
    store.commit()
    store.save_outbound(SID, 2, "8", "t2", b"second")  # staged in the turn being processed
    store.set_next_sender(SID, 3)
    assert [m.body for m in store.outbound(SID, 1, 5)] == [b"first", b"second"]
    peek = SessionStore(path)
    assert peek.seq_nums(SID) == SeqNums(2, 1)  # nothing of the open turn was committed by the resend
    assert [m.body for m in peek.outbound(SID, 1, 5)] == [b"first"]
    store.reset(SID)  # a reset inside the turn: the old messages are gone for this turn already
    assert store.outbound(SID, 1, 5) == [] and peek.seq_nums(SID) == SeqNums(2, 1)
    store.commit()
    fresh = SessionStore(path)
    assert fresh.seq_nums(SID) == SeqNums(1, 1) and fresh.outbound(SID, 1, 5) == []
