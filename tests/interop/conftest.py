"""Interop tests run a real QuickFIX engine in a subprocess against our in-process acceptor."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "interop: talks to a real FIX engine (QuickFIX) over loopback sockets")
