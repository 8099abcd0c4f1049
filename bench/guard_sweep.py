"""Guard sweep: remove each check that protects money, one at a time, and see which tests fail.

`python -m bench.guard_sweep [--boundaries] [--json FILE] [--only PATH_PREFIX] [--timeout S]` (an hour or more
for the default scope here; not part of CI).

A guard is an `if` (or `elif`) whose body starts by refusing: `raise`, a `return` of something, `continue`,
`break`, or a call that refuses, rejects or flags. Each is turned into `if False:` in a copy of the repository
(the working tree is never touched; a compiled module whose source changed loads from source, as
`engine/native.py` does for any edited source), and the tests that cover its module run against the copy
(`pytest -x`). A guard no test notices is a **survivor**: either a test is missing, or the guard is redundant
(another check stops the same thing first) and the sweep says so only by surviving. Before any guard is
removed, each test set must pass on the unchanged copy, else the sweep stops (a broken baseline would call
every guard tested).

`--boundaries`: instead of removing each guard, move its boundary: every comparison in its condition made
strict or not strict in turn (`>` to `>=`, `<=` to `<`, ...), one mutant each. A surviving mutant says no test
holds the guard at its edge (an order of exactly the limit, a fill of exactly the leaves).

Prints one line per survivor and the totals; `--json FILE` writes `mode`, `guards` (mutants run), `killed`,
`survived`, `timeouts`, `survivors` ([{file, line, guard, mutation}]) and `seconds`.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_RESTART_TESTS = ("tests/engine/test_checkpoint.py tests/engine/test_background_checkpoints.py "
                  "tests/engine/test_failpoints.py tests/engine/test_engine.py tests/engine/test_turn_batching.py "
                  "tests/engine/test_serialization.py tests/engine/test_wal_checkpointer.py "
                  "tests/engine/test_alert_acks.py tests/engine/risk/test_recent_restart.py "
                  "tests/e2e/test_kill_points.py")
"""What covers the journal, the checkpoints and a turn's transaction: restarts and kills at every write."""

SCOPE: tuple[tuple[str, str], ...] = (
    ("engine/risk/", "tests/engine/risk tests/engine/test_risk_checks.py tests/engine/test_risk_on_engine_path.py "
                     "tests/engine/test_ticket_flow.py"),
    ("engine/store.py", "tests/engine/test_store_views.py tests/engine/test_fill_mismatch.py "
                        "tests/engine/test_fill_booking.py tests/engine/test_states.py tests/engine/test_engine.py "
                        "tests/engine/test_trade_busts.py tests/engine/test_checkpoint.py tests/engine/risk"),
    ("engine/fix_app/", "tests/engine/fix_app"),
    ("engine/fix/session", "tests/engine/fix tests/interop/test_fix_at.py"),
    ("engine/fix/logon.py", "tests/engine/fix tests/interop/test_fix_at.py"),
    ("engine/venues/fix_", "tests/engine/venues tests/engine/fix tests/interop/test_fix_venue_quickfix.py "
                           "tests/interop/test_fix_venue_fill_checks.py tests/interop/test_fix_venue_restart.py"),
    ("engine/pipeline/", "tests/engine/pipeline tests/engine/test_router_safety.py tests/engine/test_engine.py"),
    ("engine/router.py", "tests/engine/test_router_safety.py tests/engine/pipeline tests/engine/test_engine.py"),
    ("engine/routing/router.py", "tests/engine/routing tests/engine/test_router_safety.py"),
    ("engine/routing/inflight.py", "tests/engine/routing"),
    ("engine/ticket_flow.py", "tests/engine/test_ticket_flow.py tests/engine/test_engine.py "
                              "tests/engine/test_parent_amend_guards.py tests/engine/tickets tests/engine/risk"),
    ("engine/parent_flow.py", "tests/engine/test_ticket_flow.py tests/engine/test_engine.py "
                              "tests/engine/test_parent_amend_guards.py tests/engine/algos tests/engine/risk"),
    ("engine/validation.py", "tests/engine/test_ticket_flow.py tests/engine/test_order_sizes.py "
                             "tests/engine/test_price_grid.py tests/engine/test_ticket_commands.py "
                             "tests/engine/test_engine.py tests/engine/tickets"),
    ("engine/model.py", "tests/engine/test_price_grid.py tests/engine/test_order_sizes.py tests/engine/tickets"),
    ("engine/tickets/", "tests/engine/tickets tests/engine/test_ticket_flow.py tests/engine/test_ticket_commands.py"),
    ("engine/algos/", "tests/engine/algos"),
    *((prefix, _RESTART_TESTS) for prefix in ("engine/checkpoint", "engine/journal.py", "engine/ledger.py",
                                              "engine/turns.py", "engine/engine.py", "engine/desk.py",
                                              "engine/serialization.py")),
    *((prefix, "tests/engine/fix tests/e2e/test_fix_hostile_input.py")
      for prefix in ("engine/fix/framing.py", "engine/fix/codec.py", "engine/fix/dictionary",
                     "engine/fix/validation.py", "engine/fix/config.py", "engine/fix/acceptor.py",
                     "engine/fix/initiator", "engine/fix/heartbeat.py", "engine/fix/resend.py",
                     "engine/fix/transport.py")),
    ("engine/fixnum.py", "tests/engine/test_fixnum.py tests/engine/fix tests/engine/fix_app"),
    *((prefix, "tests/engine/routing tests/engine/test_router_safety.py")
      for prefix in ("engine/routing/policies.py", "engine/routing/scorecard", "engine/routing/cont_kukanov.py",
                     "engine/routing/placements.py")),
)
"""(path prefix of the modules swept, the tests that cover them)."""

_GUARD = re.compile(r"(\s*)(el)?if (.+):(\s*)$")
_REFUSING = re.compile(r"\s*(raise |return [^N\s]|return$|continue\b|break\b|.*\b\w*(refus|reject|anomal)\w*\()")
COPY_IGNORED = (".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.db", "*.db-*")


@dataclass(frozen=True, slots=True)
class Guard:
    file: str  # relative to the repository
    line: int  # 1-based
    guard: str  # the line as written, stripped


@dataclass(frozen=True, slots=True)
class Outcome:
    guard: Guard
    result: str  # "killed", "survived", "timeout"
    by: str  # the first failing test, when killed
    mutation: str = "removed"  # or a moved boundary: "> -> >= at column 12"


def guards_in(text: str, file: str) -> Iterator[Guard]:
    """Every guard of one module's source: an `if`/`elif` line whose next line refuses."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if _GUARD.fullmatch(line) and _REFUSING.match(lines[i + 1]):
            yield Guard(file, i + 1, line.strip())


def without(text: str, line: int) -> str:
    """`text` with the guard at `line` (1-based) never true: `if False:`, indentation and `elif` kept."""
    lines = text.splitlines(keepends=True)
    match = _GUARD.fullmatch(lines[line - 1].rstrip("\n"))
    if match is None:
        raise ValueError(f"line {line} is not an if or elif: {lines[line - 1]!r}")
    lines[line - 1] = f"{match.group(1)}{match.group(2) or ''}if False:\n"
    return "".join(lines)


_FLIPPED = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def boundaries(text: str, line: int) -> list[tuple[str, str]]:
    """(what moved, the text) for each comparison in the condition of the guard at `line` (1-based) made strict
    or not strict. Comparisons are read from the line's tokens (a `<` in a string is none); a variant that
    does not compile is dropped."""
    lines = text.splitlines(keepends=True)
    source = lines[line - 1].rstrip("\n")
    match = _GUARD.fullmatch(source)
    if match is None:
        raise ValueError(f"line {line} is not an if or elif: {lines[line - 1]!r}")
    variants = []
    tokens = tokenize.generate_tokens(io.StringIO(source.strip() + "\n").readline)
    offset = len(source) - len(source.lstrip())
    comparisons = [(t.start[1] + offset, t.string) for t in tokens if t.type == tokenize.OP and t.string in _FLIPPED]
    for column, op in comparisons:
        if not match.start(3) <= column < match.end(3):
            continue
        moved = f"{source[:column]}{_FLIPPED[op]}{source[column + len(op):]}\n"
        variant = "".join([*lines[: line - 1], moved, *lines[line:]])
        try:
            compile(variant, "<mutant>", "exec")
        except SyntaxError:
            continue
        variants.append((f"{op} -> {_FLIPPED[op]} at column {column + 1}", variant))
    return variants


def mutants(text: str, guard: Guard, mode: str) -> list[tuple[str, str]]:
    """(mutation, mutated text) of one guard: removed (`mode` "remove") or each boundary moved ("boundary")."""
    if mode == "remove":
        return [("removed", without(text, guard.line))]
    if mode == "boundary":
        return boundaries(text, guard.line)
    raise ValueError(f"unknown mode {mode!r} (remove, boundary)")


def scope_guards(root: Path, scope: Sequence[tuple[str, str]], only: str = "") -> list[tuple[Guard, str]]:
    """(guard, its tests) for every module under the scope's prefixes (and `only`, when given)."""
    found = []
    for prefix, tests in scope:
        for path in sorted((root / prefix.rsplit("/", 1)[0]).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith(prefix) and rel.startswith(only) and "/tests/" not in f"/{rel}":
                found += [(g, tests) for g in guards_in(path.read_text(), rel)]
    return found


def run_tests(copy: Path, tests: str, timeout_s: float) -> tuple[int | None, str]:
    """pytest -x on the copy: (exit code, first failing test), code None on timeout."""
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests.split()],
                              cwd=copy, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, ""
    failed = [ln for ln in done.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    return done.returncode, (failed[0] if failed else done.stdout.strip()[-300:])


def sweep(root: Path, scope: Sequence[tuple[str, str]], *, only: str = "", timeout_s: float = 600.0,
          echo: bool = True, mode: str = "remove") -> list[Outcome]:
    """Each guard of the scope removed in turn in a copy of `root`, its tests run (see the module docstring)."""
    found = scope_guards(root, scope, only)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="guard-sweep-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(*COPY_IGNORED), symlinks=True)
        for tests in dict.fromkeys(t for _, t in found):  # the baseline: each test set passes unchanged
            code, said = run_tests(copy, tests, timeout_s)
            if code != 0:
                raise RuntimeError(f"the tests {tests} do not pass on the unchanged copy (exit {code}): {said}")
        for guard, tests in found:
            path = copy / guard.file
            source = path.read_text()
            for mutation, mutated in mutants(source, guard, mode):
                try:
                    path.write_text(mutated)
                    code, said = run_tests(copy, tests, timeout_s)
                finally:
                    path.write_text(source)
                if code not in (None, 0, 1):
                    raise RuntimeError(f"pytest stopped with exit {code} for {guard.file}:{guard.line} ({mutation}): "
                                       f"{said}")
                result = "timeout" if code is None else "survived" if code == 0 else "killed"
                outcomes.append(Outcome(guard, result, said if code == 1 else "", mutation))
                if echo:
                    print(f"{result:8} {guard.file}:{guard.line}  {guard.guard[:80]}  [{mutation}]", flush=True)
    return outcomes


def summary(outcomes: Sequence[Outcome], seconds: float, mode: str = "remove") -> dict[str, object]:
    count = {r: sum(o.result == r for o in outcomes) for r in ("killed", "survived", "timeout")}
    return {"mode": mode, "guards": len(outcomes), "killed": count["killed"], "survived": count["survived"],
            "timeouts": count["timeout"],
            "survivors": [{**asdict(o.guard), "mutation": o.mutation} for o in outcomes if o.result == "survived"],
            "seconds": round(seconds, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--only", default="", help="sweep only modules whose path starts with this (e.g. engine/risk/)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds one test run may take")
    p.add_argument("--boundaries", action="store_true", help="move each guard's comparisons (> to >=, ...) "
                   "instead of removing the guard")
    args = p.parse_args()
    mode = "boundary" if args.boundaries else "remove"
    started = time.perf_counter()
    outcomes = sweep(REPO, SCOPE, only=args.only, timeout_s=args.timeout, mode=mode)
    result = summary(outcomes, time.perf_counter() - started, mode)
    what = "mutants" if args.boundaries else "guards"
    print(f"{what} {result['guards']}, killed {result['killed']}, survived {result['survived']}, "
          f"timeouts {result['timeouts']} in {result['seconds']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
