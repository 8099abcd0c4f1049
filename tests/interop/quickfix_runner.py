"""Run tests/interop/qf_initiator.py in a subprocess (QuickFIX aborts its process on C++ errors)."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("qf_initiator.py")


@dataclass
class InitiatorRun:
    """What the QuickFIX OMS printed, one dict per event."""

    events: list[dict[str, Any]]
    stderr: str
    returncode: int

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]

    def messages(self, event: str, msg_type: str | None = None) -> list[dict[int, str]]:
        """Messages of an event kind (from_app, to_admin...) as tag -> first value."""
        out = []
        for e in self.named(event):
            fields: dict[int, str] = {}
            for tag, value in e["msg"]:
                fields.setdefault(int(tag), value)
            if msg_type is None or fields.get(35) == msg_type:
                out.append(fields)
        return out

    def trace(self) -> str:
        """One line per event (direction, MsgType, MsgSeqNum, PossDup, NewSeqNo, Text) for failure messages."""
        lines = []
        for e in self.events:
            fields = {int(tag): value for tag, value in reversed(e.get("msg", []))}
            shown = " ".join(f"{tag}={fields[tag]}" for tag in (35, 34, 43, 7, 36, 58) if tag in fields)
            lines.append(f"{e.get('t', '')} {e['event']} {shown}".rstrip())
        return "\n" + "\n".join(lines)

    @property
    def logged_on(self) -> bool:
        return bool(self.named("logon"))

    def seq(self) -> tuple[int, int]:
        [seq] = self.named("seq")
        return int(seq["next_sender"]), int(seq["next_target"])


async def run_initiator(spec: dict[str, Any], timeout_s: float = 20.0) -> InitiatorRun:
    """Start the QuickFIX initiator with `spec`, wait (bounded) for it to finish its steps and exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(json.dumps(spec).encode()), timeout_s)
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
        raise AssertionError(f"QuickFIX initiator did not finish in {timeout_s}s:\n{stdout.decode()}") from None
    events = [json.loads(line) for line in stdout.decode().splitlines() if line.startswith("{")]
    run = InitiatorRun(events, stderr.decode(), process.returncode or 0)
    assert run.returncode == 0 and run.named("done"), f"initiator failed ({run.returncode}):\n{run.stderr}"
    return run
