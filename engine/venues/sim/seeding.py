"""Stable sub-seeds: the same (seed, names...) gives the same stream on every run and machine.

Python's `hash()` of a str is salted per process, so it must never pick a seed; blake2b does not.
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(seed: int, *parts: str) -> int:
    """A 64-bit seed derived from a root seed and names (venue, symbol, role)."""
    text = "\x1f".join((str(seed), *parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def derive_rng(seed: int, *parts: str) -> random.Random:
    """An independent `random.Random` for one role of the simulation."""
    return random.Random(derive_seed(seed, *parts))
