"""`[fix_venues]`: which venues the EMS reaches over FIX 4.4, and how.

    [fix_venues]
    LIT1 = "127.0.0.1:9881"      # venue name = "host:port" of its FIX acceptor (`ems venues` serves it)
    sender_comp_id = "EMS"       # our CompID; the venue's is its name
    heartbeat_s = 30
    reconnect_max_s = 10.0       # backoff cap between reconnect attempts (starts at 0.5 s, doubles)
    store_dir = ""               # `ems venues`: where the venue processes keep their session stores

Venues not named keep running in-process. Upper-case keys are venue names, lower-case ones settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.fix.config import SessionConfig
from engine.fix.initiator import InitiatorConfig
from engine.model import VenueId

_SETTINGS = {"sender_comp_id", "heartbeat_s", "reconnect_max_s", "store_dir"}


class FixVenuesError(ValueError):
    """A `[fix_venues]` value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class FixVenuesConfig:
    addresses: dict[VenueId, tuple[str, int]] = field(default_factory=dict)
    sender_comp_id: str = "EMS"
    heartbeat_s: int = 30
    reconnect_max_s: float = 10.0
    store_dir: str = ""

    def initiator(self, venue: VenueId) -> InitiatorConfig:
        """Our initiator's configuration for one venue (its CompID is its name)."""
        host, port = self.addresses[venue]
        return InitiatorConfig(SessionConfig(self.sender_comp_id, venue), host=host, port=port,
                               heartbeat_s=self.heartbeat_s, reconnect_max_s=self.reconnect_max_s)


def parse_fix_venues(section: Mapping[str, Any], known: tuple[str, ...]) -> FixVenuesConfig:
    """The table as a `FixVenuesConfig`; `known` are the configured venues' names."""
    if not isinstance(section, Mapping):
        raise FixVenuesError("fix_venues must be a table")
    addresses: dict[VenueId, tuple[str, int]] = {}
    for key, value in section.items():
        if key in _SETTINGS:
            continue
        if key not in known:
            raise FixVenuesError(f"fix_venues.{key}: no venue of that name (venues: {', '.join(known)})")
        addresses[VenueId(key)] = _address(key, value)
    sender = section.get("sender_comp_id", "EMS")
    heartbeat = section.get("heartbeat_s", 30)
    reconnect = section.get("reconnect_max_s", 10.0)
    store_dir = section.get("store_dir", "")
    if not isinstance(sender, str) or not sender or "=" in sender or "\x01" in sender:
        raise FixVenuesError(f"fix_venues.sender_comp_id must be a CompID, got {sender!r}")
    if type(heartbeat) is not int or not 1 <= heartbeat <= 3600:
        raise FixVenuesError(f"fix_venues.heartbeat_s must be a whole number 1..3600, got {heartbeat!r}")
    if isinstance(reconnect, bool) or not isinstance(reconnect, int | float) or not 0.5 <= reconnect <= 600:
        raise FixVenuesError(f"fix_venues.reconnect_max_s must be a number 0.5..600, got {reconnect!r}")
    if not isinstance(store_dir, str):
        raise FixVenuesError(f"fix_venues.store_dir must be a path, got {store_dir!r}")
    return FixVenuesConfig(addresses, sender, heartbeat, float(reconnect), store_dir)


def _address(venue: str, value: object) -> tuple[str, int]:
    host, sep, port = value.rpartition(":") if isinstance(value, str) else ("", "", "")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise FixVenuesError(f"fix_venues.{venue} must be \"host:port\", got {value!r}")
    return host, int(port)
