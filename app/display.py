"""Is there a display for the GUI? Asked before Qt is, because Qt's answer is an abort (rc 134) with a
misleading hint about xcb-cursor0 when there is simply no X server or Wayland compositor to talk to.

The check is cheap: environment variables, then one connection to the X server's socket (Unix socket,
abstract or file, or TCP for a remote DISPLAY), closed at once. Anything it does not understand is
left to Qt (None: "no problem seen").
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path

NO_DISPLAY_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "minimalegl", "vkkhrdisplay"})
"""Qt platform plugins that draw without a window system."""
X11_SOCKETS = Path("/tmp/.X11-unix")
CONNECT_TIMEOUT_S = 0.5
_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d{1,5})(?:\.\d{1,3})?$")

HELP = """\
ems: {problem}
The GUI needs a display. Either:
  - run it in a desktop session (or over `ssh -X`), or
  - give it a virtual one:  xvfb-run -a .venv/bin/ems   (Debian: apt-get install xvfb), e.g.
        xvfb-run -a .venv/bin/ems --screenshot ems.png --quit-after 10
  - or run without a GUI:   .venv/bin/ems demo --seconds 60   |   .venv/bin/ems headless --config FILE
(QT_QPA_PLATFORM=offscreen runs the GUI with nothing on screen.)"""


def display_problem(environ: Mapping[str, str] = os.environ, x11_sockets: Path = X11_SOCKETS) -> str | None:
    """Why the GUI cannot open a window here, or None when it can (or when only Qt can tell)."""
    platform = environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if platform in NO_DISPLAY_PLATFORMS:
        return None
    wayland = environ.get("WAYLAND_DISPLAY", "")
    display = environ.get("DISPLAY", "")
    if platform.startswith("wayland"):
        return None if wayland else f"QT_QPA_PLATFORM={platform} but WAYLAND_DISPLAY is not set"
    if platform not in ("", "xcb"):
        return None  # a platform we do not know: Qt decides
    if not display:
        if wayland and not platform:
            return None  # Qt picks its Wayland plugin
        return "no display: DISPLAY is not set" + ("" if platform else " (nor WAYLAND_DISPLAY)")
    return _x_server_problem(display, x11_sockets)


def _x_server_problem(display: str, x11_sockets: Path) -> str | None:
    match = _DISPLAY.match(display)
    if match is None:
        return None  # e.g. a launchd socket path: let Qt try
    host, number = match["host"], int(match["number"])
    if host in ("", "unix"):
        path = str(x11_sockets / f"X{number}")
        for address in ("\0" + path, path):  # Linux listens on the abstract name too
            if _connects(socket.AF_UNIX, address):
                return None
        return f"cannot open X display {display}: nothing listens on {path}"
    if _connects(socket.AF_INET, (host, 6000 + number)) or _connects(socket.AF_INET6, (host, 6000 + number)):
        return None
    return f"cannot open X display {display}: no X server answers on {host}:{6000 + number}"


def _connects(family: int, address: str | tuple[str, int]) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(CONNECT_TIMEOUT_S)
            probe.connect(address)
        return True
    except OSError:
        return False
