"""Inbound messages that arrived ahead of a sequence gap, held until the resent ones fill it (QuickFIX's queue).

Our ResendRequest always asks for everything (EndSeqNo 0), so one request covers the gap until a message
numbered at or past the end of the range we asked for arrives; a too-high message numbered at or past its
start sends no second request.
"""

from __future__ import annotations

from engine.fix.framing import FixMessage

MAX_QUEUED = 10_000
"""A counterparty that keeps sending too-high numbers is logged out past this many held messages."""


class GapQueue:
    """Held messages by MsgSeqNum plus the range of the ResendRequest outstanding for the gap."""

    __slots__ = ("_held", "resend_range")

    def __init__(self) -> None:
        self._held: dict[int, FixMessage] = {}
        self.resend_range: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, seq: int, message: FixMessage) -> None:
        """Keep a too-high message until its turn."""
        self._held[seq] = message

    def needs_request(self, seq: int) -> bool:
        """True when a too-high `seq` must be answered with a ResendRequest (none outstanding covers it)."""
        return self.resend_range is None or seq < self.resend_range[0]

    def requested(self, begin: int, seq: int) -> None:
        """A ResendRequest from `begin` was sent because `seq` arrived: the gap is begin..seq-1."""
        self.resend_range = (begin, seq - 1)

    def received(self, seq: int) -> None:
        """An in-sequence message: the outstanding request is satisfied once its range end is reached."""
        if self.resend_range is not None and seq >= self.resend_range[1]:
            self.resend_range = None

    def pop(self, expected: int) -> FixMessage | None:
        """The held message numbered `expected`, if any."""
        return self._held.pop(expected, None) if self._held else None

    def skip_to(self, expected: int) -> None:
        """Forget held messages below `expected` (a SequenceReset skipped them)."""
        for stale in [s for s in self._held if s < expected]:
            del self._held[stale]

    def clear(self) -> None:
        self._held.clear()
        self.resend_range = None
