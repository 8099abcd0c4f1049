"""Blotter columns: what a column shows, how it reads, aligns, colours and sorts a row snapshot."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from widgets import formatting, theme
from widgets.rows import KILLED, PAUSED, shown_status

LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)


def as_is(value: object) -> object:
    """Sort key of most columns: the raw value itself."""
    return value


def _by_name(value: object) -> object:
    """Enums sort by their name, so the order is the same whatever the enum's values are."""
    return getattr(value, "name", value)


def _shown_status_colour(row: Any) -> QColor | None:
    shown = shown_status(row)
    return theme.ERROR if shown is KILLED else theme.WARN if shown is PAUSED else None


DERIVED: dict[str, tuple[Callable[[Any], object], Callable[[Any], QColor | None]]] = {
    "status": (shown_status, _shown_status_colour),
}
"""Attributes a column shows through the whole row, with the colour that goes with it: a paused parent's
Status reads PAUSED (or KILLED), not the order status the engine keeps (rows.shown_status)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One blotter column: header, how to read the raw value, how to show and sort it."""

    header: str
    value: Callable[[Any], object]
    fmt: Callable[[object], str] = formatting.text
    align: int = LEFT
    sort_key: Callable[[object], object] = as_is
    foreground: Callable[[Any], QColor | None] | None = None
    tooltip: str = ""
    sample: str = ""
    """Typical widest text, to size the column once at start (never resized on updates)."""

    @classmethod
    def attr(
        cls,
        header: str,
        attribute: str,
        fmt: Callable[[object], str] = formatting.text,
        align: int = LEFT,
        foreground: Callable[[Any], QColor | None] | None = None,
        tooltip: str = "",
        sample: str = "",
    ) -> Column:
        """A column reading `row.<attribute>` (or its `DERIVED` reading); enums sort by name, everything
        else by raw value."""
        sort_key = _by_name if fmt is formatting.enum_name else as_is
        getter: Callable[[Any], object] = operator.attrgetter(attribute)
        derived = DERIVED.get(attribute)
        if derived is not None:
            getter, override = derived
            base = foreground

            def foreground(row: Any) -> QColor | None:
                colour = override(row)
                return colour if colour is not None or base is None else base(row)

        return cls(header, getter, fmt, align, sort_key, foreground, tooltip or header, sample)

    @classmethod
    def optional(
        cls,
        header: str,
        attribute: str,
        fmt: Callable[[object], str] = formatting.text,
        align: int = LEFT,
        default: object = None,
        tooltip: str = "",
        sample: str = "",
    ) -> Column:
        """A column reading `row.<attribute>` when the row has it, else `default` (None: empty cell)."""
        sort_key = _by_name if fmt is formatting.enum_name else as_is

        def getter(row: Any) -> object:
            return getattr(row, attribute, default)

        return cls(header, getter, fmt, align, sort_key, None, tooltip or header, sample)
