"""Writing a TCA report as CSV (every table, one after another) or HTML (tables and charts).

CSV layout: each table starts with a row `table,<key>,<title>`, then its header row and its rows, then an
empty row. HTML is a single file; chart images come from `image_src(chart)` (a data: URI, or a resource
name the PDF writer resolves), so the PDF is printed from the same HTML.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable

from engine.tca.model import Chart, Table, TcaReport

ImageSource = Callable[[Chart], str]
_NUMERIC = frozenset("0123456789+-.,%")


def to_csv(report: TcaReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["report", report.title, report.scope])
    for line in (*report.conventions, *report.sources):
        writer.writerow(["note", line])
    writer.writerow([])
    for table in report.tables():
        writer.writerow(["table", table.key, table.title])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        writer.writerow([])
    return out.getvalue()


def read_csv_tables(text: str) -> dict[str, list[list[str]]]:
    """The tables of a CSV written by `to_csv`, by key: header row first (for tests and tools)."""
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] == "table" and len(row) >= 2 and current is None:
            current = tables.setdefault(row[1], [])
        elif not row:
            current = None
        elif current is not None:
            current.append(row)
    return tables


def _cell(text: str, header: bool = False) -> str:
    tag = "th" if header else "td"
    align = ' align="right"' if text and not header and set(text) <= _NUMERIC else ""
    return f"<{tag}{align}>{html.escape(text)}</{tag}>"


def table_html(table: Table) -> str:
    head = "".join(_cell(c, header=True) for c in table.columns)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>\n" for row in table.rows)
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">(none)</td></tr>\n'
    return (f'<h3>{html.escape(table.title)}</h3>\n<table class="tca" id="{html.escape(table.key)}" border="1" '
            f'cellspacing="0" cellpadding="3">\n<tr>{head}</tr>\n{body}</table>\n')


def to_html(report: TcaReport, image_src: ImageSource | None = None, *, width: int = 640) -> str:
    """The report as one HTML page; without `image_src` the charts are left out."""
    parts = [
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">",
        f"<title>{html.escape(report.title)}</title>",
        "<style>body{font-family:sans-serif;font-size:9pt} table.tca{border-collapse:collapse;margin-bottom:8px}"
        " th{background:#e8e8e8} td,th{padding:2px 5px;white-space:nowrap} h2{page-break-before:always}"
        "</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>\n<p>{html.escape(report.scope)}</p>",
        "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in (*report.conventions, *report.sources)) + "</ul>",
    ]
    parts += [table_html(t) for t in report.summary]
    for section in report.sections:
        parts.append(f'<h2 id="{html.escape(section.key)}">{html.escape(section.title)}</h2>')
        parts += [f"<p>{html.escape(note)}</p>" for note in section.notes]
        parts += [table_html(t) for t in section.tables]
        if image_src is not None:
            for chart in section.charts:
                parts.append(f'<p><img src="{html.escape(image_src(chart))}" width="{width}" '
                             f'alt="{html.escape(chart.title)}"></p>')
    parts.append("</body></html>\n")
    return "\n".join(parts)
