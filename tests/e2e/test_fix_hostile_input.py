"""Hostile bytes against the real FIX acceptor and engine on loopback: nothing stalls it, nothing gets in.

The wiring of `ems headless` (simulated market, journal, acceptor on 127.0.0.1) runs on its own loop in a
background thread with a loop-lag probe; this thread is the OMS (bench/fix_harness.py). Hypothesis
mutates valid NewOrderSingles field-wise (FIX's hostile numbers, bad timestamps, empty, overlong,
missing and repeated fields, random values) and byte-wise (bit flips, inserted SOH and '=', deleted and
repeated runs), and sends them between good orders. Each batch must leave the session up, every good
order acknowledged, every message FIX says to refuse refused, nothing refused in the journal, and the
loop never blocked long (a generous 1 s here: a property, not a timing; bench.fix_fuzz measures it).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.fix_fuzz_client import Sent, _attribute
from bench.fix_harness import FuzzClient, LoopLagProbe, engine_on_loopback, journal_last_seq, journal_records
from bench.fix_mutations import BAD_TIMESTAMPS, HOSTILE_NUMBERS, Plan, frames_whole, read_cl_ord_id
from engine.fix.codec import FieldValue, encode_body

pytestmark = pytest.mark.timeout(120)
BLOCK_BOUND_MS = 1000.0
READ_TAGS = (1, 11, 21, 38, 40, 44, 54, 55, 59, 60, 126, 168, 847, 848, 9100, 9101, 9102)
REQUIRED = (11, 54, 55, 60, 38, 40)
NUMERIC = (38, 44)
TIMESTAMPS = (60, 126, 168)


@dataclass
class Live:
    port: int
    open_ns: int
    journal_path: Path
    probe: LoopLagProbe


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The engine and its gateway on a loop of their own (another thread), for the whole module."""
    workdir = tmp_path_factory.mktemp("fix-hostile")
    ready = threading.Event()
    held: dict[str, object] = {}

    async def serve() -> None:
        async with engine_on_loopback(workdir) as running:
            stop = asyncio.Event()
            held.update(live=Live(running.port, running.market_open_ns, running.journal_path, running.probe),
                        stop=stop, loop=asyncio.get_running_loop())
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="engine-loop", daemon=True)
    thread.start()
    assert ready.wait(30), "the engine did not start"
    live = held["live"]
    assert isinstance(live, Live)
    yield live
    loop, stop = held["loop"], held["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)


@pytest.fixture(scope="module")
def oms(live: Live) -> Iterator[tuple[FuzzClient, Plan]]:
    client = FuzzClient(live.port, timeout_s=15.0)
    client.logon()
    yield client, Plan(seed=0, open_ns=live.open_ns)
    client.close()


# --- mutations ---------------------------------------------------------------------------------------------

values = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS), st.sampled_from(BAD_TIMESTAMPS), st.just(b""),
    st.binary(max_size=40).filter(lambda b: b"\x01" not in b),
    st.integers(33, 200_000).map(lambda n: b"9" * n),
    st.from_regex(rb"\A[0-9]{1,6}[eE][+-]?[0-9]{1,10}\Z"),
)


@st.composite
def field_mutation(draw: st.DrawFn) -> tuple[str, int, bytes | None, bool]:
    """(how, tag, value, must_reject): a hostile number or timestamp, a removed required field, a repeated
    one (FIX says refuse all of those), or any value in any field we read (either way)."""
    how = draw(st.sampled_from(("number", "time", "remove", "repeat", "set", "set")))
    if how == "number":
        return "set", draw(st.sampled_from(NUMERIC)), draw(st.sampled_from(HOSTILE_NUMBERS)), True
    if how == "time":
        return "set", draw(st.sampled_from(TIMESTAMPS)), draw(st.sampled_from(BAD_TIMESTAMPS)), True
    if how == "remove":
        return how, draw(st.sampled_from(REQUIRED)), None, True
    tag = draw(st.sampled_from(READ_TAGS))
    if how == "repeat":
        return how, tag, b"1", True
    value = draw(values)
    hostile = value == b"" or len(value) > 64 or (
        tag in NUMERIC and value in HOSTILE_NUMBERS) or (tag in TIMESTAMPS and value in BAD_TIMESTAMPS)
    return how, tag, value, hostile


byte_edit = st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(("flip", "set", "soh", "eq", "del", "dup")),
                      st.integers(0, 255))
mutation = st.one_of(field_mutation(), st.lists(byte_edit, min_size=1, max_size=4))


def apply(plan: Plan, change: object) -> tuple[bytes, str, bool]:
    """A mutated NewOrderSingle body, the ClOrdID the engine will read, and whether FIX says refuse it."""
    cl_ord_id = plan.next_id("mut")
    fields = plan.order_fields(cl_ord_id)
    if isinstance(change, tuple):
        how, tag, value, must_reject = change
        if how == "remove":
            fields = [(t, v) for t, v in fields if t != tag]
        elif how == "repeat":
            present = _present(fields, tag)
            fields = [*fields, (tag, present)] if present is not None else [*fields, (tag, value), (tag, value)]
        else:
            fields = [(t, v) for t, v in fields if t != tag] + [(tag, value)]
            if tag == 44:
                fields = [(t, "2" if t == 40 else v) for t, v in fields]
        body = encode_body(fields)
        return body, (cl_ord_id if tag != 11 else read_cl_ord_id(body)), must_reject
    data = bytearray(encode_body(fields))
    assert isinstance(change, list)
    for where, op, byte in change:
        at = int(where * len(data))
        if op == "flip":
            data[at] ^= 1 << (byte % 8)
        elif op == "set":
            data[at] = byte
        elif op in ("soh", "eq"):
            data.insert(at, 1 if op == "soh" else 0x3D)
        elif op == "del" and len(data) > 2:
            del data[at]
        else:
            data[at:at] = data[at : at + 1 + byte % 12]
    return bytes(data), read_cl_ord_id(bytes(data)), False


def _present(fields: list[tuple[int, FieldValue]], tag: int) -> FieldValue | None:
    return next((v for t, v in fields if t == tag), None)


# --- the property ------------------------------------------------------------------------------------------


@settings(max_examples=600, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(mutation, min_size=1, max_size=5))
def test_hostile_orders_between_good_ones_never_stall_the_gateway_nor_reach_the_journal(
    live: Live, oms: tuple[FuzzClient, Plan], mutations: list[object]
) -> None:
    client, plan = oms
    live.probe.take_max_ms()
    seen = journal_last_seq(live.journal_path)
    batch: list[Sent] = []
    for change in mutations:
        good = plan.good_order()
        batch.append(Sent("good", "D", good.cl_ord_id, client.send("D", good.body), False, True, "", body=good.body))
        body, cl_ord_id, must_reject = apply(plan, change)
        if frames_whole("D", body):
            batch.append(Sent("mutant", "D", cl_ord_id, client.send("D", body), must_reject, False, ""))
        else:  # a byte edit our framer (the engine's) drops: it takes no sequence number
            client.send_garbled(client.frame("D", body))
    closing = plan.good_order()
    batch.append(Sent("good", "D", closing.cl_ord_id, client.send("D", closing.body), False, True, "",
                      body=closing.body))
    _attribute(batch, client.sync(), plan)

    assert client.connected and client.stats.logouts == [] and client.stats.resend_requests == 0
    assert [s.cl_ord_id for s in batch if s.good and s.outcome != "accepted"] == []
    assert [(s.cl_ord_id, s.outcome) for s in batch if not s.outcome] == []  # every message answered
    assert [(s.cl_ord_id, s.text) for s in batch if s.must_reject and s.outcome == "accepted"] == []
    refused = {s.cl_ord_id for s in batch if s.cl_ord_id and not s.good and s.outcome != "accepted"}
    leaked: dict[str, list[str]] = {}
    for record in journal_records(live.journal_path, seen)[0]:
        for cl_ord_id in refused & {getattr(record, a, None) for a in ("request_id", "client_order_id", "parent_id")}:
            leaked.setdefault(cl_ord_id, []).append(type(record).__name__)
    # a well-formed order beyond the desk's risk limits is the engine's to refuse, and its audit is journaled
    assert {k: v for k, v in leaked.items() if "RiskBlocked" not in v} == {}
    assert live.probe.take_max_ms() < BLOCK_BOUND_MS  # generous: seconds-long stalls are what it catches


def test_a_good_order_taken_with_a_hostile_frame_is_asked_for_again_and_acknowledged(
    live: Live, oms: tuple[FuzzClient, Plan]
) -> None:
    """A frame whose BodyLength is too long runs, as in QuickFIX, to the next CheckSum: the good order behind it
    goes with it. The engine sees the gap at the order after it and asks for a resend; the OMS resends (as FIX
    says) and both orders are acknowledged once. (Runs last: it leaves a resend counted on the shared client.)"""
    client, plan = oms
    before = client.stats.resend_requests
    hostile = client.frame("D", plan.good_order().body)
    length = re.search(rb"\x019=(\d+)\x01", hostile)
    assert length is not None
    longer = hostile[:length.start(1)] + str(int(length.group(1)) + 12).encode() + hostile[length.end(1):]
    taken, behind = plan.good_order(), plan.good_order()
    client.send_garbled(longer)
    client.send("D", taken.body)
    client.send("D", behind.body)
    answers = client.sync()
    news = [a.get_str(11) for a in answers if a.msg_type == "8" and a.get(150) == b"0"]
    assert sorted(news) == sorted([taken.cl_ord_id, behind.cl_ord_id])  # each acknowledged once
    assert client.stats.resend_requests == before + 1 and client.connected and client.stats.logouts == []
