"""`ems tca --db PATH [--parent ID ... | --date YYYY-MM-DD] --out FILE.{csv,html,pdf}`: a TCA report of a journal.

The journal is read read-only (the engine may still be writing it). CSV needs no Qt; HTML and PDF render
their charts with Qt offscreen (no display needed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.tca.export import to_csv, to_html
from engine.tca.journal_read import JournalUnreadable
from engine.tca.model import TcaReport
from engine.tca.report import ReportError, build_report

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

FORMATS = (".csv", ".html", ".htm", ".pdf")


def add_tca_parser(sub: Any) -> None:
    """The `tca` subcommand (its own function: app/main.py only calls it)."""
    tca = sub.add_parser("tca", help="TCA report of a journal as CSV, HTML or PDF")
    tca.add_argument("--db", dest="tca_db", required=True, help="the journal database to analyse")
    scope = tca.add_mutually_exclusive_group()
    scope.add_argument("--parent", action="append", default=[], metavar="ID",
                       help="a parent order (repeat for several; default: every parent)")
    scope.add_argument("--date", help="every parent accepted on this day (YYYY-MM-DD)")
    tca.add_argument("--out", required=True, help="output file: .csv, .html or .pdf")


def run_tca(args: argparse.Namespace) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        print(f"ems tca: --out must end in .csv, .html or .pdf, got {out.name!r}", file=sys.stderr)
        return 2
    try:
        report = build_report(args.tca_db, parent_ids=args.parent, date=args.date)
    except (ReportError, JournalUnreadable) as error:
        print(f"ems tca: {error}", file=sys.stderr)
        return 2
    pages = write_report(report, out)
    what = f", {pages} page(s)" if pages else ""
    print(f"ems tca: wrote {out} ({report.scope}{what})", file=sys.stderr)
    return 0


def write_report(report: TcaReport, out: Path, images: Mapping[str, QImage] | None = None) -> int:
    """Write `report` in the format `out`'s suffix names, with charts already drawn (`images` by chart key) or
    drawn now; returns the PDF's page count (0 for the others)."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        out.write_text(to_csv(report), encoding="utf-8")
        return 0
    _qt_offscreen()
    from widgets.tca_render import data_uri, pdf_document, render_charts, resource_name, write_pdf

    drawn = images if images is not None else render_charts(report.charts())
    if suffix == ".pdf":
        html = to_html(report, resource_name)
        document = pdf_document(html, {resource_name(c): drawn[c.key] for c in report.charts()})
        return write_pdf(document, out, report.title)
    out.write_text(to_html(report, lambda chart: data_uri(drawn[chart.key])), encoding="utf-8")
    return 0


def _qt_offscreen() -> None:
    """A QApplication for rendering (offscreen unless one already runs: the GUI's)."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        QApplication(["ems-tca", "-platform", "offscreen"])
