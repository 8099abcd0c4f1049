"""Inbound messages that arrived ahead of a sequence gap, held until the resent ones fill it."""

from __future__ import annotations

from engine.fix.framing import FixMessage


class GapQueue:
    """Held messages by MsgSeqNum plus the ResendRequest outstanding for the gap.

    Our ResendRequest always asks for everything (EndSeqNo 0), so one request is enough until the
    expected number passes the highest number seen when it was sent.
    """

    __slots__ = ("_held", "resend_until")

    def __init__(self) -> None:
        self._held: dict[int, tuple[FixMessage, bool]] = {}
        self.resend_until: int | None = None

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, seq: int, message: FixMessage, acted: bool) -> bool:
        """Keep a too-high message (`acted`: already answered, only its number remains to consume).

        Returns True when a ResendRequest must be sent now (none outstanding).
        """
        self._held[seq] = (message, acted)
        if self.resend_until is not None:
            self.resend_until = max(self.resend_until, seq)
            return False
        self.resend_until = seq
        return True

    def pop_next(self, expected: int) -> tuple[FixMessage, bool] | None:
        """The held message numbered `expected`, dropping any held below it (skipped by a gap fill)."""
        held = self._held
        entry = held.pop(expected, None)
        if entry is None:
            for stale in [s for s in held if s < expected]:
                del held[stale]
            entry = held.pop(expected, None)
        if self.resend_until is not None and expected > self.resend_until:
            self.resend_until = None
        return entry

    def settle(self, expected: int) -> None:
        """Forget the outstanding ResendRequest once the expected number has passed it."""
        if self.resend_until is not None and expected > self.resend_until:
            self.resend_until = None

    def clear(self) -> None:
        self._held.clear()
        self.resend_until = None
