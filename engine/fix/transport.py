"""Writing a session's pending bytes to its socket, for both roles (acceptor and initiator).

A peer that stops reading must not grow our memory: once more than `MAX_WRITE_BUFFER_BYTES` wait in the
transport's buffer, the connection is dropped and the session told (no Logout: the peer is not reading).
"""

from __future__ import annotations

import asyncio
import logging

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
