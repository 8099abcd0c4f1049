"""Algo parameter validation in the ticket: number, range, choice and "at most" rules, messages by label."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widgets.param_fields import ParamField, ParamProblem, check_param, check_params, is_default, problem_field

SLICE = ParamField("slice_seconds", "Slice (s)", "int", "60", minimum=1, maximum=3600)
RATE = ParamField("rate", "Participation rate", "float", "0.10", minimum=0.001, maximum=1, at_most="max_rate")
MAX_RATE = ParamField("max_rate", "Max rate (blank = by urgency)", "float", "", minimum=0, maximum=1, optional=True)
CURVE = ParamField("recalibration", "Curve", "choice", "DYNAMIC", choices=("DYNAMIC", "STATIC"))
IMPACT = ParamField("impact", "Impact", "decimal", "1.5", minimum=0)


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (SLICE, "abc", "Slice (s): 'abc' is not a whole number"),
        (SLICE, "1.5", "Slice (s): '1.5' is not a whole number"),
        (SLICE, "0", "Slice (s): 0 is below the minimum 1"),
        (SLICE, "4,000", "Slice (s): 4000 is above the maximum 3600"),
        (SLICE, "", "Slice (s) is required"),
        (RATE, "ten", "Participation rate: 'ten' is not a number"),
        (RATE, "nan", "Participation rate: 'nan' is not a finite number"),
        (RATE, "inf", "Participation rate: 'inf' is not a finite number"),
        (RATE, "0.0001", "Participation rate: 0.0001 is below the minimum 0.001"),
        (CURVE, "smooth", "Curve: 'smooth' is not one of DYNAMIC, STATIC"),
        (IMPACT, "-1", "Impact: -1 is below the minimum 0"),
    ],
)
def test_bad_parameter_text_is_refused_naming_the_label(field: ParamField, text: str, expected: str) -> None:
    assert check_param(field, text) == ParamProblem(field.name, expected)


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [(SLICE, " 1,200 ", "1200"), (RATE, "0.25", "0.25"), (CURVE, "static", "STATIC"), (MAX_RATE, "  ", "")],
)
def test_good_parameter_text_is_normalized(field: ParamField, text: str, value: str) -> None:
    assert check_param(field, text) == value


def test_only_values_that_differ_from_the_default_are_sent() -> None:
    fields = (SLICE, RATE, MAX_RATE, CURVE)
    untouched = check_params(fields, {"slice_seconds": "60", "rate": "0.1", "recalibration": "dynamic"})
    assert untouched.ok and untouched.values == ()
    changed = check_params(fields, {"slice_seconds": "30", "max_rate": "0.2", "recalibration": "STATIC"})
    assert changed.values == (("slice_seconds", "30"), ("max_rate", "0.2"), ("recalibration", "STATIC"))


def test_a_parameter_above_the_one_it_must_not_exceed_is_refused() -> None:
    result = check_params((RATE, MAX_RATE), {"rate": "0.3", "max_rate": "0.2"})
    message = "Participation rate: 0.3 is above Max rate (blank = by urgency) 0.2"
    assert result.problems == (ParamProblem("rate", message),)
    assert check_params((RATE, MAX_RATE), {"rate": "0.3", "max_rate": ""}).ok  # blank bound: no relation to check


def test_every_problem_is_reported_at_once_and_no_values_are_given() -> None:
    result = check_params((SLICE, RATE), {"slice_seconds": "x", "rate": "2"})
    assert [p.name for p in result.problems] == ["slice_seconds", "rate"]
    assert result.values == ()


def test_engine_messages_are_matched_to_the_field_whose_label_they_start_with() -> None:
    fields = (SLICE, RATE, MAX_RATE, ParamField("max", "Max", "int", "1"))
    assert problem_field(fields, "Slice (s): 'abc' is not a valid int") == "slice_seconds"
    assert problem_field(fields, "Max rate (blank = by urgency): 2 is above the maximum 1") == "max_rate"
    assert problem_field(fields, "Max: 0 is below the minimum 1") == "max"
    assert problem_field(fields, "unknown parameter(s) foo") is None


@given(st.integers(1, 3600))
def test_any_in_range_whole_number_is_accepted_with_separators(seconds: int) -> None:
    assert check_param(SLICE, f"{seconds:,}") == str(seconds)


@given(st.decimals(min_value=0, max_value=10, places=3))
def test_default_is_recognized_however_it_is_written(value: object) -> None:
    text = str(value)
    assert is_default(IMPACT, text) == (float(text) == 1.5)
