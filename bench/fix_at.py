"""QuickFIX's 59 FIX 4.4 server acceptance scripts against our session layer: pass/fail per script.

Runs `../shared/fix_at/run_at.py` (the scripts stay in ../shared/fix_at/defs; they are never copied here)
against `tests/interop/at_server.py` (engine/fix behind QuickFIX's test-server application), in two modes:
`relaxed` (`--any-order --any-value 58`: field order and Text wording not compared) and `strict`
(QuickFIX's header order and wording). The scripts are split into shards that run at the same time, each
against its own server process; the slow ones (6_SendTestRequest ~35 s, 4a_NoDataSentDuringHeartBtInt
~12 s: they wait for heartbeat timeouts) get a shard each.

    python -m bench.fix_at [--json FILE] [--repeat N] [--modes relaxed,strict] [--only REGEX]
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AT_DIR = REPO.parent / "shared" / "fix_at"
SERVER = REPO / "tests" / "interop" / "at_server.py"
MODES = {"relaxed": ["--any-order", "--any-value", "58"], "strict": []}
SLOW = ("6_SendTestRequest", "4a_NoDataSentDuringHeartBtInt")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def script_names(only: str | None = None) -> list[str]:
    names = sorted(p.stem for p in (AT_DIR / "defs").glob("*.def"))
    return [n for n in names if only is None or re.search(only, n + ".def")]


def shards(names: list[str]) -> list[list[str]]:
    """Each slow script alone, the rest together."""
    slow = [[n] for n in names if n in SLOW]
    rest = [n for n in names if n not in SLOW]
    return slow + ([rest] if rest else [])


@dataclass
class Shard:
    names: list[str]
    port: int
    out: Path
    process: subprocess.Popen[bytes]


def start_shard(names: list[str], flags: list[str], scratch: Path, timeout_s: float) -> Shard:
    port = free_port()
    out = scratch / f"at-{port}.json"
    only = "^(" + "|".join(re.escape(n) for n in names) + r")\.def$"
    server = f"exec {sys.executable} {SERVER} --port {port}"
    command = [sys.executable, str(AT_DIR / "run_at.py"), "--port", str(port), "--defs", str(AT_DIR / "defs"),
               "--only", only, "--json", str(out), "--start-cmd", server, "--timeout", str(timeout_s), *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)
    return Shard(names, port, out, process)


def run_mode(names: list[str], flags: list[str], *, timeout_s: float = 15.0) -> dict[str, Any]:
    """Run `names` in shards at once; {tests: [...], passed, failed, wall_s, script_s}."""
    with tempfile.TemporaryDirectory(prefix="fix_at_") as scratch:
        started = time.monotonic()
        running = [start_shard(group, flags, Path(scratch), timeout_s) for group in shards(names)]
        tests: list[dict[str, Any]] = []
        for shard in running:
            output, _ = shard.process.communicate(timeout=600)
            if not shard.out.exists():
                raise RuntimeError(f"run_at.py wrote no results for {shard.names}:\n{output.decode(errors='replace')}")
            tests += json.loads(shard.out.read_text())["tests"]
        wall_s = time.monotonic() - started
    tests.sort(key=lambda t: t["test"])
    passed = sum(t["status"] == "PASS" for t in tests)
    return {"tests": tests, "passed": passed, "failed": len(tests) - passed, "wall_s": round(wall_s, 2),
            "script_s": round(sum(t["seconds"] for t in tests), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (median times reported)")
    parser.add_argument("--modes", default="relaxed,strict")
    parser.add_argument("--only", default=None, help="regex on script file names")
    args = parser.parse_args(argv)
    if not (AT_DIR / "run_at.py").exists():
        print(f"{AT_DIR}/run_at.py not found: nothing to run", file=sys.stderr)
        return 2
    names = script_names(args.only)
    result: dict[str, Any] = {"scripts": len(names), "modes": {}}
    for mode in args.modes.split(","):
        runs = [run_mode(names, MODES[mode]) for _ in range(args.repeat)]
        worst = min(runs, key=lambda r: r["passed"])
        summary = {
            "passed": worst["passed"], "failed": worst["failed"],
            "passed_every_run": all(r["failed"] == 0 for r in runs),
            "wall_s_median": statistics.median(r["wall_s"] for r in runs),
            "script_s_median": statistics.median(r["script_s"] for r in runs),
            "tests": [{k: t.get(k) for k in ("test", "status", "seconds", "line", "reason")} for t in worst["tests"]],
        }
        result["modes"][mode] = summary
        print(f"\n{mode}: {summary['passed']}/{len(names)} passed (worst of {args.repeat}); wall "
              f"{summary['wall_s_median']} s median, scripts' own time {summary['script_s_median']} s")
        for test in summary["tests"]:
            mark = "PASS" if test["status"] == "PASS" else "FAIL"
            extra = "" if mark == "PASS" else f"  line {test['line']}: {test['reason']}"
            print(f"  {mark} {test['test']:<45} {test['seconds']:>6} s{extra}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if all(m["failed"] == 0 for m in result["modes"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
