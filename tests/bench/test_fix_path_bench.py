"""bench.fix_path runs end to end on a small load: the venue process answers every order, the engine books
every report (the bench itself raises if the parents' filled quantity differs from what the venue sent)."""

from __future__ import annotations

from bench.fix_path import measure


def test_the_fix_path_bench_runs_and_books_every_report() -> None:
    figures = measure(20, 2)
    assert figures["reports"] == 20 * 3  # a New and two fills per order
    assert figures["er_per_s"] > 0 and figures["simplefix_parse_per_s"] > 0
    assert 0 < figures["decision_to_wire_p50_us"] <= figures["decision_to_wire_p99_us"]
