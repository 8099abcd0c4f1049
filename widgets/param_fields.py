"""An algo's parameters as the ticket shows them, and their local validation. Pure functions, no Qt.

The app turns the engine's parameter specs into `ParamField`s; the ticket validates what the trader
typed with the same rules (number, range, choice, "at most another") so most mistakes are caught
beside the field before anything is sent. The engine validates again and has the last word.

Participation rates are typed as percentages (`PERCENT_PARAMS`, `as_percent`: 10 means 10%, "10%"
too) and sent as the fraction the engine takes (0.1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Literal

ParamKind = Literal["int", "float", "decimal", "choice", "text"]
NUMERIC_KINDS: tuple[ParamKind, ...] = ("int", "float", "decimal")
_NOUN = {"int": "a whole number", "float": "a number", "decimal": "a number"}
PERCENT_PARAMS = frozenset({"rate", "min_rate", "max_rate", "max_participation"})
"""Parameters the engine takes as a fraction of market volume and the trader types as a percentage."""
_HUNDRED = Decimal(100)
_PERCENT_TEXT = re.compile(r"^[+-]?(\d{1,12}(\.\d{0,12})?|\.\d{1,12})$")
"""A percentage as typed: plain digits, bounded (no exponent, which a fraction's text could not hold)."""


@dataclass(frozen=True, slots=True)
class ParamField:
    """One parameter an algo takes. Values travel as text; `default` is what the engine assumes.

    `optional`: may be left blank (the engine derives it, as the label should say). `at_most`: the
    name of another parameter of the same algo this one must not exceed (when both are given).
    """

    name: str
    label: str
    kind: ParamKind
    default: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    at_most: str | None = None
    tooltip: str = ""
    percent: bool = False
    """Typed and shown as a percentage (default, minimum and maximum too); sent as a fraction."""


@dataclass(frozen=True, slots=True)
class ParamProblem:
    """Why one parameter's text was refused; the message starts with the field's label."""

    name: str
    message: str


@dataclass(frozen=True, slots=True)
class ParamsResult:
    """Either the values to send (`problems` empty) or every problem found."""

    values: tuple[tuple[str, str], ...]
    problems: tuple[ParamProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _plain(number: Decimal) -> str:
    """Shortest fixed-point text: 10.00 -> "10", 0.10 -> "0.1", 1E+2 -> "100"."""
    return format(number.normalize(), "f")


def as_percent(field: ParamField) -> ParamField:
    """The same parameter typed as a percentage: default, minimum and maximum times 100."""
    if field.percent or field.kind not in ("float", "decimal"):
        return field
    default = _number(field, normalize(field, field.default)) if field.default.strip() else None

    def scaled(bound: float | None) -> float | None:
        return None if bound is None else float(Decimal(repr(bound)) * _HUNDRED)

    return replace(field, percent=True, minimum=scaled(field.minimum), maximum=scaled(field.maximum),
                   default="" if default is None else _plain(default * _HUNDRED))


def to_engine(field: ParamField, value: str) -> str:
    """A valid normalized value as the engine takes it (a percentage becomes a fraction: "10" -> "0.1")."""
    if not field.percent or not value:
        return value
    return _plain(Decimal(value) / _HUNDRED)


def normalize(field: ParamField, text: str) -> str:
    """Trimmed text; numbers lose thousands separators ("1,000" -> "1000") and a percentage its "%";
    choices in upper case."""
    value = text.strip()
    if field.kind in NUMERIC_KINDS:
        value = value.replace(",", "").replace("_", "").replace(" ", "")
        return value[:-1] if field.percent and value.endswith("%") else value
    if field.kind == "choice":
        return value.upper()
    return value


def _number(field: ParamField, text: str) -> Decimal | None:
    """The exact value of a numeric text, or None when it is not one of this field's kind."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if field.kind == "int" and value.is_finite() and value != value.to_integral_value():
        return None
    if field.kind == "int" and not text.lstrip("+-").isdigit():
        return None  # "1e3" or "10.0" are not what an int field takes
    return value


def check_param(field: ParamField, text: str) -> str | ParamProblem:
    """The normalized text if it is a valid value for the field, else the problem (naming the label)."""
    value = normalize(field, text)
    label = field.label
    if not value:
        if field.optional:
            return ""
        return ParamProblem(field.name, f"{label} is required")
    if field.kind == "choice":
        if value not in field.choices:
            return ParamProblem(field.name, f"{label}: '{text.strip()}' is not one of {', '.join(field.choices)}")
        return value
    if field.kind == "text":
        return value
    if field.percent and not _PERCENT_TEXT.match(value):
        return ParamProblem(field.name, f"{label}: '{text.strip()}' is not a percentage such as 10 or 12.5")
    number = _number(field, value)
    if number is None:
        return ParamProblem(field.name, f"{label}: '{text.strip()}' is not {_NOUN[field.kind]}")
    if not number.is_finite() or not math.isfinite(float(number)):
        return ParamProblem(field.name, f"{label}: '{text.strip()}' is not a finite number")
    unit = "%" if field.percent else ""
    if field.minimum is not None and float(number) < field.minimum:
        return ParamProblem(field.name, f"{label}: {value}{unit} is below the minimum {field.minimum:g}{unit}")
    if field.maximum is not None and float(number) > field.maximum:
        return ParamProblem(field.name, f"{label}: {value}{unit} is above the maximum {field.maximum:g}{unit}")
    return value


def is_default(field: ParamField, value: str) -> bool:
    """Whether a normalized value means the same as the default ("0.1" is the default "0.10")."""
    default = normalize(field, field.default)
    if value == default:
        return True
    if field.kind in NUMERIC_KINDS and value and default:
        ours, theirs = _number(field, value), _number(field, default)
        return ours is not None and theirs is not None and ours == theirs
    return False


def check_params(fields: Sequence[ParamField], raw: Mapping[str, str]) -> ParamsResult:
    """Validate every field's text (missing ones take the default); keep only non-default values.

    Values are sent only when they differ from the default, so an untouched ticket carries no
    parameters and the engine applies its own defaults.
    """
    problems: list[ParamProblem] = []
    normalized: dict[str, str] = {}
    for field in fields:
        checked = check_param(field, raw.get(field.name, field.default))
        if isinstance(checked, ParamProblem):
            problems.append(checked)
        else:
            normalized[field.name] = checked
    by_name = {field.name: field for field in fields}
    for field in fields:
        other = by_name.get(field.at_most) if field.at_most else None
        value, bound = normalized.get(field.name), normalized.get(other.name) if other else None
        if other is None or not value or not bound or field.kind not in NUMERIC_KINDS:
            continue
        if Decimal(to_engine(field, value)) > Decimal(to_engine(other, bound)):
            unit, other_unit = ("%" if field.percent else ""), ("%" if other.percent else "")
            problems.append(ParamProblem(
                field.name, f"{field.label}: {value}{unit} is above {other.label} {bound}{other_unit}"))
    if problems:
        return ParamsResult((), tuple(problems))
    values = tuple(
        (field.name, to_engine(field, normalized[field.name]))
        for field in fields if not is_default(field, normalized[field.name])
    )
    return ParamsResult(values, ())


def problem_field(fields: Sequence[ParamField], message: str) -> str | None:
    """The field a message is about, when it starts with that field's label ("Slice (s): ...")."""
    best: ParamField | None = None
    for field in fields:
        label = field.label
        follows = message[len(label) : len(label) + 1]
        if message.startswith(label) and follows in (":", " ", "") and (best is None or len(label) > len(best.label)):
            best = field  # the longest matching label wins ("Min rate" over "Min")
    return best.name if best is not None else None
