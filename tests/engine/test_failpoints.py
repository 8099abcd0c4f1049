"""Failpoints end the process with SIGKILL exactly where armed (run in a child process)."""

from __future__ import annotations

import signal
import subprocess
import sys

SCRIPT = """
from engine import failpoints
failpoints.hit("a"); print("a1", flush=True)
failpoints.hit("b"); print("b1", flush=True)
failpoints.hit("mark"); print("mark", flush=True)
failpoints.hit("b"); print("b2", flush=True)
failpoints.hit("b"); print("b3", flush=True)
"""


def run(spec: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT], env={"EMS_FAILPOINT": spec, "PYTHONPATH": "."},
                          capture_output=True, text=True, timeout=60)


def test_unarmed_points_do_nothing() -> None:
    out = run("")
    assert out.returncode == 0 and out.stdout.split() == ["a1", "b1", "mark", "b2", "b3"]


def test_the_nth_pass_is_killed() -> None:
    out = run("b:2")
    assert out.returncode == -signal.SIGKILL and out.stdout.split() == ["a1", "b1", "mark"]


def test_a_mark_starts_the_count() -> None:
    out = run("b:2@mark")
    assert out.returncode == -signal.SIGKILL and out.stdout.split() == ["a1", "b1", "mark", "b2"]


def test_the_mth_pass_through_a_mark_starts_the_count() -> None:
    script = "from engine import failpoints\n" + "".join(
        f'failpoints.hit("fill"); failpoints.hit("commit"); print("c{n}", flush=True)\n' for n in range(1, 5))
    out = subprocess.run([sys.executable, "-c", script], env={"EMS_FAILPOINT": "commit:1@fill:3", "PYTHONPATH": "."},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == -signal.SIGKILL and out.stdout.split() == ["c1", "c2"]  # killed at the third fill
