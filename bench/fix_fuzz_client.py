"""The fuzzing OMS: sends each mutation class interleaved with good orders and changes, and sorts every
answer to the message it answers. Runs in its own process (or thread), never on the engine's loop."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.fix_harness import FuzzClient
from bench.fix_mutations import Plan, Probe, frames_whole
from engine.fix.framing import FixMessage

OUTCOMES = ("session_reject", "business_reject", "order_reject", "accepted", "dropped")
ACKS = {"D": frozenset("A0"), "F": frozenset("64"), "G": frozenset("E5")}  # ExecType answering a request
FINAL = {"D": frozenset("08"), "F": frozenset("48"), "G": frozenset("58")}  # ExecType of its last answer
BATCH = 6  # messages per round trip (they usually reach the engine in one socket read: one turn)


@dataclass(slots=True)
class Sent:
    """One message sent and how it was answered (`outcome` '' until an answer arrives)."""

    kind: str
    msg_type: str
    cl_ord_id: str
    seq: int | None  # None: garbled bytes (no sequence number)
    must_reject: bool
    good: bool
    target: str
    outcome: str = ""
    order_id: str = ""  # OrderID (37) of an acknowledged order
    text: str = ""  # Text (58) of a rejection, cut short
    body: bytes = b""


def run_client(port: int, open_ns: int, seed: int, per_class: int, kinds: list[str], deadline_s: float,
               timeout_s: float = 10.0) -> dict[str, Any]:
    """The whole run for one engine; returns what was sent and answered, class windows and client stats."""
    client = FuzzClient(port, timeout_s=timeout_s)
    client.logon()
    plan = Plan(seed, open_ns)
    deadline = time.monotonic() + deadline_s
    sent: list[Sent] = []
    windows: dict[str, tuple[float, float]] = {}
    timeouts = 0
    session_lost = ""
    for kind in kinds:
        start = time.monotonic()
        probes = _interleaved(plan, kind, per_class)
        for first in range(0, len(probes), BATCH):
            if time.monotonic() > deadline or session_lost:
                break
            batch = []
            try:
                for probe in probes[first : first + BATCH]:
                    batch.append(_send(client, plan, probe))
                _attribute(batch, client.sync(), plan)
            except TimeoutError:
                timeouts += 1
            except OSError:  # the engine dropped us (ConnectionError too): log on again (a fresh pair of sequences)
                session_lost = _log_on_again(client)
            sent += batch
        windows[kind] = (start, time.monotonic())
    client.close()
    for item in sent:
        if not item.outcome and item.seq is None:
            item.outcome = "dropped"
    for item in sent:  # only what a reader needs to see: the bodies of must-reject messages that got in
        item.body = item.body[:300] if item.must_reject and item.outcome == "accepted" else b""
    return {"sent": [asdict(s) for s in sent], "windows": windows, "timeouts": timeouts, "session_lost": session_lost,
            "stats": asdict(client.stats)}


def _log_on_again(client: FuzzClient, attempts: int = 5) -> str:
    """'' once logged on again, else why the session could not be had back."""
    why = ""
    for _ in range(attempts):
        try:
            client.logon()
            return ""
        except OSError as err:
            why = f"{type(err).__name__}: {err}"
            time.sleep(0.5)
    return why or "no logon"


def _interleaved(plan: Plan, kind: str, count: int) -> list[Probe]:
    """`count` mutants of `kind`, with a good order or change after every second one."""
    probes: list[Probe] = []
    for i in range(count):
        probes.append(plan.mutant(kind))
        if i % 2 == 1:
            change = plan.good_change() if plan.rng.random() < 0.3 else None
            probes.append(change or plan.good_order())
    return probes


def _send(client: FuzzClient, plan: Plan, probe: Probe) -> Sent:
    if probe.garbled:
        client.send_garbled(probe.garbled)
        return Sent(probe.kind, "", "", None, True, False, "")
    if not frames_whole(probe.msg_type, probe.body):  # a byte edit the framer drops: it takes no number
        client.send_garbled(client.frame(probe.msg_type, probe.body))
        return Sent(probe.kind, probe.msg_type, "", None, False, False, "")
    seq = client.send(probe.msg_type, probe.body)
    return Sent(probe.kind, probe.msg_type, probe.cl_ord_id, seq, probe.must_reject, probe.good, probe.target,
                body=probe.body)


def _attribute(batch: list[Sent], answers: list[FixMessage], plan: Plan) -> None:
    """Sort the answers to the messages of `batch`: a Reject or BusinessMessageReject by RefSeqNum (45),
    an ExecutionReport or OrderCancelReject by ClOrdID (11). Reports on earlier orders are skipped."""
    by_seq = {s.seq: s for s in batch if s.seq is not None}
    by_id: dict[str, list[Sent]] = {}
    for sent in batch:
        if sent.cl_ord_id and sent.seq is not None:
            by_id.setdefault(sent.cl_ord_id, []).append(sent)
    settled: set[int] = set()  # ids of items whose last answer came (a reject, New, Canceled, Replaced)
    for answer in answers:
        msg_type = answer.msg_type
        if msg_type in ("3", "j"):
            item = by_seq.get(answer.get_int(45) or 0)
            outcome = "session_reject" if msg_type == "3" else "business_reject"
        elif msg_type in ("8", "9"):
            same = by_id.get(answer.get_str(11) or "")
            if not same:
                continue
            # a ClOrdID sent twice in a batch (a mutant's): answers come in order, the first open one is meant
            item = next((s for s in same if id(s) not in settled), same[-1])
            exec_type = answer.get_str(150) or ""
            if msg_type == "9" or exec_type in FINAL.get(item.msg_type, ()):
                settled.add(id(item))
            if msg_type == "9" or exec_type == "8":
                outcome = "order_reject"
            elif exec_type in ACKS.get(item.msg_type, ()):
                outcome = "accepted"
                item.order_id = item.order_id or answer.get_str(37) or ""
            else:
                continue
        else:
            continue
        if item is None:
            continue
        if outcome != "accepted" or not item.outcome:
            item.outcome = outcome
            item.text = (answer.get_str(58) or "")[:160]
    for item in batch:
        if item.good and item.msg_type == "D" and item.outcome == "accepted":
            plan.acknowledged(item.cl_ord_id, item.body)
