"""The mypyc-compiled ticket book: chosen only when fresh, and identical in every result to its source."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import engine.tickets
from engine.tickets import native

FOLDER = Path(native.__file__).parent
ROOT = FOLDER.parents[1]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]

# A seeded workload through every hot path (aggregate, net, fill with mid-flight cancels, close and
# reconcile); prints which files ran and a digest of every record the book returned.
WORKLOAD = """
import hashlib, json, sys
import engine.tickets.book, engine.tickets.blocks, engine.tickets.allocation
from bench.tickets import _fill_all, _net_all, generate, plan_fills
from engine.tickets import TicketBook
market, tickets = generate(4_000, 12, 7)
plan = plan_fills(market, tickets, 7)
book = TicketBook(market.instruments)
digest = hashlib.sha256()
for ticket in tickets:
    digest.update(repr(book.add_ticket(ticket)).encode())
digest.update(repr(_net_all(book, market)).encode())
digest.update(repr(_fill_all(book, plan)).encode())
for block_id in book.block_ids():
    digest.update(repr(book.close_block(block_id)).encode())
    digest.update(repr(book.block(block_id)).encode())
for ticket in tickets[::37]:
    digest.update(repr(book.ticket(ticket.ticket_id)).encode())
    digest.update(repr(book.ticket_fills(ticket.ticket_id)).encode())
files = [m.__file__.rsplit("/", 1)[1] for m in (engine.tickets.allocation, engine.tickets.blocks, engine.tickets.book)]
print(json.dumps({"files": files, "digest": digest.hexdigest(), "fills": len(plan.steps)}))
"""


def run_workload(pure: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", WORKLOAD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(os.environ.get(native.PURE_ENV) == "1", reason="EMS_PURE_PYTHON=1: the source runs by request")
def test_the_installed_ticket_book_is_the_compiled_one() -> None:
    """The README's commands install with a C compiler at hand: the build must have compiled and stamped."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine: the ticket book runs as Python")
    assert engine.tickets.IMPLEMENTATION.compiled, engine.tickets.IMPLEMENTATION.describe()
    assert Path(engine.tickets.book.__file__ or "").suffix == ".so"


def test_compiled_and_source_give_the_same_records() -> None:
    if not engine.tickets.IMPLEMENTATION.compiled:
        pytest.skip(f"nothing compiled to compare: {engine.tickets.IMPLEMENTATION.describe()}")
    compiled, source = run_workload(pure=False), run_workload(pure=True)
    assert all(str(f).endswith(".so") for f in compiled["files"])  # type: ignore[attr-defined]
    assert source["files"] == ["allocation.py", "blocks.py", "book.py"]
    assert int(str(compiled["fills"])) > 1_000
    assert compiled["digest"] == source["digest"]


def fake_build(
    folder: Path, stamp: dict[str, object] | None, modules: tuple[str, ...] = native.COMPILED_MODULES
) -> None:
    for name in native.COMPILED_MODULES:
        (folder / f"{name}.py").write_text(f"# {name}\n")
    for name in modules:
        (folder / f"{name}{SUFFIX}").write_bytes(b"")
    if stamp is not None:
        (folder / native.STAMP).write_text(json.dumps(stamp))


def digests(folder: Path) -> dict[str, str]:
    return {f"{n}.py": native.source_digest(folder / f"{n}.py") for n in native.COMPILED_MODULES}


def test_a_fresh_build_is_chosen(tmp_path: Path) -> None:
    fake_build(tmp_path, None)
    (tmp_path / native.STAMP).write_text(json.dumps({"sources": digests(tmp_path)}))
    assert native.choose(tmp_path, {}) == native.Implementation(True, "")


def test_a_source_edited_since_the_build_is_run_as_source(tmp_path: Path) -> None:
    fake_build(tmp_path, None)
    (tmp_path / native.STAMP).write_text(json.dumps({"sources": digests(tmp_path)}))
    (tmp_path / "blocks.py").write_text("# blocks, edited\n")
    chosen = native.choose(tmp_path, {})
    assert not chosen.compiled and "blocks.py changed since compiled" in chosen.reason


@pytest.mark.parametrize(
    ("stamp", "modules", "environ", "reason"),
    [
        (None, native.COMPILED_MODULES, {}, "no readable native_build.json"),
        ({"other": 1}, native.COMPILED_MODULES, {}, "no readable native_build.json"),
        ({"sources": {}}, ("allocation", "blocks"), {}, "not compiled: book.py"),
        ({"sources": {}}, (), {}, "not compiled: allocation.py, blocks.py, book.py"),
        (None, native.COMPILED_MODULES, {native.PURE_ENV: "1"}, "EMS_PURE_PYTHON=1"),
    ],
)
def test_the_source_runs_without_a_complete_fresh_build(
    tmp_path: Path, stamp: dict[str, object] | None, modules: tuple[str, ...], environ: dict[str, str], reason: str
) -> None:
    fake_build(tmp_path, stamp, modules)
    chosen = native.choose(tmp_path, environ)
    assert not chosen.compiled and reason in chosen.reason
    assert chosen.describe().startswith("Python source")


def test_pure_python_by_request_even_when_fresh(tmp_path: Path) -> None:
    fake_build(tmp_path, None)
    (tmp_path / native.STAMP).write_text(json.dumps({"sources": digests(tmp_path)}))
    assert native.choose(tmp_path, {native.PURE_ENV: "1"}).reason == "EMS_PURE_PYTHON=1"
