"""bench.guard_sweep: which lines are guards, how one is removed, and a sweep of a tiny project in which one
guard is tested and one is not (the machinery itself: a copy, a baseline, one run per guard)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bench.guard_sweep import boundaries, guards_in, summary, sweep, without

SOURCE = textwrap.dedent('''\
    def limit(quantity, cap):
        if quantity > cap:
            raise ValueError("over the cap")
        if quantity == 0:
            x = 1
        elif quantity < 0:
            return refuse(quantity)
        for q in range(quantity):
            if q > 5:
                break
        if cap is None:
            return None
        return quantity
''')


def test_a_guard_is_an_if_whose_body_starts_by_refusing() -> None:
    assert [(g.line, g.guard) for g in guards_in(SOURCE, "m.py")] == [
        (2, "if quantity > cap:"), (6, "elif quantity < 0:"), (9, "if q > 5:")]


def test_a_removed_guard_is_never_true_and_keeps_its_indentation_and_elif() -> None:
    lines = without(SOURCE, 6).splitlines()
    assert lines[5] == "    elif False:" and lines[1] == "    if quantity > cap:"
    assert without(SOURCE, 9).splitlines()[8] == "        if False:"
    with pytest.raises(ValueError, match="not an if"):
        without(SOURCE, 3)


def test_a_moved_boundary_flips_one_comparison_of_the_condition_at_a_time() -> None:
    source = "def f(a, b, s):\n    if a <= b and b > 0 or s == '<' and a >> 1 >= 2:\n        raise ValueError\n"
    moved = {what: text.splitlines()[1] for what, text in boundaries(source, 2)}
    assert moved == {
        "<= -> < at column 10": "    if a < b and b > 0 or s == '<' and a >> 1 >= 2:",
        "> -> >= at column 21": "    if a <= b and b >= 0 or s == '<' and a >> 1 >= 2:",
        ">= -> > at column 48": "    if a <= b and b > 0 or s == '<' and a >> 1 > 2:",
    }  # `==`, the shift and the '<' in a string stay
    assert boundaries("if x is None:\n    raise ValueError\n", 1) == []


def _project(root: Path, test_body: str) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "caps.py").write_text(textwrap.dedent('''\
        def take(quantity: int, cap: int) -> int:
            if quantity > cap:
                raise ValueError("over the cap")
            if quantity < 0:
                raise ValueError("negative")
            return quantity
    '''))
    (root / "tests").mkdir()
    (root / "tests" / "test_caps.py").write_text(test_body)


def test_a_sweep_tells_the_tested_guard_from_the_untested_one(tmp_path: Path) -> None:
    _project(tmp_path, textwrap.dedent('''\
        import pytest
        from pkg.caps import take

        def test_over_the_cap_is_refused():
            assert take(5, 5) == 5
            with pytest.raises(ValueError):
                take(6, 5)
    '''))
    outcomes = sweep(tmp_path, [("pkg/", "tests/test_caps.py")], echo=False)
    assert [(o.guard.line, o.result) for o in outcomes] == [(2, "killed"), (4, "survived")]
    assert "test_over_the_cap_is_refused" in outcomes[0].by
    assert (tmp_path / "pkg" / "caps.py").read_text().count("if False") == 0  # the project itself untouched
    result = summary(outcomes, 1.0)
    assert (result["guards"], result["killed"], result["survived"]) == (2, 1, 1)
    assert result["survivors"] == [
        {"file": "pkg/caps.py", "line": 4, "guard": "if quantity < 0:", "mutation": "removed"}]


def test_a_boundary_sweep_finds_the_edge_no_test_holds(tmp_path: Path) -> None:
    _project(tmp_path, textwrap.dedent('''\
        import pytest
        from pkg.caps import take

        def test_over_the_cap_is_refused():
            assert take(5, 5) == 5
            with pytest.raises(ValueError):
                take(7, 5)
            with pytest.raises(ValueError):
                take(-1, 5)
    '''))
    outcomes = sweep(tmp_path, [("pkg/", "tests/test_caps.py")], echo=False, mode="boundary")
    assert [(o.guard.line, o.mutation, o.result) for o in outcomes] == [
        (2, "> -> >= at column 17", "killed"),  # take(5, 5) holds the cap's edge
        (4, "< -> <= at column 17", "survived"),  # nothing takes 0
    ]
    result = summary(outcomes, 1.0, "boundary")
    assert result["mode"] == "boundary" and result["survivors"] == [
        {"file": "pkg/caps.py", "line": 4, "guard": "if quantity < 0:", "mutation": "< -> <= at column 17"}]


def test_a_sweep_stops_when_the_tests_fail_without_any_guard_removed(tmp_path: Path) -> None:
    _project(tmp_path, "def test_broken():\n    assert False\n")
    with pytest.raises(RuntimeError, match="do not pass on the unchanged copy"):
        sweep(tmp_path, [("pkg/", "tests/test_caps.py")], echo=False)

