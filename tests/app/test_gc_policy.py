"""Every `ems` command runs under the app's garbage-collector policy."""

from __future__ import annotations

import gc

import pytest

from app import main as app_main
from app.gc_policy import THRESHOLDS, apply_gc_policy


@pytest.fixture(autouse=True)
def _restore_thresholds() -> object:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)


def test_policy_keeps_young_generations_and_defers_full_collections() -> None:
    gc.set_threshold(700, 10, 10)
    assert apply_gc_policy() == (700, 10, 10)
    young, middle, oldest = gc.get_threshold()
    assert (young, middle) == (700, 10)  # short-lived cycles collected as promptly as CPython's default
    assert oldest == THRESHOLDS[2] >= 100


def test_the_command_line_applies_the_policy_before_running_anything() -> None:
    gc.set_threshold(700, 10, 10)
    # `demo` with too few seconds is refused at once: the policy was applied before that.
    assert app_main.main(["demo", "--seconds", "1"]) == 2
    assert gc.get_threshold() == THRESHOLDS
