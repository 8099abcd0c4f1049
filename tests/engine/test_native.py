"""The mypyc-compiled hot modules: chosen only when fresh, and identical in every result to their source."""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import native

ROOT = Path(native.__file__).parents[1]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
TICKETS = native.group_of("engine.tickets").modules

# Per group, a seeded workload through its hot paths; each prints which files ran and a digest of every
# result (reprs: floats to the last bit, records field by field).
WORKLOADS = {
    # aggregate, net, fill with mid-flight cancels, close and reconcile
    "engine.tickets": """
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
print(json.dumps({"files": files, "digest": digest.hexdigest(), "count": len(plan.steps)}))
""",
    # the fuzzer's valid orders and every class of its mutations (garbled and torn frames too), encoded,
    # framed from reads of random sizes, validated against the FIX 4.4 dictionary
    "engine.fix": """
import hashlib, json, random
import engine.fix.framing, engine.fix.dictionary, engine.fix.codec, engine.fix.validation
from bench.fix_mutations import MUTATIONS, Plan
from engine.fix.codec import encode
from engine.fix.dictionary import fix44
from engine.fix.framing import FixFramer
from engine.fix.validation import MessageValidator
plan, rng, kinds = Plan(11, 1_700_000_000_000_000_000), random.Random(11), sorted(MUTATIONS)
stream = bytearray()
for n in range(3_000):
    probe = plan.good_order() if n % 3 == 0 else plan.mutant(kinds[n % len(kinds)])
    stream += probe.garbled or encode(probe.msg_type, probe.body, begin_string="FIX.4.4", sender_comp_id="OMS1",
                                      target_comp_id="EMS", seq_num=n + 1, sending_time="20240102-09:30:00.000")
framer, validator, digest = FixFramer(), MessageValidator(fix44()), hashlib.sha256()
digest.update(stream)
at = messages = 0
while at < len(stream):
    size = rng.randint(1, 4_096)
    framed = framer.feed(bytes(stream[at : at + size]))
    at += size
    for message in framed.messages:
        messages += 1
        digest.update(repr((message.raw, message.pairs, validator.validate(message))).encode())
    for error in framed.errors:
        digest.update(str(error).encode())
modules = (engine.fix.framing, engine.fix.dictionary, engine.fix.codec, engine.fix.validation)
print(json.dumps({"files": [m.__file__.rsplit("/", 1)[1] for m in modules], "digest": digest.hexdigest(),
                  "count": messages}))
""",
    # random problems of 1 to 5 venues (the sum cap binding in some), each solved with its own seed
    "engine.routing": """
import hashlib, json, random
import engine.routing.cont_kukanov as ck
rng, digest = random.Random(5), hashlib.sha256()
for n in range(300):
    venues, target = rng.randint(1, 5), rng.randint(1, 3_000)
    problem = ck.PlacementProblem(
        target, rng.uniform(0.005, 0.05), rng.uniform(0, 0.003),
        tuple(rng.uniform(-0.003, 0.003) for _ in range(venues)),
        tuple(rng.randint(0, 2_000) for _ in range(venues)),
        tuple(tuple(rng.randint(0, 4_000) for _ in range(venues)) for _ in range(rng.randint(1, 30))),
        rng.uniform(0.01, 0.2), rng.uniform(0, 0.1), rng.randint(0, target), rng.randint(target // 2, 2 * target),
        rng.choice((1, 1, 100)))
    placement = ck.single_venue(problem) if venues == 1 else ck.solve(problem, random.Random(n), rng.choice((50, 400)))
    digest.update(repr(placement).encode())
print(json.dumps({"files": [ck.__file__.rsplit("/", 1)[1]], "digest": digest.hexdigest(), "count": n + 1}))
""",
}


def run_workload(package: str, pure: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", WORKLOADS[package]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def implementation(package: str) -> native.Implementation:
    chosen: native.Implementation = importlib.import_module(package).IMPLEMENTATION
    return chosen


GROUPS = [group.package for group in native.GROUPS]
LEAST_WORK = {"engine.tickets": 1_000, "engine.fix": 2_000, "engine.routing": 300}
"""Fills, framed messages and placements each workload must at least go through."""


def test_every_group_has_a_workload() -> None:
    assert sorted(WORKLOADS) == sorted(GROUPS)


@pytest.mark.skipif(os.environ.get(native.PURE_ENV) == "1", reason="EMS_PURE_PYTHON=1: the source runs by request")
@pytest.mark.parametrize("package", GROUPS)
def test_the_installed_modules_are_the_compiled_ones(package: str) -> None:
    """The README's commands install with a C compiler at hand: the build must have compiled and stamped."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine: the engine runs as Python")
    assert implementation(package).compiled, implementation(package).describe()
    for name in native.group_of(package).modules:
        assert Path(importlib.import_module(f"{package}.{name}").__file__ or "").suffix == ".so"


@pytest.mark.parametrize("package", GROUPS)
def test_compiled_and_source_give_the_same_results(package: str) -> None:
    if not implementation(package).compiled:
        pytest.skip(f"nothing compiled to compare: {implementation(package).describe()}")
    compiled, source = run_workload(package, pure=False), run_workload(package, pure=True)
    modules = native.group_of(package).modules
    assert all(str(f).endswith(".so") for f in compiled["files"])  # type: ignore[attr-defined]
    assert source["files"] == [f"{name}.py" for name in modules]
    assert int(str(compiled["count"])) >= LEAST_WORK[package]
    assert compiled["digest"] == source["digest"]


def fake_build(folder: Path, stamp: dict[str, object] | None, modules: tuple[str, ...] = TICKETS) -> None:
    for name in TICKETS:
        (folder / f"{name}.py").write_text(f"# {name}\n")
    for name in modules:
        (folder / f"{name}{SUFFIX}").write_bytes(b"")
    if stamp is not None:
        (folder / native.STAMP).write_text(json.dumps(stamp))


def digests(folder: Path) -> dict[str, str]:
    return {f"{n}.py": native.source_digest(folder / f"{n}.py") for n in TICKETS}


def test_a_fresh_build_is_chosen(tmp_path: Path) -> None:
    fake_build(tmp_path, None)
    (tmp_path / native.STAMP).write_text(json.dumps({"sources": digests(tmp_path)}))
    assert native.choose(tmp_path, TICKETS, {}) == native.Implementation(True, "")


def test_a_source_edited_since_the_build_is_run_as_source(tmp_path: Path) -> None:
    fake_build(tmp_path, None)
    (tmp_path / native.STAMP).write_text(json.dumps({"sources": digests(tmp_path)}))
    (tmp_path / "blocks.py").write_text("# blocks, edited\n")
    chosen = native.choose(tmp_path, TICKETS, {})
    assert not chosen.compiled and "blocks.py changed since compiled" in chosen.reason


@pytest.mark.parametrize(
    ("stamp", "modules", "environ", "reason"),
    [
        (None, TICKETS, {}, "no readable native_build.json"),
        ({"other": 1}, TICKETS, {}, "no readable native_build.json"),
        ({"sources": {}}, ("allocation", "blocks"), {}, "not compiled: book.py"),
        ({"sources": {}}, (), {}, "not compiled: allocation.py, blocks.py, book.py"),
        (None, TICKETS, {native.PURE_ENV: "1"}, "EMS_PURE_PYTHON=1"),
    ],
)
def test_the_source_runs_without_a_complete_fresh_build(
    tmp_path: Path, stamp: dict[str, object] | None, modules: tuple[str, ...], environ: dict[str, str], reason: str
) -> None:
    fake_build(tmp_path, stamp, modules)
    chosen = native.choose(tmp_path, TICKETS, environ)
    assert not chosen.compiled and reason in chosen.reason
    assert chosen.describe().startswith("Python source")


def test_pure_python_by_request_even_when_fresh(tmp_path: Path) -> None:
    fake_build(tmp_path, None)
    (tmp_path / native.STAMP).write_text(json.dumps({"sources": digests(tmp_path)}))
    assert native.choose(tmp_path, TICKETS, {native.PURE_ENV: "1"}).reason == "EMS_PURE_PYTHON=1"
