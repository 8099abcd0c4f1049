"""The journal's encoding: every record of a real session encodes to the JSON the reference walk gives, and
decodes back to an equal record."""

from __future__ import annotations

import dataclasses
import json
import math
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, NewType

import pytest

from bench.restart import write_session
from engine import events as ev
from engine.journal import Journal
from engine.model import ChildId, ParentId, TicketId, VenueId
from engine.serialization import decode, encode


def _reference(value: Any) -> Any:
    """The encoding spelled out: Decimals as exact strings, enums by value, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_reference(v) for v in value]
    return value


def test_every_record_of_a_session_encodes_as_the_reference_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "session.db"
    write_session(path, 1_500, seed=3)
    journal = Journal(path)
    try:
        records = list(journal.replay())
    finally:
        journal.close()
    assert len({type(r) for r in records}) >= 10
    for record in records:
        name, payload = encode(record)
        fields = record.__dataclass_fields__
        expected = {f: _reference(getattr(record, f)) for f in fields}
        assert name == type(record).__name__ and json.loads(payload) == expected
        assert decode(name, payload) == record


def test_decimal_precision_and_enum_values_survive() -> None:
    record = ev.TicketsAllocated(1, ParentId("P1"), "X1", 300, Decimal("121.2350"), (TicketId("T1"), TicketId("T2")),
                                (100, 200), "fill")
    name, payload = encode(record)
    assert '"price":"121.2350"' in payload and '"ticket_ids":["T1","T2"]' in payload
    assert decode(name, payload) == record


def test_a_value_json_has_no_type_for_is_refused_by_name() -> None:
    record = ev.AlertRaised(1, "error", "engine", "", "text")
    bad = type(record).__new__(type(record))
    for name in record.__dataclass_fields__:
        object.__setattr__(bad, name, getattr(record, name))
    object.__setattr__(bad, "text", object())
    with pytest.raises(TypeError, match="cannot journal a object"):
        encode(bad)


def _decided(score: float | None, note: str = "rest on LIT1") -> ev.ChildDecided:
    return ev.ChildDecided(
        5, "D1", ParentId("P1"), "TWAP", ev.DecisionReason.PASSIVE_SLICE, "passive", 300, Decimal("10.01"), 300, 0, 0,
        Decimal("10.01"), Decimal("10.02"), 500, 700, "sequential by cost",
        ((VenueId("LIT1"), Decimal("10.01"), 500, 300, score), (VenueId("LIT2"), None, 0, 0, None)), note,
        (ChildId("C1"),))


@pytest.mark.parametrize("score", [math.nan, math.inf, -math.inf])
def test_a_float_that_is_not_finite_is_written_as_the_standard_library_writes_it(score: float) -> None:
    """msgspec would write null (and the record would come back with no score): the standard library's
    encoder writes NaN / Infinity, which decode to the same float."""
    name, payload = encode(_decided(score))
    assert "null" in payload  # LIT2 showed no price: the null that must not hide the non-finite score
    assert any(word in payload for word in ("NaN", "Infinity"))
    back = decode(name, payload).ranking[0][4]
    assert math.isnan(back) if math.isnan(score) else back == score


def test_plain_records_and_awkward_values_round_trip() -> None:
    for record in (_decided(0.25), _decided(None, "prix améliorés \u2013 ok"), _decided(1e-05, "half \ud800 surrogate"),
                   ev.TicketsAllocated(1, ParentId("P1"), "X1", 10**30, Decimal("1E-7"), (TicketId("T1"),),
                                       (10**30,), "fill")):
        name, payload = encode(record)
        assert decode(name, payload) == record


def test_a_non_finite_float_in_a_list_where_a_tuple_belongs_is_still_kept() -> None:
    decided = _decided(0.5)
    loose = dataclasses.replace(decided, ranking=[[*decided.ranking[0][:4], math.inf], decided.ranking[1]])
    assert "Infinity" in encode(loose)[1]


Score = NewType("Score", float)


@dataclasses.dataclass(frozen=True, slots=True)
class _Scored:
    ts_ns: int
    score: Score
    venue: str | None


@pytest.mark.parametrize("score", [math.nan, math.inf])
def test_a_non_finite_float_behind_a_new_type_is_not_written_as_null(score: float) -> None:
    payload = json.loads(encode(_Scored(1, Score(score), None))[1])
    assert payload["venue"] is None and payload["score"] is not None
    assert math.isnan(payload["score"]) if math.isnan(score) else payload["score"] == score


def test_a_record_of_an_unknown_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown record type 'NoSuchRecord'"):
        decode("NoSuchRecord", "{}")
