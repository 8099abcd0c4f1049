"""A session's socket, for both roles (acceptor and initiator): its reads handed over in bounded turns, its
pending bytes written after each turn's commit.

A peer that stops reading must not grow our memory: once more than `MAX_WRITE_BUFFER_BYTES` wait in the
transport's buffer, the connection is dropped and the session told (no Logout: the peer is not reading).
A peer that sends faster than we handle must not hold the loop: a socket read's messages enter as turns of at
most `MAX_MESSAGES_PER_TURN`, and while some wait, the socket is not read (TCP holds the peer back). The
turns in between belong to everyone else: other sessions, market data, timers, the GUI.
`BatchedConnection` is what both roles' connections share.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from engine import failpoints
from engine.fix.framing import FixMessage
from engine.fix.session_core import SessionCore

log = logging.getLogger(__name__)

MAX_WRITE_BUFFER_BYTES = 16 << 20
"""A connection with this much written and not yet taken by its peer is dropped (a peer that stopped reading)."""
MAX_MESSAGES_PER_TURN = 256
"""At most this many inbound messages of one connection enter one turn (one transaction, then their answers go
out). A read of 256 KiB holds about 1,500 NewOrderSingles, some 400 ms of work as one turn; 256 of them take
about 60 ms, and the commit a turn costs is shared by 256."""


def write_or_drop(transport: asyncio.Transport, pending: list[bytes], peer: str, session: SessionCore | None) -> bool:
    """Write and clear `pending`; False when the peer stopped reading and the connection was aborted."""
    transport.write(b"".join(pending))
    pending.clear()
    waiting = transport.get_write_buffer_size()
    if waiting <= MAX_WRITE_BUFFER_BYTES:
        return True
    log.warning("FIX %s: peer is not reading (%s bytes waiting); dropping it", peer, waiting)
    if session is not None:
        session.fail(f"peer stopped reading ({waiting:,} bytes waiting)", tell_peer=False)
    transport.abort()
    return False


class BatchedConnection(asyncio.Protocol):
    """A FIX connection. Reads: `_receive` hands a read's messages to `_turn` in bounded turns. Writes: what a
    turn writes waits in `_pending` until the owner, after the turn's commit, calls `flush`, which writes it in
    one go (or drops a peer that stopped reading); `disconnect` closes once the pending bytes are out.
    Subclasses say how a turn runs and how to ask their owner for a flush."""

    BEFORE_WRITE = ""
    """A failpoint hit just before the bytes go out ("" for none)."""

    def __init__(self, max_messages_per_turn: int = MAX_MESSAGES_PER_TURN) -> None:
        if max_messages_per_turn < 1:
            raise ValueError(f"max_messages_per_turn must be at least 1, got {max_messages_per_turn}")
        self._transport: asyncio.Transport | None = None
        self._pending: list[bytes] = []
        self._closing = False
        self._backlog: deque[FixMessage] = deque()
        self._per_turn = max_messages_per_turn
        self._next_turn_scheduled = False
        self._reading_paused = False

    def _turn(self, messages: list[FixMessage]) -> None:
        """Hand `messages` to the session as one turn, then flush (the subclass: its unit of work, its errors)."""
        raise NotImplementedError

    def _receive(self, messages: list[FixMessage]) -> None:
        """A read's messages, in order, in turns of at most `max_messages_per_turn`: the first at once, each
        next one on a later pass of the loop, with the socket's reading paused until none wait."""
        self._backlog.extend(messages)
        if not self._next_turn_scheduled:
            self._next_turn()

    def _next_turn(self) -> None:
        self._next_turn_scheduled = False
        backlog = self._backlog
        if backlog and self._open():
            self._turn([backlog.popleft() for _ in range(min(len(backlog), self._per_turn))])
        transport = self._transport
        if transport is None or not self._open():
            backlog.clear()  # never handed over: the peer sends them again after its next Logon (a gap)
            return
        if backlog:
            failpoints.hit("fix.messages_waiting")
            if not self._reading_paused:
                transport.pause_reading()
                self._reading_paused = True
            self._next_turn_scheduled = True
            loop = asyncio.get_running_loop()
            # two hops: what became ready while this turn ran (another session's read, a timer) runs before
            # the next turn, not after it (a plain call_soon would queue the next turn ahead of that)
            loop.call_soon(loop.call_soon, self._next_turn)
        elif self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()

    def _open(self) -> bool:
        return not self._closing and self._transport is not None and not self._transport.is_closing()

    def _flush_soon(self) -> None:
        """Ask the owner to flush this connection after the turn."""
        raise NotImplementedError

    def _peer(self) -> tuple[str, SessionCore | None]:
        """Who the peer is (for the log) and its session, if any."""
        raise NotImplementedError

    # SessionTransport
    def write(self, data: bytes) -> None:
        if not self._closing:
            self._pending.append(data)
            self._flush_soon()

    def disconnect(self) -> None:
        if not self._closing:
            self._closing = True
            self._flush_soon()

    def flush(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if self._pending:
            if self.BEFORE_WRITE:
                failpoints.hit(self.BEFORE_WRITE)
            peer, session = self._peer()
            if not write_or_drop(transport, self._pending, peer, session):
                return
        if self._closing:
            transport.close()

    def abort(self) -> None:
        self._closing = True
        self._pending.clear()
        if self._transport is not None:
            self._transport.abort()
