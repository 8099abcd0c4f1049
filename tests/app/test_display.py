"""`ems` on a machine without a display says what to do and exits 2, before Qt aborts with rc 134."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.display import display_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def x_socket_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory with a listening X socket for display :7 (a stand-in X server)."""
    folder = tmp_path / "x11"
    folder.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(folder / "X7"))
    server.listen(1)
    yield folder
    server.close()


def test_no_display_variables_is_a_problem(tmp_path: Path) -> None:
    problem = display_problem({}, tmp_path)
    assert problem == "no display: DISPLAY is not set (nor WAYLAND_DISPLAY)"


def test_offscreen_and_wayland_need_no_x_display(tmp_path: Path) -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, tmp_path) is None
    assert display_problem({"QT_QPA_PLATFORM": "minimal"}, tmp_path) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, tmp_path) is None
    assert display_problem({"QT_QPA_PLATFORM": "wayland"}, tmp_path) == \
        "QT_QPA_PLATFORM=wayland but WAYLAND_DISPLAY is not set"
    assert display_problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, tmp_path) is not None


def test_an_x_display_nobody_serves_is_a_problem(tmp_path: Path, x_socket_dir: Path) -> None:
    assert display_problem({"DISPLAY": ":7"}, x_socket_dir) is None
    assert display_problem({"DISPLAY": ":7.0"}, x_socket_dir) is None
    problem = display_problem({"DISPLAY": ":8"}, x_socket_dir)
    assert problem is not None and problem.startswith("cannot open X display :8: nothing listens on ")


def test_a_remote_display_is_tried_over_tcp() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        if port < 6000 or port > 6000 + 99_999:
            pytest.skip("the free port cannot be written as an X display number")
        assert display_problem({"DISPLAY": f"127.0.0.1:{port - 6000}"}) is None
    assert display_problem({"DISPLAY": f"127.0.0.1:{port - 6000}"}) is not None  # closed now


def test_ems_without_a_display_explains_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "app.main", "--db", str(tmp_path / "j.db")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "ems: no display: DISPLAY is not set" in done.stderr
    assert "xvfb-run -a .venv/bin/ems" in done.stderr and "ems demo" in done.stderr
    assert "xcb" not in done.stderr  # Qt never got to speak
