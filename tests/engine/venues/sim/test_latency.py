"""Links delay messages by the modelled latency and never reorder them."""

from __future__ import annotations

import random

import pytest

from engine.clock import VirtualClock
from engine.venues.sim.latency import LatencyModel, Link


def test_message_arrives_after_base_latency() -> None:
    clock = VirtualClock(1_000)
    got: list[tuple[int, str]] = []
    link: Link[str] = Link(clock, LatencyModel(500, 0), random.Random(1), lambda m: got.append((clock.now_ns(), m)))
    link.send("hello")
    clock.advance(499)
    assert got == []
    clock.advance(1)
    assert got == [(1_500, "hello")]


def test_jitter_never_lets_a_later_message_overtake() -> None:
    clock = VirtualClock(0)
    got: list[int] = []
    link: Link[int] = Link(clock, LatencyModel(100, 10_000), random.Random(7), got.append)
    stamps = []
    for i in range(500):
        stamps.append(link.arrival_ns())
        link.send_at(stamps[-1], i)
        clock.advance(3_000)
    clock.advance(10_000_000)
    assert got == list(range(500))
    assert stamps == sorted(stamps)
    assert len(set(stamps)) > 100  # jitter really varies the latency


def test_jitter_stays_within_the_model() -> None:
    model = LatencyModel(1_000, 200)
    rng = random.Random(3)
    samples = [model.sample(rng) for _ in range(2_000)]
    assert min(samples) >= 1_000 and max(samples) <= 1_200
    assert min(samples) < 1_020 and max(samples) > 1_180


def test_closed_link_delivers_nothing() -> None:
    clock = VirtualClock(0)
    got: list[str] = []
    link: Link[str] = Link(clock, LatencyModel(10, 0), random.Random(1), got.append)
    link.send("lost")
    link.close()
    link.send("also lost")
    clock.advance(1_000)
    assert got == []


def test_negative_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="latency"):
        LatencyModel(-1, 0)
