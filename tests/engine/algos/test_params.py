"""Every algo parameter is validated with a message that names it; bad tickets never start an algo."""

from __future__ import annotations

import pytest

from engine.algos.base import ParamError, ParamSpec, parse_params
from engine.algos.registry import ALGOS
from engine.clock import NS_PER_S
from engine.engine import Engine
from engine.model import Side
from tests.engine.conftest import OPEN_NS

SPECS = (
    ParamSpec("urgency", "Urgency", str, "MEDIUM", choices=("LOW", "MEDIUM", "HIGH")),
    ParamSpec("rate", "Participation rate", float, "0.1", minimum=0.001, maximum=1, at_most="max_rate"),
    ParamSpec("max_rate", "Max rate", float, "", minimum=0, maximum=1, optional=True),
    ParamSpec("slice_seconds", "Slice (s)", int, "60", minimum=1),
)


def test_defaults_parse_and_blank_optional_means_derived() -> None:
    assert parse_params(SPECS, {}) == {"urgency": "MEDIUM", "rate": 0.1, "max_rate": None, "slice_seconds": 60}


def test_choices_are_case_insensitive_and_stored_upper_case() -> None:
    assert parse_params(SPECS, {"urgency": " high "})["urgency"] == "HIGH"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"urgency": "FAST"}, "Urgency: 'FAST' is not one of LOW, MEDIUM, HIGH"),
        ({"rate": "ten"}, "Participation rate: 'ten' is not a valid float"),
        ({"rate": "nan"}, "Participation rate: 'nan' is not a finite number"),
        ({"rate": "inf"}, "Participation rate: 'inf' is not a finite number"),
        ({"rate": "0"}, "Participation rate: 0 is below the minimum 0.001"),
        ({"rate": "2"}, "Participation rate: 2 is above the maximum 1"),
        ({"slice_seconds": "1.5"}, "Slice (s): '1.5' is not a valid int"),
        ({"rate": "0.3", "max_rate": "0.2"}, "Participation rate: 0.3 is above Max rate 0.2"),
        ({"speed": "1"}, "unknown parameter(s) speed; this algo takes urgency, rate, max_rate, slice_seconds"),
        ({"slice_seconds": ""}, "Slice (s): '' is not a valid int"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_parameter(raw: dict[str, str], message: str) -> None:
    with pytest.raises(ParamError) as err:
        parse_params(SPECS, raw)
    assert str(err.value) == message


def test_every_algo_parses_its_own_defaults_and_shares_the_common_parameters() -> None:
    common = {"urgency", "slice_seconds", "catch_up_slices", "max_participation", "min_slice_qty", "randomize", "seed"}
    for name, algo in ALGOS.items():
        assert name == name.upper()
        names = {s.name for s in algo.params_spec}
        assert common <= names, name
        parse_params(algo.params_spec, {})


@pytest.mark.parametrize(
    ("algo", "params", "fragment"),
    [
        ("VWAP", {"recalibration": "sometimes"}, "Curve: 'sometimes' is not one of DYNAMIC, STATIC"),
        ("VWAP", {"max_deviation": "1.5"}, "above the maximum 1"),
        ("POV", {"rate": "0.2", "max_rate": "0.1"}, "Participation rate: 0.2 is above Max rate"),
        ("POV", {"min_rate": "0.3"}, "Min rate (blank = by urgency): 0.3 is above Participation rate 0.1"),
        ("IS", {"permanent_impact_bps": "9"}, "Permanent impact (bps): 9 is above Temporary impact (bps) 5"),
        ("IS", {"volatility_pct": "-1"}, "below the minimum"),
        ("TWAP", {"urgency": "NOW"}, "Urgency: 'NOW' is not one of LOW, MEDIUM, HIGH"),
        ("TWAP", {"randomize": "0.9"}, "Randomize slice size and timing (0 = off, up to 0.5): 0.9 is above"),
    ],
)
def test_the_engine_rejects_a_ticket_with_bad_algo_parameters(
    engine: Engine, algo: str, params: dict[str, str], fragment: str
) -> None:
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=100, limit_price=None, algo=algo,
                                  end_ns=OPEN_NS + 3600 * NS_PER_S, params=params)
    assert not result.accepted and result.field == "params"
    assert fragment in result.reason
    assert not engine.store.parents()


def test_a_free_text_parameter_keeps_its_text_as_typed_trimmed() -> None:
    spec = (ParamSpec("tag", "Strategy tag", str, ""),)  # str without choices: any text
    assert parse_params(spec, {"tag": " desk A / 1E-9 "}) == {"tag": "desk A / 1E-9"}
