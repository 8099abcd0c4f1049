"""`ems tca` on the journal of two `ems demo` runs (the second restarts on the first's journal): CSV, HTML and
PDF files that parse and carry the same figures; every child of both runs explained by its decision."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from engine import events as ev
from engine.journal import Journal
from engine.tca.export import read_csv_tables, to_html
from engine.tca.report import build_report

pytestmark = pytest.mark.timeout(300)


def ems(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.main", *args], capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("tca_cli") / "demo.db"
    for seed in ("4", "5"):  # the second run recovers the first's journal, then trades on
        done = ems("demo", "--seconds", "30", "--seed", seed, "--db", str(db))
        assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="module")
def outputs(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    written = {}
    for suffix in ("csv", "html", "pdf"):
        out = folder / f"day.{suffix}"
        done = ems("tca", "--db", str(demo_db), "--date", "2026-01-05", "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert f"wrote {out}" in done.stderr
        written[suffix] = out
    return written


def test_every_child_of_both_runs_is_listed_by_its_decision(demo_db: Path) -> None:
    records = list(Journal(demo_db).replay())
    listed = [c for r in records if isinstance(r, ev.ChildDecided) for c in r.child_ids]
    sent = [r.child_id for r in records if isinstance(r, ev.ChildSubmitted)]
    assert sent == listed and len(set(sent)) == len(sent)
    assert len({r.parent_id for r in records if isinstance(r, ev.ParentAccepted)}) == 6


def test_the_csv_holds_every_order_and_its_tables(outputs: dict[str, Path]) -> None:
    tables = read_csv_tables(outputs["csv"].read_text())
    orders = [row[0] for row in tables["summary-shortfall"][1:]]
    assert orders == [f"P00000{i}" for i in range(1, 7)] + [f"T00000{i}" for i in range(1, 7)]
    for parent in ("P000001", "P000006"):
        assert {f"{parent}-shortfall", f"{parent}-benchmarks", f"{parent}-venues", f"{parent}-children"} <= set(tables)
        children = tables[f"{parent}-children"]
        assert len(children) > 5 and all(row[6] for row in children[1:])  # every child has its reason


def test_html_and_csv_show_the_same_numbers(outputs: dict[str, Path]) -> None:
    tables = read_csv_tables(outputs["csv"].read_text())
    page = outputs["html"].read_text()
    assert page.count("<table") == len(tables)
    assert page.count('<img src="data:image/png;base64,') == 4 * 12  # four charts per order
    for key in ("summary-shortfall", "summary-benchmarks", "P000003-children"):
        for row in tables[key][1:]:
            for cell in filter(None, row):
                assert f">{cell}</td>" in page, (key, cell)


def test_the_pdf_has_a_page_per_order_its_charts_and_the_same_numbers(outputs: dict[str, Path], demo_db: Path,
                                                                       qapp: QApplication) -> None:
    data = outputs["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert pages >= 1 + 12  # the summary, then each order starts a page
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 4
    # the PDF is printed from this document (app/tca_cli.write_report): its text carries the CSV's figures
    from widgets.tca_render import pdf_document, resource_name

    report = build_report(demo_db, date="2026-01-05")
    text = pdf_document(to_html(report, resource_name), {}).toPlainText()
    tables = read_csv_tables(outputs["csv"].read_text())
    for key in ("summary-shortfall", "summary-benchmarks", "P000002-children"):
        for row in tables[key][1:]:
            assert all(cell in text for cell in row if cell), (key, row)


def test_bad_arguments_are_refused_with_the_reason(demo_db: Path, tmp_path: Path) -> None:
    done = ems("tca", "--db", str(demo_db), "--parent", "P000042", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "no parent P000042" in done.stderr
    done = ems("tca", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "no journal file" in done.stderr
    done = ems("tca", "--db", str(demo_db), "--out", str(tmp_path / "x.docx"))
    assert done.returncode == 2 and ".csv, .html or .pdf" in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_one_parent_read_on_its_own_has_the_figures_of_the_day_report(demo_db: Path) -> None:
    day = build_report(demo_db, date="2026-01-05")
    alone = build_report(demo_db, parent_ids=["P000004"])  # only its records are read from the journal
    for day_table, alone_table in zip(day.summary, alone.summary, strict=True):
        rows = {row[0]: row for row in day_table.rows}
        assert all(rows[row[0]] == row for row in alone_table.rows)
    assert {t.key for t in alone.tables()} < {t.key for t in day.tables()}
