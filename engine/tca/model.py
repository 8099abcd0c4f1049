"""The shape of a TCA report: tables of formatted cells and chart series (no maths, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    style: str  # "line", "step", "points", "bars"


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    categories: tuple[str, ...] = ()  # bar charts: the label of each x


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    notes: tuple[str, ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]


@dataclass(frozen=True, slots=True)
class TcaReport:
    title: str
    scope: str
    conventions: tuple[str, ...]
    sources: tuple[str, ...]
    summary: tuple[Table, ...]
    sections: tuple[Section, ...]

    def tables(self) -> list[Table]:
        return [*self.summary, *(t for s in self.sections for t in s.tables)]

    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]
