"""The two seams of a FIX session: the connection below it and the application above it."""

from __future__ import annotations

from typing import Protocol

from engine.fix.config import SessionId
from engine.fix.framing import FixMessage


class SessionTransport(Protocol):
    """What a session needs from a connection."""

    def write(self, data: bytes) -> None: ...

    def disconnect(self) -> None:
        """Close after the bytes already written are flushed; the owner then calls `detach()`."""


class FixApplication(Protocol):
    """The application layer on top of the sessions (NewOrderSingle -> tickets etc.).

    Called synchronously on the event loop while a batch of a socket read is processed; it may call
    `FixAcceptor.send` from inside these callbacks (the answer goes out with the same batch).
    """

    def on_logon(self, session_id: SessionId) -> None: ...

    def on_logout(self, session_id: SessionId) -> None: ...

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        """An application message, in MsgSeqNum order; PossDupFlag (43)=Y ones may repeat earlier ones."""
