"""One database vs ATTACHed databases vs three separate commits, for one engine turn's writes.

`python -m bench.ledger [--turns N] [--json FILE]`: each turn writes what an OMS order's turn writes (5
journal rows, 2 FIX messages + the session's sequence numbers, 1 OMS order row) and commits, WAL,
synchronous=NORMAL, in a temp dir. Three layouts, measured in the same run, median of 3:
- `one_db`: the three stores' tables in one file, one transaction (what the engine does);
- `attached`: journal file + ATTACHed FIX and OMS files, one transaction (atomic per file only in WAL);
- `separate`: three files, three transactions (the layout before this change: not atomic).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

JOURNAL = ("CREATE TABLE IF NOT EXISTS {p}journal "
           "(seq INTEGER PRIMARY KEY, ts_ns INT, kind TEXT, type TEXT, payload TEXT)")
OUTBOUND = ("CREATE TABLE IF NOT EXISTS {p}fix_outbound "
            "(session_id TEXT, seq INT, body BLOB, PRIMARY KEY (session_id, seq))")
SEQS = "CREATE TABLE IF NOT EXISTS {p}fix_sessions (session_id TEXT PRIMARY KEY, next_sender INT, next_target INT)"
ORDERS = "CREATE TABLE IF NOT EXISTS {p}oms_orders (ticket_id TEXT PRIMARY KEY, body TEXT)"
PAYLOAD = '{"ticket_id":"T000001","symbol":"AAPL","side":"1","quantity":500,"limit_price":"189.55"}' * 2
BODY = b"8=FIX.4.4\x019=200\x0135=8\x01" + b"x" * 220


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _write_turn(j: sqlite3.Connection, f: sqlite3.Connection, o: sqlite3.Connection, n: int, fp: str, op: str) -> None:
    j.executemany("INSERT INTO journal (ts_ns, kind, type, payload) VALUES (?, 'event', 'E', ?)",
                  [(n, PAYLOAD)] * 5)
    f.executemany(f"INSERT OR REPLACE INTO {fp}fix_outbound VALUES ('S', ?, ?)", [(2 * n, BODY), (2 * n + 1, BODY)])
    f.execute(f"INSERT OR REPLACE INTO {fp}fix_sessions VALUES ('S', ?, ?)", (2 * n + 2, n))
    o.execute(f"INSERT OR REPLACE INTO {op}oms_orders VALUES (?, ?)", (f"T{n % 1000}", PAYLOAD))


def one_db(root: Path, turns: int) -> float:
    conn = _connect(root / "one.db")
    for ddl in (JOURNAL, OUTBOUND, SEQS, ORDERS):
        conn.execute(ddl.format(p=""))
    start = time.perf_counter()
    for n in range(turns):
        conn.execute("BEGIN IMMEDIATE")
        _write_turn(conn, conn, conn, n, "", "")
        conn.execute("COMMIT")
    return time.perf_counter() - start


def attached(root: Path, turns: int) -> float:
    conn = _connect(root / "main.db")
    conn.execute(JOURNAL.format(p=""))
    for name in ("fix", "oms"):
        conn.execute(f"ATTACH DATABASE '{root / (name + '.db')}' AS {name}")
        conn.execute(f"PRAGMA {name}.journal_mode=WAL")
    for ddl in (OUTBOUND, SEQS):
        conn.execute(ddl.format(p="fix."))
    conn.execute(ORDERS.format(p="oms."))
    start = time.perf_counter()
    for n in range(turns):
        conn.execute("BEGIN IMMEDIATE")
        _write_turn(conn, conn, conn, n, "fix.", "oms.")
        conn.execute("COMMIT")
    return time.perf_counter() - start


def separate(root: Path, turns: int) -> float:
    j, f, o = (_connect(root / name) for name in ("j.db", "f.db", "o.db"))
    j.execute(JOURNAL.format(p=""))
    f.execute(OUTBOUND.format(p=""))
    f.execute(SEQS.format(p=""))
    o.execute(ORDERS.format(p=""))
    start = time.perf_counter()
    for n in range(turns):
        for conn in (j, f, o):
            conn.execute("BEGIN IMMEDIATE")
        _write_turn(j, f, o, n, "", "")
        for conn in (j, f, o):
            conn.execute("COMMIT")
    return time.perf_counter() - start


LAYOUTS: dict[str, Callable[[Path, int], float]] = {"one_db": one_db, "attached": attached, "separate": separate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    runs: dict[str, list[float]] = {name: [] for name in LAYOUTS}
    for _ in range(args.repeats):  # interleaved, so a noisy moment hits every layout alike
        for name, layout in LAYOUTS.items():
            with tempfile.TemporaryDirectory(prefix="ems-ledger-") as scratch:
                runs[name].append(layout(Path(scratch), args.turns))
    result = {name: {"turns_per_s": round(args.turns / statistics.median(times)),
                     "us_per_turn": round(statistics.median(times) / args.turns * 1e6, 1)}
              for name, times in runs.items()}
    print(f"{'layout':<10} {'turns/s':>9} {'us/turn':>9}   ({args.turns:,} turns, median of {args.repeats})")
    for name, figures in result.items():
        print(f"{name:<10} {figures['turns_per_s']:>9,} {figures['us_per_turn']:>9}")
    if args.json:
        Path(args.json).write_text(json.dumps({"turns": args.turns, "layouts": result}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
