"""Writing a session's pending bytes to its socket, for both roles (acceptor and initiator).

A peer that stops reading must not grow our memory: once more than `MAX_WRITE_BUFFER_BYTES` wait in the
transport's buffer, the connection is dropped and the session told (no Logout: the peer is not reading).
`BatchedConnection` is the write side both roles' connections share.
"""

from __future__ import annotations

import asyncio
import logging

from engine import failpoints
from engine.fix.session_core import SessionCore

log = logging.getLogger(__name__)

MAX_WRITE_BUFFER_BYTES = 16 << 20
"""A connection with this much written and not yet taken by its peer is dropped (a peer that stopped reading)."""


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
    """A FIX connection's write side: what a turn writes waits in `_pending` until the owner, after the turn's
    commit, calls `flush`, which writes it in one go (or drops a peer that stopped reading); `disconnect`
    closes once the pending bytes are out. Subclasses say how to ask their owner for a flush."""

    BEFORE_WRITE = ""
    """A failpoint hit just before the bytes go out ("" for none)."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._pending: list[bytes] = []
        self._closing = False

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
