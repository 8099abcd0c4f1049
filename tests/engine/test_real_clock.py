"""RealClock: market time from the loop's clock, at the configured speed, whatever the loop."""

from __future__ import annotations

import asyncio

from engine.clock import NS_PER_S, RealClock


class _SteppedLoop(asyncio.SelectorEventLoop):
    """A loop whose clock is not time.monotonic(): the clock must read it, not the system's."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1_000.0

    def time(self) -> float:
        return self.now


def test_market_time_follows_a_loop_with_a_clock_of_its_own() -> None:
    loop = _SteppedLoop()
    try:
        clock = RealClock(loop, start_ns=5 * NS_PER_S, speed=2.0)
        assert clock.now_ns() == 5 * NS_PER_S
        loop.now += 1.5
        assert clock.now_ns() == 8 * NS_PER_S  # 1.5 s of loop time at twice the speed
    finally:
        loop.close()


def test_market_time_on_asyncios_own_loop_advances_with_it() -> None:
    loop = asyncio.new_event_loop()
    try:
        clock = RealClock(loop, start_ns=0, speed=10.0)
        before_loop, before = loop.time(), clock.now_ns()
        fired: list[int] = []

        async def wait() -> None:
            done = loop.create_future()
            clock.call_later(NS_PER_S // 10, lambda: (fired.append(clock.now_ns()), done.set_result(None)))
            await done

        loop.run_until_complete(wait())
        elapsed_ns = int((loop.time() - before_loop) * 10 * NS_PER_S)
        # asyncio may run a timer up to its clock resolution early, and the float loop time rounds: 1 ms of slack
        assert fired and NS_PER_S // 10 - NS_PER_S // 1000 <= fired[0] - before <= elapsed_ns + NS_PER_S // 100
    finally:
        loop.close()
