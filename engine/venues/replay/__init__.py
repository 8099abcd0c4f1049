"""Replay of recorded LOBSTER symbol-days as a venue (the honest ground for the algo benchmarks)."""

from engine.venues.replay.venue import ReplayVenue, replay_instrument

__all__ = ["ReplayVenue", "replay_instrument"]
