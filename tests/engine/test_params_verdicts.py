"""The ticket's algo-parameter verdicts are remembered per (algo, parameters), bounded, and always equal to
what parsing says: a bad set stays refused with the parser's words on every repeat."""

from __future__ import annotations

from engine import validation
from engine.algos.registry import ALGOS
from engine.validation import params_problem


def test_a_repeated_bad_set_is_refused_each_time_with_the_parsers_words() -> None:
    twap = ALGOS["TWAP"]
    good: dict[str, str] = {}
    bad = {"nonsense": "1E-999999999"}
    first = params_problem(twap, bad)
    assert first is not None and "nonsense" in first
    assert params_problem(twap, bad) == first
    assert params_problem(twap, good) is None and params_problem(twap, good) is None
    assert params_problem(ALGOS["VWAP"], bad) is not None  # per algo


def test_the_memory_is_bounded_under_a_stream_of_distinct_sets() -> None:
    twap = ALGOS["TWAP"]
    for n in range(3 * validation._PARAMS_SEEN_MAX):
        params_problem(twap, {f"junk{n}": "1"})
    assert len(validation._PARAMS_SEEN) <= validation._PARAMS_SEEN_MAX

