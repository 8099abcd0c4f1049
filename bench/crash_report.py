"""bench.crash_recovery's outcome: the table it prints, whether it failed, the engine's logged errors and the
recovery times at 10k/100k/1M records it takes from bench.restart."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.crash_checks import EXAMPLES, FAILURE_KEYS


def engine_errors(log: Path) -> int:
    """ERROR lines the engine logged over the run (the first few go to stderr: context for a failure)."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line] \
        if log.exists() else []
    for line in lines[:EXAMPLES]:
        print(f"engine logged: {line[:300]}", file=sys.stderr)
    return len(lines)


def report(out: dict[str, Any]) -> str:
    keys = ("kills", "restarts_ok", "lost_tickets", "lost_orders", "lost_fills", "duplicated_fills",
            "duplicated_tickets", "shares_reported_twice", "allocation_mismatches", "state_mismatches",
            "lost_changes", "session_errors", "restart_s_p50", "restart_s_max", "journal_records",
            "restarts_from_checkpoint",
            "recover_s_at_1m_records", "orders_sent", "cancels_sent", "replaces_sent", "tickets", "fills",
            "fills_refused_by_store", "orders_resent_poss_dup", "engine_errors_logged", "seconds")
    width = max(map(len, keys))
    lines = [f"{key:<{width}}  {out[key]!s:>10}" for key in keys]
    lines.append(f"{'kill_modes':<{width}}  {out['kill_modes']}")
    for label in ("10k", "100k", "1m"):
        if f"recover_s_at_{label}_records" in out:
            lines.append(f"recovery at {label:>4} records: {out[f'recover_s_at_{label}_records']} s from a checkpoint, "
                         f"{out.get(f'recover_s_replay_only_at_{label}')} s replaying everything")
    for key, examples in out["examples"].items():
        lines.append(f"\n{key} (first seen at {out['first_seen'].get(key, '?')}), first {len(examples)}:")
        lines += [f"  {example}" for example in examples]
    for failure in out["restart_failures"]:
        lines.append(f"restart failed: {failure}")
    return "\n".join(lines)


def failed(out: dict[str, Any]) -> bool:
    return (any(out[key] for key in FAILURE_KEYS) or out["restarts_ok"] != out["kills"]
            or not out["clean_restart_ok"] or any(code != 0 for code in out["clean_exit_codes"]))


def recovery_sizes() -> dict[str, Any]:
    """Recovery time at 10k, 100k and 1M records, from a checkpoint and by full replay (bench.restart, in a
    subprocess of this run, so the figures come from the same machine state)."""
    with tempfile.TemporaryDirectory(prefix="crash-recovery-sizes-") as scratch:
        target = Path(scratch) / "restart.json"
        done = subprocess.run([sys.executable, "-m", "bench.restart", "--json", str(target)], check=False,
                              capture_output=True, text=True)
        if done.returncode != 0 or not target.exists():
            print(f"bench.restart failed: {done.stderr[-2000:]}", file=sys.stderr)
            return {}
        measured = json.loads(target.read_text())
    out: dict[str, Any] = {}
    for label in ("10k", "100k", "1m"):
        for key in (f"recover_s_replay_only_at_{label}", f"recover_s_at_{label}_records"):
            value = measured.get(key)
            out[key] = None if value is None else round(float(value), 3)
    print(f"recovery (bench.restart): {json.dumps(out)}", file=sys.stderr)
    return out
