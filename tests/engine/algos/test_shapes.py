"""Schedule shapes through the real algo objects and the engine: TWAP is linear, VWAP follows its curve
(and recalibrates on the volume actually traded), IS front-loads more with more urgency, POV tracks the
observed volume within its band."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from engine.algos import vwap
from engine.algos.curves import SESSION_CLOSE_NS, SESSION_OPEN_NS, VolumeCurve, curve_from_bin_volumes
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from tests.engine.algos.desk import Desk
from tests.engine.scripted_venue import ScriptedVenue

HALF_HOUR = 1800 * NS_PER_S
# 40 % of the session's volume in the first half hour, 10 % in the next: a 9:30-10:30 window is 80/20
FRONT_HEAVY = VolumeCurve(
    (SESSION_OPEN_NS, SESSION_OPEN_NS + HALF_HOUR, SESSION_OPEN_NS + 2 * HALF_HOUR, SESSION_CLOSE_NS),
    (0.0, 0.4, 0.5, 1.0), "test: front-heavy",
)
FLAT = curve_from_bin_volumes((SESSION_OPEN_NS, SESSION_CLOSE_NS), [1.0], "test: flat")


@pytest.fixture
def desk(engine: Engine, venue: ScriptedVenue, clock: VirtualClock) -> Iterator[Desk]:
    yield Desk(engine, venue, clock)
    vwap.set_curve_provider(None)


def test_twap_target_is_a_straight_line(desk: Desk) -> None:
    pid = desk.submit("TWAP", 3600, minutes=60)
    desk.run(30 * 60, volume=100)
    targets = desk.targets(pid)  # published when the algo wakes (at least every 30 s: it sleeps when idle)
    assert targets[0] == 0 and max(targets) >= 1800 - 30
    assert all(target == second for second, target in targets.items())  # on the line wherever published
    assert abs(desk.engine.store.parent(pid).cum_qty - 1800) <= 2 * 60  # within two slices of the line


def test_static_vwap_follows_the_curve_not_the_clock(desk: Desk) -> None:
    vwap.set_curve_provider(lambda symbol: FRONT_HEAVY if symbol == "AAPL" else None)
    pid = desk.submit("VWAP", 10_000, minutes=60, params={"recalibration": "STATIC"})
    desk.run(45 * 60, volume=100)
    targets = desk.targets(pid)
    assert targets[15 * 60] == 4000  # 0.4 / 0.5 of the window's volume by 9:45
    assert targets[30 * 60] == 8000
    assert targets[45 * 60 - 1] == pytest.approx(9000, abs=10)
    filled = desk.engine.store.parent(pid).cum_qty
    assert 8500 <= filled <= 9500 + 2 * 100  # executed follows the curve (a slice ahead at most)


def test_without_a_provider_vwap_uses_the_u_shaped_default(desk: Desk) -> None:
    assert vwap.curve_for("AAPL").provenance == "default U-shape"  # type: ignore[arg-type]
    vwap.set_curve_provider(lambda symbol: None)
    assert vwap.curve_for("AAPL").provenance == "default U-shape"  # type: ignore[arg-type]
    vwap.set_curve_provider(lambda symbol: FLAT)
    assert vwap.curve_for("AAPL").provenance == "test: flat"  # type: ignore[arg-type]


def _vwap_pair(desk: Desk) -> tuple[int, int]:
    """(dynamic, static) targets now of two 20,000-share VWAP parents on a flat curve."""
    now = desk.clock.now_ns()
    algos = {pid: desk.engine.algo(pid) for pid in desk.pair}  # type: ignore[attr-defined]
    dynamic, static = (algos[pid].target_qty(desk.engine.store.parent(pid), now)  # type: ignore[union-attr]
                       for pid in desk.pair)  # type: ignore[attr-defined]
    return dynamic, static


@pytest.fixture
def staged_pair(desk: Desk) -> Desk:
    """Two VWAP parents (DYNAMIC, STATIC) accepted at 9:30 to start at 9:40, after ten minutes of history
    at 100 shares/s; nothing fills, so only the schedules move."""
    vwap.set_curve_provider(lambda symbol: FLAT)
    # the static one has a (never binding) limit: tickets with different limits are not worked together
    desk.pair = (desk.submit("VWAP", 20_000, minutes=60, start_in_s=600),  # type: ignore[attr-defined]
                 desk.submit("VWAP", 20_000, minutes=60, start_in_s=600, limit="150.00",
                             params={"recalibration": "STATIC"}))
    desk.run(600, volume=100, passive_share=0)
    return desk


def test_dynamic_vwap_runs_ahead_of_the_curve_when_volume_surges(staged_pair: Desk) -> None:
    staged_pair.run(20 * 60, volume=300, passive_share=0)
    dynamic, static = _vwap_pair(staged_pair)
    assert static == pytest.approx(20_000 / 3, abs=2)
    assert dynamic > static * 1.08


def test_dynamic_vwap_holds_back_when_volume_dries_up(staged_pair: Desk) -> None:
    staged_pair.run(20 * 60, volume=20, passive_share=0)
    dynamic, static = _vwap_pair(staged_pair)
    assert dynamic < static * 0.8


def test_is_front_loads_more_with_higher_urgency(desk: Desk) -> None:
    params = {"volatility_pct": "2"}
    pids = {u: desk.submit("IS", 10_000, minutes=60, params={**params, "urgency": u})
            for u in ("LOW", "MEDIUM", "HIGH")}
    neutral = desk.submit("IS", 10_000, minutes=60, limit="150.00", params={**params, "risk_aversion": "0"})
    desk.run(15 * 60 + 1, volume=200)
    at_quarter = {u: desk.targets(pid)[15 * 60] for u, pid in pids.items()}
    assert desk.targets(neutral)[15 * 60] == pytest.approx(2500, abs=1)  # no risk aversion: a straight line
    assert 2500 < at_quarter["LOW"] < at_quarter["MEDIUM"] < at_quarter["HIGH"]
    assert at_quarter["HIGH"] > 5000


def test_pov_tracks_the_observed_volume_within_its_band(desk: Desk) -> None:
    pid = desk.submit("POV", 1_000_000, minutes=60, params={"rate": "0.10", "min_rate": "0.08", "max_rate": "0.12"})
    volumes = [50 if (s // 120) % 2 else 400 for s in range(40 * 60)]  # bursts and lulls
    seen = 0
    for minute in range(40):
        desk.run(60, lambda s, m=minute: volumes[m * 60 + s], passive_share=0.5)
        seen += sum(volumes[minute * 60:(minute + 1) * 60])
        filled = desk.engine.store.parent(pid).cum_qty
        if minute >= 2:
            assert 0.08 * seen - 60 <= filled <= 0.12 * seen, (minute, filled, seen)
    assert desk.engine.store.parent(pid).cum_qty == pytest.approx(0.10 * seen, rel=0.12)


def test_pov_stops_when_the_market_stops(desk: Desk) -> None:
    pid = desk.submit("POV", 1_000_000, minutes=60, params={"rate": "0.10"})
    desk.run(300, volume=100)
    filled = desk.engine.store.parent(pid).cum_qty
    desk.run(300, volume=0)
    assert desk.engine.store.parent(pid).cum_qty <= max(filled, int(0.15 * 30_000))
    assert desk.engine.store.parent(pid).cum_qty <= 0.15 * desk.market_volume


def test_pov_never_works_more_than_its_max_rate_even_with_randomized_slices(desk: Desk) -> None:
    pid = desk.submit("POV", 1_000_000, minutes=30,
                      params={"rate": "0.10", "max_rate": "0.10", "randomize": "0.5", "seed": "3"})
    for _ in range(15 * 60):
        desk.run(1, volume=100, passive_share=1.0)
        parent = desk.engine.store.parent(pid)
        # what is filled and working stays within 10 % of the volume by the end of the next slice
        assert parent.cum_qty + parent.working_qty <= 0.10 * (desk.market_volume + 60 * 100) + 1


def test_a_recalibrated_volume_level_moves_the_vwap_schedule_smoothly(staged_pair: Desk) -> None:
    staged_pair.run(20 * 60, volume=lambda s: 600 if (s // 300) % 2 else 50, passive_share=0)
    dynamic = staged_pair.pair[0]  # type: ignore[attr-defined]
    targets = [t for _, t in sorted(staged_pair.targets(dynamic).items())]
    pace = 20_000 / 3600  # the window's average pace per second
    assert max(b - a for a, b in itertools.pairwise(targets)) <= 2 * pace + 1
